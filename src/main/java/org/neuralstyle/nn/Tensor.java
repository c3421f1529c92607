package org.neuralstyle.nn;

import java.util.Arrays;

/**
 * A named float32 tensor held in Java memory (row-major, as safetensors stores it).
 * Model weights live here between loading and the first use on a device.
 */
public record Tensor(long[] shape, float[] data) {

	public Tensor {
		long n = 1;
		for (long d : shape) {
			if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
			n = Math.multiplyExact(n, d);
		}
		if (n != data.length) {
			throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
				+ " values, got " + data.length);
		}
	}

	public boolean hasShape(long... expected) {
		return Arrays.equals(shape, expected);
	}

	public String shapeString() {
		return Arrays.toString(shape);
	}

	/** Index of the first NaN or infinite value, or -1. */
	public int firstNonFinite() {
		for (int i = 0; i < data.length; i++) {
			if (!Float.isFinite(data[i])) return i;
		}
		return -1;
	}
}
