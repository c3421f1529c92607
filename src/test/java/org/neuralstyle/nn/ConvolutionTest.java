package org.neuralstyle.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Convolutions against plain loops in double, on any machine: every kind the networks use, at a
 * larger size than the check's, forward and with gradients; and the choice of plans with a
 * kernel made to compute wrongly (a seam in the package, not in the product).
 */
class ConvolutionTest {

	@AfterEach
	void restore() {
		Convolution.kernel = Convolution::compute;
		Convolution.forget();
	}

	/** ci, co, k, stride, padding: the tiny test network, the paper network, VGG (half width: the offline network). */
	static final int[][] USED = {
		{ 3, 8, 9, 1, 0 }, { 8, 12, 3, 2, 0 }, { 12, 16, 3, 2, 0 }, { 16, 16, 3, 1, 0 }, { 16, 12, 3, 1, 0 }, { 12, 8, 3, 1, 0 }, { 8, 3, 9, 1, 0 },
		{ 3, 32, 9, 1, 0 }, { 32, 64, 3, 2, 0 }, { 64, 128, 3, 2, 0 }, { 128, 128, 3, 1, 0 }, { 128, 64, 3, 1, 0 }, { 64, 32, 3, 1, 0 },
		{ 32, 3, 9, 1, 0 }, { 3, 32, 3, 1, 1 }, { 32, 32, 3, 1, 1 }, { 32, 64, 3, 1, 1 }, { 64, 64, 3, 1, 1 }, { 64, 128, 3, 1, 1 },
		{ 24, 16, 3, 1, 0 }, { 48, 16, 3, 2, 0 } };

	@Test
	void everyKindTheNetworksUseMatchesPlainLoops() {
		for (int[] c : USED) {
			for (boolean backward : new boolean[] { false, true }) {
				Convolution.Signature s = new Convolution.Signature(c[0], c[1], c[2], c[3], c[4], backward);
				// 2 x 19 x 23 outputs: larger than the check's 7 x 9, odd sides
				double e = measure(s, 19, 23, Convolution::conv2d);
				assertTrue(e <= Convolution.TOLERANCE, s + " (plan " + Convolution.plan(s) + "): relative error " + e);
			}
		}
		System.out.println("convolution plans: " + Convolution.report());
	}

	@Test
	void aPlanThatComputesWronglyIsNotUsed() {
		// the aligned and direct plans 10 % off: the check must pass them over
		Convolution.kernel = (plan, x, w, b, st, p, bw) -> {
			NDArray y = Convolution.compute(plan, x, w, b, st, p, bw);
			return plan == Convolution.Plan.NATIVE ? y : y.mul(1.1f);
		};
		Convolution.Signature s = new Convolution.Signature(8, 3, 9, 1, 0, true);
		if (LibTorch.canSwitchOneDnn()) {
			assertEquals(Convolution.Plan.NATIVE, Convolution.plan(s));
			assertTrue(Convolution.nativeBackward(), "the backward pass runs without oneDNN too");
			assertTrue(measure(s, 11, 13, Convolution::conv2d) <= Convolution.TOLERANCE, "and the result is right");
		}
		else {
			assertThrows(IllegalStateException.class, () -> Convolution.plan(s));
		}
	}

	@Test
	void whenNoPlanIsRightNothingIsComputed() {
		Convolution.kernel = (plan, x, w, b, st, p, bw) -> {
			NDArray y = Convolution.compute(plan, x, w, b, st, p, bw);
			return y.add(Float.NaN);
		};
		var e = assertThrows(IllegalStateException.class, () -> Convolution.plan(new Convolution.Signature(16, 16, 3, 1, 1, false)));
		assertTrue(e.getMessage().contains("computes wrong convolutions (16->16 k3 s1 p1 forward"), e.getMessage());
		assertTrue(e.getMessage().contains("nothing was computed"), e.getMessage());
	}

	@Test
	void nanCountsAsWrong() {
		assertEquals(Double.POSITIVE_INFINITY, Convolution.relativeError(new float[] { 1, Float.NaN }, new double[] { 1, 2 }));
		assertEquals(0.5, Convolution.relativeError(new float[] { 1, 3 }, new double[] { 1, 2 }), 1e-12);
	}

	interface Conv {
		NDArray apply(NDArray x, NDArray w, NDArray b, int stride, int padding);
	}

	/** Relative error (worst of y, dx, dw) of {@code conv} on a seeded problem with oh x ow outputs, against plain loops. */
	static double measure(Convolution.Signature s, int oh, int ow, Conv conv) {
		int n = 2, h = (oh - 1) * s.stride() + s.kernel() - 2 * s.padding(), w = (ow - 1) * s.stride() + s.kernel() - 2 * s.padding();
		Random r = new Random(s.hashCode());
		float[] x = gaussian(r, n * s.in() * h * w, 1), wt = gaussian(r, s.out() * s.in() * s.kernel() * s.kernel(), 0.1),
			b = gaussian(r, s.out(), 0.1), g = gaussian(r, n * s.out() * oh * ow, 1);
		double[] y = new double[n * s.out() * oh * ow], dx = new double[x.length], dw = new double[wt.length];
		int ci = s.in(), co = s.out(), k = s.kernel();
		for (int bi = 0; bi < n; bi++) for (int o = 0; o < co; o++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
			int yi = ((bi * co + o) * oh + i) * ow + j;
			double sum = b[o];
			for (int c = 0; c < ci; c++) for (int a = 0; a < k; a++) for (int d = 0; d < k; d++) {
				int row = i * s.stride() + a - s.padding(), col = j * s.stride() + d - s.padding();
				if (row < 0 || row >= h || col < 0 || col >= w) continue;
				int xi = ((bi * ci + c) * h + row) * w + col, wi = ((o * ci + c) * k + a) * k + d;
				sum += (double) x[xi] * wt[wi];
				dx[xi] += (double) g[yi] * wt[wi];
				dw[wi] += (double) g[yi] * x[xi];
			}
			y[yi] = sum;
		}
		try (NDManager m = Engines.pytorch().newBaseManager(); Autograd.Session session = Autograd.begin("a convolution test")) {
			NDArray xa = m.create(x, new Shape(n, ci, h, w)), wa = m.create(wt, new Shape(co, ci, k, k)), ba = m.create(b);
			if (!s.backward()) {
				Engines.inferenceMode();
				return Convolution.relativeError(conv.apply(xa, wa, ba, s.stride(), s.padding()).toFloatArray(), y);
			}
			xa.setRequiresGradient(true);
			wa.setRequiresGradient(true);
			double e;
			try (GradientCollector gc = session.collector()) {
				NDArray out = conv.apply(xa, wa, ba, s.stride(), s.padding());
				e = Convolution.relativeError(out.toFloatArray(), y);
				session.backward(gc, out.mul(m.create(g, out.getShape())).sum());
			}
			e = Math.max(e, Convolution.relativeError(xa.getGradient().toFloatArray(), dx));
			return Math.max(e, Convolution.relativeError(wa.getGradient().toFloatArray(), dw));
		}
	}

	static float[] gaussian(Random r, int n, double scale) {
		float[] a = new float[n];
		for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
		return a;
	}
}
