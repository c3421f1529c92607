package org.neuralstyle.gatys;

/** Adam (Kingma and Ba 2015) with bias correction, beta1 0.9, beta2 0.999, eps 1e-8. */
public final class Adam {

	private final double lr;
	private double[] m;
	private double[] v;
	private int t;

	public Adam(double learningRate) {
		if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be positive");
		this.lr = learningRate;
	}

	/**
	 * Evaluates f at x (the value reported is the one before the step) and moves x in place. A
	 * non-finite value or gradient moves nothing (the moments are not touched either), so one bad
	 * evaluation cannot poison every later step; the value is still reported as it is.
	 */
	public double iterate(Objective f, float[] x) {
		int n = x.length;
		if (m == null) {
			m = new double[n];
			v = new double[n];
		}
		float[] g = new float[n];
		double value = f.evaluate(x, g);
		if (!Double.isFinite(value)) return value;
		for (float gi : g) if (!Float.isFinite(gi)) return value;
		t++;
		double c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
		for (int i = 0; i < n; i++) {
			m[i] = 0.9 * m[i] + 0.1 * g[i];
			v[i] = 0.999 * v[i] + 0.001 * g[i] * (double) g[i];
			x[i] -= (float) (lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8));
		}
		return value;
	}
}
