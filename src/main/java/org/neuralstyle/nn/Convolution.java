// Over 300 lines on purpose: the three plans (as is, channels padded, oneDNN off) and the check against
// plain Java loops that chooses between them are one decision and are read together.
package org.neuralstyle.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every 2-D convolution of the plugin, with each kind of convolution checked against a plain
 * Java computation before its first use.
 *
 * <p>Why: on our build machines (AMD EPYC under a hypervisor), the oneDNN kernels of libtorch
 * 2.7.1 compute wrong convolutions for some channel counts: the gradient with respect to the
 * input when the output has 3, 8, 12 or 24 channels (the decoder's last 9 x 9 layer among
 * them: 30-50 % relative error, NaN at times, and different from run to run with two threads),
 * the gradient of stride-2 layers with 48 input channels, and even the forward result with 24
 * input channels. Channel counts that are multiples of 32 (and 3-channel images as input) were
 * right in every case we tried, and so was libtorch's own non-oneDNN path, only slower. So a
 * convolution runs in one of three {@link Plan}s, the first that passes the check (order: see
 * {@link #candidates}): libtorch as is, channels zero-padded to multiples of 32 (the same result
 * by linearity), or libtorch with oneDNN switched off. The check (a few random inputs, forward and, where gradients are
 * recorded, both gradients; relative error at most 1e-3, where float rounding gives 1e-6 and
 * the faults 1e-1) runs once per kind of convolution and JVM; see README "Reproducibility".
 */
public final class Convolution {

	/** How a convolution is computed. */
	public enum Plan {
		/** Channels zero-padded to multiples of 32 (not a 3-channel input; output channels only where gradients flow), result cut back. */
		ALIGNED,
		/** libtorch as it is (oneDNN on x86 CPUs). */
		DIRECT,
		/** libtorch's own kernels, oneDNN switched off for the call and for the backward pass. */
		NATIVE
	}

	/** A kind of convolution: what the kernels depend on, not the image size. */
	public record Signature(int in, int out, int kernel, int stride, int padding, boolean backward) {
		@Override
		public String toString() {
			return String.format(Locale.ROOT, "%d->%d k%d s%d p%d %s", in, out, kernel, stride, padding,
				backward ? "with gradients" : "forward");
		}
	}

	/** Computes a convolution one way; a seam for tests. */
	interface Kernel {
		NDArray apply(Plan plan, NDArray x, NDArray weight, NDArray bias, int stride, int padding, boolean backward);
	}

	static final double TOLERANCE = 1e-3;
	private static final int ALIGN = 32;
	private static final Map<Signature, Plan> PLANS = new ConcurrentHashMap<>();
	private static volatile boolean nativeBackward;
	static Kernel kernel = Convolution::compute;
	/** Where the choice of a plan other than the first is reported (a door sets it; standard error by default). */
	private static volatile java.util.function.Consumer<String> notes = line -> System.err.println("[style transfer] " + line);

	private Convolution() {}

	/**
	 * x (N x C x H x W) convolved with weight (O x C x k x k), bias (O) or null, zero padding
	 * {@code padding}, dilation 1. Gradients flow when grad mode is on (inside a gradient collector).
	 */
	public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
		Shape ws = weight.getShape();
		boolean backward = JniUtils.isGradMode();
		if (x.getDevice().isGpu() || weight.getDataType() != DataType.FLOAT32) {
			return compute(Plan.DIRECT, x, weight, bias, stride, padding, backward); // GPUs and float16: not ours to check
		}
		Signature s = new Signature((int) ws.get(1), (int) ws.get(0), (int) ws.get(2), stride, padding, backward);
		return kernel.apply(plan(s), x, weight, bias, stride, padding, backward);
	}

	/** The plan for a kind of convolution, checked on first use. */
	public static Plan plan(Signature s) {
		Plan p = PLANS.get(s);
		if (p != null) return p;
		synchronized (PLANS) {
			p = PLANS.get(s);
			if (p == null) {
				p = choose(s);
				PLANS.put(s, p);
				if (p == Plan.NATIVE && s.backward()) nativeBackward = true;
			}
			return p;
		}
	}

	/** The plans chosen so far in this JVM, one line each (for the Settings dialog and diagnostics). */
	public static List<String> report() {
		List<String> out = new ArrayList<>();
		PLANS.forEach((s, p) -> out.add(s + ": " + p.name().toLowerCase(Locale.ROOT)));
		out.sort(null);
		return out;
	}

	static void forget() {
		PLANS.clear();
		nativeBackward = false;
	}

	private static Plan choose(Signature s) {
		List<String> errors = new ArrayList<>();
		for (Plan p : candidates(s)) {
			if (p == Plan.NATIVE && !LibTorch.canSwitchOneDnn()) continue;
			double e = check(s, p);
			if (e <= TOLERANCE) {
				if (!errors.isEmpty()) notes.accept("convolution " + s + ": " + String.join(", ", errors) + " relative error; using "
					+ p.name().toLowerCase(Locale.ROOT));
				return p;
			}
			errors.add(p.name().toLowerCase(Locale.ROOT) + " " + String.format(Locale.ROOT, "%.2g", e));
		}
		throw new IllegalStateException("This machine's libtorch computes wrong convolutions (" + s + "; relative errors: "
			+ String.join(", ", errors) + "). Results would be wrong, so nothing was computed. Please report the CPU "
			+ "(lscpu) with this message.");
	}

	/**
	 * The plans to try, in order. Forward passes try libtorch as is first (the one fault seen there
	 * was with 24 input channels, at every image size, which the check catches); gradients of
	 * unaligned channel counts go aligned first (most of the faults seen were there, some only at
	 * some sizes).
	 */
	private static List<Plan> candidates(Signature s) {
		if (aligned(s)) return List.of(Plan.DIRECT, Plan.NATIVE);
		return s.backward() ? List.of(Plan.ALIGNED, Plan.DIRECT, Plan.NATIVE) : List.of(Plan.DIRECT, Plan.ALIGNED, Plan.NATIVE);
	}

	private static boolean aligned(Signature s) {
		return alignIn(s.in()) == s.in() && (!s.backward() || alignOut(s.out()) == s.out());
	}

	private static long alignIn(long c) {
		return c == 3 ? 3 : (c + ALIGN - 1) / ALIGN * ALIGN;
	}

	private static long alignOut(long c) {
		return (c + ALIGN - 1) / ALIGN * ALIGN;
	}

	/** Whether backward passes must run with oneDNN off (a checked convolution with gradients needed it). */
	static boolean nativeBackward() {
		return nativeBackward;
	}

	// ---------------------------------------------------------------- computing

	static NDArray compute(Plan plan, NDArray x, NDArray weight, NDArray bias, int stride, int padding, boolean backward) {
		return switch (plan) {
			case DIRECT -> raw(x, weight, bias, stride, padding);
			case NATIVE -> {
				try (LibTorch.OneDnnOff off = LibTorch.oneDnnOff()) {
					yield raw(x, weight, bias, stride, padding);
				}
			}
			case ALIGNED -> alignedConv(x, weight, bias, stride, padding, backward);
		};
	}

	private static NDArray raw(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
		return Conv2d.conv2d(x, weight, bias, new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), 1)
			.singletonOrThrow();
	}

	/** The convolution on channels padded with zeros: extra input channels add 0, extra output channels are cut off. */
	private static NDArray alignedConv(NDArray x, NDArray weight, NDArray bias, int stride, int padding, boolean backward) {
		Shape xs = x.getShape(), ws = weight.getShape();
		long ci = ws.get(1), co = ws.get(0), k1 = ws.get(2), k2 = ws.get(3);
		long ci2 = alignIn(ci), co2 = backward ? alignOut(co) : co;
		NDManager m = x.getManager();
		DataType t = x.getDataType();
		NDArray xp = x, wp = weight, bp = bias;
		try {
			if (ci2 > ci) {
				try (NDArray zx = m.zeros(new Shape(xs.get(0), ci2 - ci, xs.get(2), xs.get(3)), t);
					NDArray zw = m.zeros(new Shape(co, ci2 - ci, k1, k2), t))
				{
					xp = x.concat(zx, 1);
					wp = weight.concat(zw, 1);
				}
			}
			if (co2 > co) {
				try (NDArray zw = m.zeros(new Shape(co2 - co, ci2, k1, k2), t)) {
					NDArray w2 = wp.concat(zw, 0);
					if (wp != weight) wp.close();
					wp = w2;
				}
				if (bias != null) {
					try (NDArray zb = m.zeros(new Shape(co2 - co), t)) {
						bp = bias.concat(zb, 0);
					}
				}
			}
			NDArray y = raw(xp, wp, bp, stride, padding);
			if (co2 == co) return y;
			try (y) {
				return y.get(":, 0:" + co);
			}
		}
		finally {
			if (xp != x) xp.close();
			if (wp != weight) wp.close();
			if (bp != bias) bp.close();
		}
	}

	// ---------------------------------------------------------------- the check

	/**
	 * Relative error (max |difference| / max |reference|, worst of y, dx and dw) of a plan on a
	 * small seeded random problem of this signature, against a plain double-precision loop.
	 */
	static double check(Signature s, Plan plan) {
		// small but not tiny: two samples (one for wide layers), odd and unequal output sides
		int n = (long) s.in() * s.out() > 16384 ? 1 : 2;
		int oh = 7, ow = 9;
		int h = (oh - 1) * s.stride() + s.kernel() - 2 * s.padding(), w = (ow - 1) * s.stride() + s.kernel() - 2 * s.padding();
		Random r = new Random(((((s.in() * 4099L + s.out()) * 31 + s.kernel()) * 31 + s.stride()) * 31 + s.padding()) * 2 + (s.backward() ? 1 : 0));
		float[] x = gaussian(r, n * s.in() * h * w, 1), wt = gaussian(r, s.out() * s.in() * s.kernel() * s.kernel(), 0.1);
		float[] b = gaussian(r, s.out(), 0.1), g = gaussian(r, n * s.out() * oh * ow, 1);
		Reference ref = Reference.of(s, n, h, w, oh, ow, x, wt, b, g);
		Engines.pytorch();
		boolean grad = JniUtils.isGradMode();
		try (NDManager m = Engines.pytorch().newBaseManager()) {
			JniUtils.setGradMode(s.backward());
			NDArray xa = m.create(x, new Shape(n, s.in(), h, w)), wa = m.create(wt, new Shape(s.out(), s.in(), s.kernel(), s.kernel()));
			NDArray ba = m.create(b);
			if (s.backward()) {
				xa.setRequiresGradient(true);
				wa.setRequiresGradient(true);
			}
			NDArray y = kernel.apply(plan, xa, wa, ba, s.stride(), s.padding(), s.backward());
			double e = relativeError(y.toFloatArray(), ref.y);
			if (s.backward()) {
				NDArray go = m.create(g, y.getShape());
				try (LibTorch.OneDnnOff off = plan == Plan.NATIVE ? LibTorch.oneDnnOff() : null) {
					// no GradientCollector: one may already be open (training), and this graph is separate
					JniUtils.backward((PtNDArray) y, (PtNDArray) go, false, false);
				}
				e = Math.max(e, relativeError(xa.getGradient().toFloatArray(), ref.dx));
				e = Math.max(e, relativeError(wa.getGradient().toFloatArray(), ref.dw));
			}
			return e;
		}
		catch (RuntimeException failed) {
			return Double.POSITIVE_INFINITY; // a plan that throws is not usable here
		}
		finally {
			JniUtils.setGradMode(grad);
		}
	}

	private static float[] gaussian(Random r, int n, double scale) {
		float[] a = new float[n];
		for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
		return a;
	}

	static double relativeError(float[] got, double[] want) {
		double max = 0, scale = 1e-30;
		for (int i = 0; i < want.length; i++) {
			double d = Math.abs(got[i] - want[i]);
			if (!(d <= max)) max = d; // NaN sticks
			scale = Math.max(scale, Math.abs(want[i]));
		}
		return Double.isNaN(max) ? Double.POSITIVE_INFINITY : max / scale;
	}

	/** The convolution, its input gradient and weight gradient for the output gradient g, by plain loops in double. */
	private record Reference(double[] y, double[] dx, double[] dw) {
		static Reference of(Signature s, int n, int h, int w, int oh, int ow, float[] x, float[] wt, float[] b, float[] g) {
			int ci = s.in(), co = s.out(), k = s.kernel(), st = s.stride(), p = s.padding();
			double[] y = new double[n * co * oh * ow], dx = new double[x.length], dw = new double[wt.length];
			for (int bi = 0; bi < n; bi++) {
				for (int o = 0; o < co; o++) {
					for (int i = 0; i < oh; i++) {
						for (int j = 0; j < ow; j++) {
							int yi = ((bi * co + o) * oh + i) * ow + j;
							double sum = b[o], go = g[yi];
							for (int c = 0; c < ci; c++) {
								for (int a = 0; a < k; a++) {
									int row = i * st + a - p;
									if (row < 0 || row >= h) continue;
									for (int d = 0; d < k; d++) {
										int col = j * st + d - p;
										if (col < 0 || col >= w) continue;
										int xi = ((bi * ci + c) * h + row) * w + col, wi = ((o * ci + c) * k + a) * k + d;
										sum += (double) x[xi] * wt[wi];
										if (s.backward()) {
											dx[xi] += go * wt[wi];
											dw[wi] += go * x[xi];
										}
									}
								}
							}
							y[yi] = sum;
						}
					}
				}
			}
			return new Reference(y, dx, dw);
		}
	}
}
