package org.neuralstyle.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/**
 * The terms of the Gatys loss on N = 1 feature maps. Normalisation (documented in the README):
 * content = mean over C x H x W of (F - P)^2; Gram G = F F^T / (C * H * W), and guided
 * G_M = (F . M)(F . M)^T / (C * sum M^2), which equals G for M = 1; style = mean over C x C of
 * (G - A)^2 per layer; total variation = mean of squared horizontal plus vertical differences.
 */
public final class Losses {

	private Losses() {}

	public static NDArray content(NDArray f, NDArray target) {
		try (NDArray d = f.sub(target); NDArray sq = d.square()) {
			return sq.mean();
		}
	}

	/** The Gram matrix, or the guided Gram matrix when {@code mask} (1 x 1 x H x W) is given. */
	public static NDArray gram(NDArray f, NDArray mask) {
		NDArray fm = mask == null ? f : f.mul(mask);
		try (NDArray g = gramSum(fm)) {
			return gramNormalised(g, f.getShape().get(1), f.getShape().get(2) * f.getShape().get(3), mask);
		}
		finally {
			if (fm != f) fm.close();
		}
	}

	/** F F^T of a 1 x C x H x W map (the (guided) Gram matrix before its normalisation; sums of parts add up). */
	public static NDArray gramSum(NDArray f) {
		Shape s = f.getShape();
		try (NDArray flat = f.reshape(s.get(1), s.get(2) * s.get(3)); NDArray t = flat.transpose()) {
			return flat.matMul(t);
		}
	}

	/**
	 * {@link #gramSum} of a map with c channels and n positions (of the masked map when {@code mask}
	 * is given) divided as {@link #gram} divides it: by c n, or by c sum(mask^2).
	 */
	public static NDArray gramNormalised(NDArray sum, long c, long n, NDArray mask) {
		if (mask == null) return Scalars.over(sum, (double) c * n);
		try (NDArray m2 = mask.square(); NDArray mass = m2.sum(); NDArray norm = Scalars.times(mass, c);
			NDArray safe = Scalars.atLeast(norm, 1e-12))
		{
			return sum.div(safe);
		}
	}

	/** One Gram matrix per sample of an N x C x H x W batch: N x C x C, normalised by C * H * W. */
	public static NDArray gramBatch(NDArray f) {
		Shape s = f.getShape();
		long n = s.get(0), c = s.get(1), hw = s.get(2) * s.get(3);
		try (NDArray flat = f.reshape(n, c, hw); NDArray t = flat.transpose(0, 2, 1); NDArray g = flat.batchMatMul(t)) {
			return Scalars.over(g, (double) c * hw);
		}
	}

	public static NDArray style(NDArray gram, NDArray target) {
		try (NDArray d = gram.sub(target); NDArray sq = d.square()) {
			return sq.mean();
		}
	}

	/** The mean absolute difference (L1 per element) of two arrays of one shape. */
	public static NDArray meanAbsolute(NDArray a, NDArray b) {
		try (NDArray d = a.sub(b); NDArray abs = d.abs()) {
			return abs.mean();
		}
	}

	public static NDArray totalVariation(NDArray x) {
		Shape s = x.getShape();
		long h = s.get(2), w = s.get(3);
		try (NDArray a = x.get(":, :, 1:, :"); NDArray b = x.get(":, :, :" + (h - 1) + ", :"); NDArray dy = a.sub(b);
			NDArray dy2 = dy.square(); NDArray my = dy2.mean(); NDArray c = x.get(":, :, :, 1:");
			NDArray d = x.get(":, :, :, :" + (w - 1)); NDArray dx = c.sub(d); NDArray dx2 = dx.square(); NDArray mx = dx2.mean())
		{
			return my.add(mx);
		}
	}

	/** A mask brought to a feature map's resolution by the same 2 x 2 pooling steps as the network (average). */
	public static NDArray poolMask(NDArray mask, int times) {
		NDArray m = mask;
		for (int i = 0; i < times; i++) {
			NDArray p = Pool.avgPool2d(m, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false, true);
			if (m != mask) m.close();
			m = p;
		}
		return m == mask ? Layers.same(mask) : m;
	}
}
