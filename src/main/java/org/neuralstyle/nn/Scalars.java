package org.neuralstyle.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic of an array with a number, safe in autograd graphs: use these instead of
 * {@code NDArray.mul(Number)}, {@code div(Number)}, {@code maximum(Number)} and the like.
 *
 * <p>Why: DJL 0.36's PyTorch engine turns the number into a tensor over a Java direct buffer
 * ({@code torch::from_blob}, not copied) and closes it right after the call. Autograd keeps that
 * tensor for the backward pass ({@code x * s} saves {@code s}), and once the garbage collector has
 * freed the buffer, the backward pass reads freed memory: the gradient is garbage, NaN at times,
 * depending on when the collector ran ({@code ScalarsTest} shows it). This was behind the rare
 * NaN losses of Gatys and the rare divergence of same-seed trainings. A scalar made by libtorch
 * itself ({@code full}) is owned by libtorch, and the backward pass keeps it alive.
 */
public final class Scalars {

	private Scalars() {}

	/** A 0-dimensional array holding {@code v}, owned by libtorch, on {@code like}'s manager and type. */
	public static NDArray scalar(NDArray like, double v) {
		return like.getManager().full(new Shape(), (float) v, like.getDataType());
	}

	/** x * v. */
	public static NDArray times(NDArray x, double v) {
		try (NDArray s = scalar(x, v)) {
			return x.mul(s);
		}
	}

	/** x / v. */
	public static NDArray over(NDArray x, double v) {
		try (NDArray s = scalar(x, v)) {
			return x.div(s);
		}
	}

	/** max(x, v) elementwise. */
	public static NDArray atLeast(NDArray x, double v) {
		try (NDArray s = scalar(x, v)) {
			return x.maximum(s);
		}
	}

	/** x *= v in place (outside autograd graphs: optimizer state). */
	public static NDArray timesInPlace(NDArray x, double v) {
		try (NDArray s = scalar(x, v)) {
			return x.muli(s);
		}
	}
}
