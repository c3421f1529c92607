package org.neuralstyle.gatys;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * Limited-memory BFGS (Nocedal and Wright, Numerical Optimization, Algorithms 7.4 and 7.5):
 * the two-loop recursion over the last {@code history} pairs (s, y), initial Hessian scaled by
 * s.y / y.y, and a backtracking line search with the Armijo condition (c1 = 1e-4, halving).
 * Pairs with s.y <= 0 are skipped; an ascent direction resets the history. Steps without any
 * curvature pair are steepest descent with an adaptive length (starting at min(1, 1/|g|_1),
 * doubled after each full step), as the loss can have negative curvature near its start.
 */
public final class Lbfgs {

	private final int history;
	private final int maxLineSearch;
	private final Deque<float[][]> pairs = new ArrayDeque<>(); // {s, y}
	private final Deque<Double> rhos = new ArrayDeque<>();
	private float[] g;
	private double value = Double.NaN;
	private int evaluations;
	private double steepestStep = Double.NaN;
	private boolean stalled;

	public Lbfgs(int history, int maxLineSearch) {
		if (history < 1) throw new IllegalArgumentException("L-BFGS history must be at least 1");
		this.history = history;
		this.maxLineSearch = maxLineSearch;
	}

	public Lbfgs() {
		this(10, 20);
	}

	public double value() {
		return value;
	}

	public int evaluations() {
		return evaluations;
	}

	/** True when the last line search found no decrease (converged to float precision, or a kink). */
	public boolean stalled() {
		return stalled;
	}

	/** One iteration: moves {@code x} in place and returns the new objective value. */
	public double iterate(Objective f, float[] x) {
		int n = x.length;
		if (g == null) {
			g = new float[n];
			value = f.evaluate(x, g);
			evaluations++;
		}
		float[] d = direction();
		double gd = dot(g, d);
		if (!(gd < 0)) { // not a descent direction: start again from steepest descent
			pairs.clear();
			rhos.clear();
			for (int i = 0; i < n; i++) d[i] = -g[i];
			gd = -dot(g, g);
		}
		if (gd == 0) {
			stalled = true;
			return value;
		}
		boolean steepest = pairs.isEmpty();
		if (steepest && Double.isNaN(steepestStep)) {
			double l1 = 0;
			for (float v : g) l1 += Math.abs(v);
			steepestStep = Math.min(1, 1 / l1);
		}
		double t = steepest ? steepestStep : 1;
		float[] xNew = new float[n];
		float[] gNew = new float[n];
		double fNew = Double.NaN;
		boolean accepted = false;
		for (int ls = 0; ls < maxLineSearch; ls++) {
			for (int i = 0; i < n; i++) xNew[i] = (float) (x[i] + t * d[i]);
			fNew = f.evaluate(xNew, gNew);
			evaluations++;
			if (Double.isFinite(fNew) && fNew <= value + 1e-4 * t * gd) {
				accepted = true;
				break;
			}
			t *= 0.5;
		}
		stalled = !accepted;
		if (steepest && accepted) {
			// without curvature pairs (e.g. negative curvature at the start) the step length adapts:
			// twice as long after a full step, the accepted length after backtracking
			steepestStep = t == steepestStep ? 2 * t : t;
		}
		if (!accepted) {
			pairs.clear();
			rhos.clear();
			return value;
		}
		float[] s = new float[n];
		float[] y = new float[n];
		for (int i = 0; i < n; i++) {
			s[i] = xNew[i] - x[i];
			y[i] = gNew[i] - g[i];
		}
		double sy = dot(s, y);
		if (sy > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y))) {
			pairs.addLast(new float[][] { s, y });
			rhos.addLast(1 / sy);
			if (pairs.size() > history) {
				pairs.removeFirst();
				rhos.removeFirst();
			}
		}
		System.arraycopy(xNew, 0, x, 0, n);
		g = gNew;
		value = fNew;
		return value;
	}

	/** The two-loop recursion: -H g. */
	private float[] direction() {
		int n = g.length;
		double[] q = new double[n];
		for (int i = 0; i < n; i++) q[i] = -g[i];
		int k = pairs.size();
		double[] alpha = new double[k];
		Iterator<float[][]> back = pairs.descendingIterator();
		Iterator<Double> rb = rhos.descendingIterator();
		for (int j = k - 1; j >= 0; j--) {
			float[][] sy = back.next();
			double rho = rb.next();
			alpha[j] = rho * dot(sy[0], q);
			for (int i = 0; i < n; i++) q[i] -= alpha[j] * sy[1][i];
		}
		if (k > 0) {
			float[][] last = pairs.peekLast();
			double gamma = dot(last[0], last[1]) / dot(last[1], last[1]);
			for (int i = 0; i < n; i++) q[i] *= gamma;
		}
		Iterator<float[][]> fwd = pairs.iterator();
		Iterator<Double> rf = rhos.iterator();
		for (int j = 0; j < k; j++) {
			float[][] sy = fwd.next();
			double rho = rf.next();
			double beta = rho * dot(sy[1], q);
			for (int i = 0; i < n; i++) q[i] += (alpha[j] - beta) * sy[0][i];
		}
		float[] d = new float[n];
		for (int i = 0; i < n; i++) d[i] = (float) q[i];
		return d;
	}

	static double dot(float[] a, float[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
		return s;
	}

	static double dot(float[] a, double[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++) s += a[i] * b[i];
		return s;
	}
}
