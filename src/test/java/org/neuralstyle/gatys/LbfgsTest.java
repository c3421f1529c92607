package org.neuralstyle.gatys;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The optimisers on functions with known minima. */
class LbfgsTest {

	/** f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1). */
	static double rosenbrock(float[] p, float[] g) {
		double x = p[0], y = p[1];
		g[0] = (float) (-2 * (1 - x) - 400 * x * (y - x * x));
		g[1] = (float) (200 * (y - x * x));
		return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
	}

	@Test
	void lbfgsSolvesRosenbrock() {
		float[] p = { -1.2f, 1f };
		Lbfgs opt = new Lbfgs(10, 30);
		int it = 0;
		while (it < 500 && !opt.stalled() && (Double.isNaN(opt.value()) || opt.value() > 1e-9)) {
			opt.iterate(LbfgsTest::rosenbrock, p);
			it++;
		}
		assertEquals(1.0, p[0], 2e-3, "x after " + it + " iterations");
		assertEquals(1.0, p[1], 4e-3, "y after " + it + " iterations");
		assertTrue(it < 200, "converged in " + it + " iterations");
	}

	/** f(x) = 1/2 x^T A x - b^T x with A symmetric positive definite: minimum at A^-1 b. */
	@Test
	void lbfgsSolvesAQuadratic() {
		int n = 30;
		Random r = new Random(3);
		double[][] m = new double[n][n];
		for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) m[i][j] = r.nextGaussian();
		double[][] a = new double[n][n];
		for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
			for (int k = 0; k < n; k++) a[i][j] += m[k][i] * m[k][j] / n;
			if (i == j) a[i][j] += 0.5;
		}
		double[] xStar = new double[n];
		for (int i = 0; i < n; i++) xStar[i] = r.nextGaussian();
		double[] b = new double[n];
		for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) b[i] += a[i][j] * xStar[j];
		Objective f = (x, g) -> {
			double v = 0;
			for (int i = 0; i < n; i++) {
				double ax = 0;
				for (int j = 0; j < n; j++) ax += a[i][j] * x[j];
				g[i] = (float) (ax - b[i]);
				v += 0.5 * x[i] * ax - b[i] * x[i];
			}
			return v;
		};
		float[] x = new float[n];
		Lbfgs opt = new Lbfgs();
		for (int it = 0; it < 100 && !opt.stalled(); it++) opt.iterate(f, x);
		for (int i = 0; i < n; i++) assertEquals(xStar[i], x[i], 1e-3, "x[" + i + "]");

		float[] y = new float[n];
		Adam adam = new Adam(0.05);
		for (int it = 0; it < 3000; it++) adam.iterate(f, y);
		for (int i = 0; i < n; i++) assertEquals(xStar[i], y[i], 2e-2, "Adam x[" + i + "]");
	}

	@Test
	void adamSkipsNonFiniteEvaluations() {
		int[] calls = { 0 };
		Objective f = (x, g) -> {
			calls[0]++;
			g[0] = calls[0] == 2 ? Float.NaN : 2 * x[0] - 2; // (x - 1)^2, one poisoned gradient
			return calls[0] == 3 ? Double.NaN : (x[0] - 1) * (x[0] - 1);
		};
		float[] x = { 5f };
		Adam adam = new Adam(0.1);
		adam.iterate(f, x);
		float afterFirst = x[0];
		assertTrue(afterFirst < 5f);
		adam.iterate(f, x); // NaN gradient: no step
		assertEquals(afterFirst, x[0]);
		adam.iterate(f, x); // NaN value: no step
		assertEquals(afterFirst, x[0]);
		for (int i = 0; i < 500; i++) adam.iterate(f, x);
		assertEquals(1f, x[0], 0.05f, "the run recovers");
	}
}
