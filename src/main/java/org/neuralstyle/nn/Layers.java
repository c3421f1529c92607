package org.neuralstyle.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDArrays;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

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
		if (p == 0) return same(x);
		if (!JniUtils.isGradMode() && x.size() * 4 < COPIES_BELOW_BYTES) return reflectPadCopies(x, p);
		try (NDArray w = padAxis(x, 3, p, p, false)) {
			return padAxis(w, 2, p, p, false);
		}
	}

	/**
	 * Maps below this size are padded by {@link #reflectPadCopies}; larger ones by the gathers.
	 * Measured at 2048 x 2048 whole (ThroughputBenchmark): the copies made that pass slower (14.8
	 * against 13.7 s) and its peak resident size 1.8 GB larger, while on the maps of a 512-pixel
	 * tile, which malloc reuses (nn.NativeMemory: 64 MB heaps), they are about twice as fast.
	 */
	static final long COPIES_BELOW_BYTES = 64L << 20;

	/**
	 * {@link #reflectPad} without gradients: the borders as flipped slices, joined to x by two
	 * concatenations, which copy at memory speed; the gathers of {@link #padAxis} read one element
	 * at a time along the last axis (a 32 x 130 x 2048 map: 35 ms gathered, 19 ms so, equal to the
	 * bit). Used only where no gradient is recorded (DJL's concatenation is not one we checked for
	 * gradients) and for maps below {@link #COPIES_BELOW_BYTES}.
	 */
	static NDArray reflectPadCopies(NDArray x, int p) {
		long h = x.getShape().get(2), w = x.getShape().get(3);
		if (p >= h || p >= w) {
			throw new IllegalArgumentException("reflection padding of " + p + " needs a side longer than that, got " + Math.min(h, w));
		}
		try (NDArray left = x.get(":, :, :, 1:" + (p + 1)).flip(3); NDArray right = x.get(":, :, :, " + (w - p - 1) + ":" + (w - 1)).flip(3);
			NDArray wide = NDArrays.concat(new NDList(left, x, right), 3); NDArray top = wide.get(":, :, 1:" + (p + 1) + ", :").flip(2);
			NDArray bottom = wide.get(":, :, " + (h - p - 1) + ":" + (h - 1) + ", :").flip(2))
		{
			return NDArrays.concat(new NDList(top, wide, bottom), 2);
		}
	}

	/**
	 * x under a new handle (a view of the same data) that the caller may close: gradients flow
	 * through it. Not {@code duplicate()}: DJL's copy is cut from the autograd graph.
	 */
	static NDArray same(NDArray x) {
		return x.reshape(x.getShape());
	}

	/**
	 * Pads the end of an axis to {@code target}: by reflection where the side is long enough,
	 * else by repeating the last row or column (images smaller than the padding).
	 */
	public static NDArray padEnd(NDArray x, int axis, long target) {
		long n = x.getShape().get(axis);
		if (target <= n) return same(x);
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
			else j = reflect(j, n);
			index[i] = j;
		}
		return gather(x, axis, index);
	}

	/** Index j of a side of length n, reflected into [0, n) (valid for -n < j < 2n - 1). */
	private static long reflect(long j, long n) {
		if (j < 0) j = -j;
		if (j >= n) j = 2 * (n - 1) - j;
		return j;
	}

	/** x.index_select(axis, index). */
	private static NDArray gather(NDArray x, int axis, long[] index) {
		// the index stays alive with x's manager: libtorch's backward of the gather reads it again
		NDArray idx = x.getManager().create(index);
		return x.get(new NDIndex(":,".repeat(axis) + "{}", idx));
	}

	/**
	 * Nearest upsampling by 2 followed by reflection padding by p, as one gather per axis: padded
	 * position i of the upsampled axis (length 2n) reads the input at reflect(i - p, 2n) / 2. The
	 * upsampled map is never built, which saves one full-size copy before each decoder convolution.
	 */
	public static NDArray upsample2ReflectPad(NDArray x, int p) {
		long h = x.getShape().get(2), w = x.getShape().get(3);
		if (p >= 2 * Math.min(h, w)) {
			throw new IllegalArgumentException("reflection padding of " + p + " needs a side longer than that, got "
				+ 2 * Math.min(h, w));
		}
		try (NDArray cols = gather(x, 3, upsampledIndex(w, p))) {
			return gather(cols, 2, upsampledIndex(h, p));
		}
	}

	private static long[] upsampledIndex(long n, int p) {
		long[] index = new long[(int) (2 * n + 2 * p)];
		for (int i = 0; i < index.length; i++) index[i] = reflect(i - p, 2 * n) / 2;
		return index;
	}

	/**
	 * Reflection-padded convolution with bias, as the model format prescribes. With weights of
	 * another type than x (float16 weights for a float32 map: half precision on a GPU), x is cast
	 * to the weights' type before the padding and the result back to x's type.
	 */
	public static NDArray conv(NDArray x, NDArray weight, NDArray bias, int stride) {
		if (SubPixel.spaceToDepthApplies(x, weight, stride)) return SubPixel.spaceToDepthConv(x, weight, bias);
		int p = (int) (weight.getShape().get(3) / 2);
		NDArray in = castLike(x, weight);
		try (NDArray padded = reflectPad(in, p)) {
			return convPadded(padded, weight, bias, stride, x.getDataType());
		}
		finally {
			if (in != x) in.close();
		}
	}

	/** The decoder's step: nearest upsampling by 2, then the reflection-padded convolution (stride 1); types as in {@link #conv}. */
	public static NDArray upsampleConv(NDArray x, NDArray weight, NDArray bias) {
		if (SubPixel.upsampleApplies(x, weight)) return SubPixel.upsampleConv(x, weight, bias);
		int p = (int) (weight.getShape().get(3) / 2);
		NDArray in = castLike(x, weight);
		try (NDArray padded = upsample2ReflectPad(in, p)) {
			return convPadded(padded, weight, bias, 1, x.getDataType());
		}
		finally {
			if (in != x) in.close();
		}
	}

	/** x itself, or a new copy of x in the type of {@code like} when the types differ. */
	private static NDArray castLike(NDArray x, NDArray like) {
		return x.getDataType() == like.getDataType() ? x : x.toType(like.getDataType(), false);
	}

	private static NDArray convPadded(NDArray padded, NDArray weight, NDArray bias, int stride, DataType type) {
		NDArray y = Convolution.conv2d(padded, weight, bias, stride, 0);
		if (y.getDataType() == type) return y;
		try (y) {
			return y.toType(type, false);
		}
	}

	/**
	 * Instance normalisation over H x W per sample and channel, biased variance, no affine. The
	 * N x C x H x W map is viewed as 1 x NC x H x W and run through libtorch's batch
	 * normalisation in training mode, which normalises each of the NC planes by its own mean and
	 * biased variance in one fused kernel (measured 1.3-1.8x faster than the seven separate
	 * reductions and element-wise steps, equal to 1e-6). Gradients flow as through any op.
	 */
	public static NDArray instanceNorm(NDArray x) {
		Shape s = x.getShape();
		long planes = s.get(0) * s.get(1);
		NDManager m = x.getManager();
		// running statistics are required by the call and updated by it; momentum 0 leaves them, and they are dropped
		try (NDArray flat = x.reshape(1, planes, s.get(2), s.get(3)); NDArray runMean = m.zeros(new Shape(planes), x.getDataType());
			NDArray runVar = m.ones(new Shape(planes), x.getDataType()); NDArray gamma = m.ones(new Shape(planes), x.getDataType());
			NDArray beta = m.zeros(new Shape(planes), x.getDataType());
			NDArray y = flat.getNDArrayInternal().batchNorm(flat, runMean, runVar, gamma, beta, 1, 0f, IN_EPS, true).singletonOrThrow())
		{
			return y.reshape(s);
		}
	}

	/** Normalisation with known per-channel mean and variance (1 x C x 1 x 1 or C values): (x - mean) / sqrt(var + eps), fused. */
	public static NDArray normalize(NDArray x, NDArray mean, NDArray var) {
		long c = x.getShape().get(1);
		NDManager m = x.getManager();
		try (NDArray mu = mean.reshape(c); NDArray v = var.reshape(c); NDArray gamma = m.ones(new Shape(c), x.getDataType());
			NDArray beta = m.zeros(new Shape(c), x.getDataType()))
		{
			return x.getNDArrayInternal().batchNorm(x, mu, v, gamma, beta, 1, 0f, IN_EPS, false).singletonOrThrow();
		}
	}

	/** Instance normalisation followed by ReLU (closes the intermediate). */
	public static NDArray normRelu(NDArray x) {
		try (NDArray n = instanceNorm(x)) {
			return Activation.relu(n);
		}
	}

	/** The textbook formula, step by step: the reference for {@link #instanceNorm} in tests. */
	static NDArray instanceNormReference(NDArray x) {
		Shape s = x.getShape();
		float n = s.get(2) * s.get(3);
		int[] hw = { 2, 3 };
		try (NDArray sum = x.sum(hw, true); NDArray mean = Scalars.over(sum, n); NDArray centered = x.sub(mean);
			NDArray sq = centered.square(); NDArray sqSum = sq.sum(hw, true); NDArray var = Scalars.over(sqSum, n);
			NDArray std = var.add(IN_EPS).sqrt())
		{
			return centered.div(std);
		}
	}

	/**
	 * Region-aware instance normalisation: for each soft mask M_r (N x 1 x H x W), mean and
	 * biased variance of x weighted by M_r over H x W, and the result sum_r M_r (x - mu_r) /
	 * sqrt(var_r + eps). A mask of ones is exactly {@link #instanceNorm}; an empty mask is skipped.
	 */
	public static NDArray regionInstanceNorm(NDArray x, List<NDArray> masks) {
		int[] hw = { 2, 3 };
		return blendPerRegion(x, masks, (r, massRaw) -> {
			NDArray m = masks.get(r);
			try (NDArray massPos = Scalars.atLeast(massRaw, 1e-12); NDArray mx = x.mul(m); NDArray sum = mx.sum(hw, true);
				NDArray mean = sum.div(massPos); NDArray centered = x.sub(mean); NDArray sq = centered.square();
				NDArray msq = sq.mul(m); NDArray sqSum = msq.sum(hw, true); NDArray var = sqSum.div(massPos);
				NDArray std = var.add(IN_EPS).sqrt())
			{
				return centered.div(std);
			}
		});
	}

	/** Region r's normalisation of x, before its mask is applied; {@code mass} is the mask's sum (N x 1 x 1 x 1). */
	private interface RegionNorm {
		NDArray of(int r, NDArray mass);
	}

	/**
	 * sum_r M_r . norm_r(x) over the masks: an empty mask is skipped (it adds exactly nothing), and a
	 * mask covering the image (masks are at most 1) gets the plain, fused {@link #instanceNorm}.
	 */
	private static NDArray blendPerRegion(NDArray x, List<NDArray> masks, RegionNorm norm) {
		int[] hw = { 2, 3 };
		float pixels = x.getShape().get(2) * x.getShape().get(3);
		NDArray out = null;
		for (int r = 0; r < masks.size(); r++) {
			NDArray m = masks.get(r);
			NDArray part;
			try (NDArray massRaw = m.sum(hw, true)) {
				float[] mass = massRaw.toFloatArray();
				if (all(mass, 0f)) continue;
				if (all(mass, pixels)) part = instanceNorm(x);
				else {
					try (NDArray normed = norm.of(r, massRaw)) {
						part = normed.mul(m);
					}
				}
			}
			if (out == null) out = part;
			else {
				out.addi(part);
				part.close();
			}
		}
		if (out == null) throw new IllegalArgumentException("normalisation per region needs a non-empty mask");
		return out;
	}

	private static boolean all(float[] values, float v) {
		for (float f : values) if (f != v) return false;
		return true;
	}

	/** Per-channel mean and biased variance over H x W (N = 1): {mean, var}, each 1 x C x 1 x 1. */
	public static NDArray[] meanVariance(NDArray x) {
		int[] hw = { 2, 3 };
		float n = x.getShape().get(2) * x.getShape().get(3);
		NDArray mean;
		try (NDArray sum = x.sum(hw, true)) {
			mean = Scalars.over(sum, n);
		}
		try (NDArray centered = x.sub(mean); NDArray sq = centered.square(); NDArray sqSum = sq.sum(hw, true)) {
			return new NDArray[] { mean, Scalars.over(sqSum, n) };
		}
	}

	/**
	 * Instance normalisation with given statistics per soft region, followed by ReLU:
	 * relu(sum_r M_r (x - mu_r) / sqrt(var_r + eps)), {@code stats.get(r) = {mu_r, var_r}} (1 x C x 1 x 1;
	 * may be null for an empty mask, which adds nothing). A mask covering the image means x is that
	 * region's own map: it gets the plain, fused normalisation.
	 */
	public static NDArray givenNormRelu(NDArray x, List<NDArray> masks, List<NDArray[]> stats) {
		try (NDArray n = blendPerRegion(x, masks, (r, mass) -> normalize(x, stats.get(r)[0], stats.get(r)[1]))) {
			return Activation.relu(n);
		}
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
			return Scalars.over(sum, f * f);
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
