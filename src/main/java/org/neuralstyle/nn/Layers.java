package org.neuralstyle.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;

import java.util.List;

/**
 * The building blocks of the StyleBank network on NCHW tensors, for what DJL 0.36 lacks on
 * PyTorch: reflection padding, instance normalisation without affine parameters, and nearest
 * upsampling. Each returns a new array and leaves its input open (the caller owns it).
 */
public final class Layers {

	public static final float IN_EPS = 1e-5f;

	private Layers() {}

	/** Reflection padding by p on all four sides (PyTorch "reflect": the edge is not repeated). */
	public static NDArray reflectPad(NDArray x, int p) {
		if (p == 0) return x.duplicate();
		try (NDArray w = padAxis(x, 3, p, p, false)) {
			return padAxis(w, 2, p, p, false);
		}
	}

	/**
	 * Pads the end of an axis to {@code target}: by reflection where the side is long enough,
	 * else by repeating the last row or column (images smaller than the padding).
	 */
	public static NDArray padEnd(NDArray x, int axis, long target) {
		long n = x.getShape().get(axis);
		if (target <= n) return x.duplicate();
		int extra = (int) (target - n);
		return padAxis(x, axis, 0, extra, extra >= n);
	}

	/**
	 * Pads one axis with a single gather (index_select), which libtorch does in one pass; slicing,
	 * flipping and concatenating was three times slower on large feature maps.
	 */
	static NDArray padAxis(NDArray x, int axis, int before, int after, boolean edge) {
		long n = x.getShape().get(axis);
		if (!edge && (before >= n || after >= n)) {
			throw new IllegalArgumentException("reflection padding of " + Math.max(before, after)
				+ " needs a side longer than that, got " + n);
		}
		long[] index = new long[(int) n + before + after];
		for (int i = 0; i < index.length; i++) {
			long j = i - before;
			if (edge) j = Math.min(n - 1, Math.max(0, j));
			else {
				if (j < 0) j = -j;
				if (j >= n) j = 2 * (n - 1) - j;
			}
			index[i] = j;
		}
		// the index stays alive with x's manager: libtorch's backward of the gather reads it again
		NDArray idx = x.getManager().create(index);
		return x.get(new NDIndex(":,".repeat(axis) + "{}", idx));
	}

	/** Reflection-padded convolution with bias, as the model format prescribes. */
	public static NDArray conv(NDArray x, NDArray weight, NDArray bias, int stride) {
		int p = (int) (weight.getShape().get(3) / 2);
		try (NDArray padded = reflectPad(x, p)) {
			return Conv2d.conv2d(padded, weight, bias, new Shape(stride, stride), new Shape(0, 0),
				new Shape(1, 1), 1).singletonOrThrow();
		}
	}

	/** Instance normalisation over H x W per sample and channel, biased variance, no affine. */
	public static NDArray instanceNorm(NDArray x) {
		Shape s = x.getShape();
		float n = s.get(2) * s.get(3);
		int[] hw = { 2, 3 };
		try (NDArray sum = x.sum(hw, true); NDArray mean = sum.div(n); NDArray centered = x.sub(mean);
			NDArray sq = centered.square(); NDArray sqSum = sq.sum(hw, true); NDArray var = sqSum.div(n);
			NDArray std = var.add(IN_EPS).sqrt())
		{
			return centered.div(std);
		}
	}

	/** Instance normalisation followed by ReLU (closes the intermediate). */
	public static NDArray normRelu(NDArray x) {
		try (NDArray n = instanceNorm(x)) {
			return Activation.relu(n);
		}
	}

	/**
	 * Region-aware instance normalisation: for each soft mask M_r (N x 1 x H x W), mean and
	 * biased variance of x weighted by M_r over H x W, and the result sum_r M_r (x - mu_r) /
	 * sqrt(var_r + eps). With one mask of ones it is exactly {@link #instanceNorm}.
	 */
	public static NDArray regionInstanceNorm(NDArray x, List<NDArray> masks) {
		int[] hw = { 2, 3 };
		NDArray out = null;
		for (NDArray m : masks) {
			try (NDArray massRaw = m.sum(hw, true); NDArray mass = massRaw.maximum(1e-12f);
				NDArray mx = x.mul(m); NDArray sum = mx.sum(hw, true); NDArray mean = sum.div(mass);
				NDArray centered = x.sub(mean); NDArray sq = centered.square(); NDArray msq = sq.mul(m);
				NDArray sqSum = msq.sum(hw, true); NDArray var = sqSum.div(mass); NDArray std = var.add(IN_EPS).sqrt();
				NDArray normed = centered.div(std))
			{
				NDArray part = normed.mul(m);
				if (out == null) out = part;
				else {
					out.addi(part);
					part.close();
				}
			}
		}
		return out;
	}

	/** Region-aware instance normalisation followed by ReLU. */
	public static NDArray regionNormRelu(NDArray x, List<NDArray> masks) {
		try (NDArray n = regionInstanceNorm(x, masks)) {
			return Activation.relu(n);
		}
	}

	/** Average over f x f blocks (sides must be multiples of f): how masks reach coarser layers. */
	public static NDArray averagePool(NDArray x, int f) {
		Shape s = x.getShape();
		long n = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
		try (NDArray r = x.reshape(n, c, h / f, f, w / f, f); NDArray sum = r.sum(new int[] { 3, 5 })) {
			return sum.div((float) (f * f));
		}
	}

	/** Nearest-neighbour upsampling by 2 in H and W. */
	public static NDArray upsample2(NDArray x) {
		Shape s = x.getShape();
		long n = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
		try (NDArray r = x.reshape(n, c, h, 1, w, 1); NDArray b = r.broadcast(n, c, h, 2, w, 2)) {
			return b.reshape(n, c, 2 * h, 2 * w);
		}
	}
}
