package org.neuralstyle.gatys;

/** A differentiable function of a flat parameter vector. */
@FunctionalInterface
public interface Objective {
	/** Returns f(x) and writes the gradient of f at x into {@code gradient}. */
	double evaluate(float[] x, float[] gradient);
}
