package org.neuralstyle.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rearranged decoder steps against the plain definitions: upsampled map, reflection padding, convolution. */
class SubPixelTest {

	private static double relErr(NDArray got, NDArray expected) {
		float[] x = got.toFloatArray(), y = expected.toFloatArray();
		double m = 0, scale = 0;
		for (int i = 0; i < x.length; i++) {
			m = Math.max(m, Math.abs(x[i] - y[i]));
			scale = Math.max(scale, Math.abs(y[i]));
		}
		return m / scale;
	}

	@Test
	void upsamplingConvolutionByPhasesEqualsTheUpsampledPaddedConvolution() {
		Engines.inferenceMode();
		try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
			m.getEngine().setRandomSeed(3);
			int[][] shapes = { { 2, 5, 1, 1 }, { 1, 7, 3, 8 }, { 1, 64, 9, 6 }, { 2, 32, 16, 16 } };
			for (int[] s : shapes) {
				for (int out : new int[] { 3, 32 }) {
					NDArray x = m.randomNormal(new Shape(s[0], s[1], s[2], s[3]));
					NDArray w = m.randomNormal(new Shape(out, s[1], 3, 3));
					NDArray b = out == 3 ? null : m.randomNormal(new Shape(out));
					assertTrue(SubPixel.upsampleApplies(x, w));
					NDArray expected = Convolution.conv2d(Layers.upsample2ReflectPad(x, 1), w, b, 1, 0);
					NDArray got = Layers.upsampleConv(x, w, b);
					assertArrayEquals(expected.getShape().getShape(), got.getShape().getShape());
					double e = relErr(got, expected);
					assertTrue(e < 1e-5, java.util.Arrays.toString(s) + " -> " + out + ": relative error " + e);
				}
			}
		}
	}

	@Test
	void spaceToDepthConvolutionEqualsTheReflectionPaddedConvolution() {
		Engines.inferenceMode();
		try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
			m.getEngine().setRandomSeed(4);
			int[][] shapes = { { 1, 32, 6, 6, 9 }, { 2, 5, 10, 14, 9 }, { 1, 8, 12, 8, 5 }, { 1, 32, 40, 36, 9 }, { 1, 3, 8, 6, 7 } };
			for (int[] s : shapes) {
				for (int out : new int[] { 1, 3 }) {
					int k = s[4];
					NDArray x = m.randomNormal(new Shape(s[0], s[1], s[2], s[3]));
					NDArray w = m.randomNormal(new Shape(out, s[1], k, k));
					NDArray b = out == 1 ? null : m.randomNormal(new Shape(out));
					assertTrue(SubPixel.spaceToDepthApplies(x, w, 1));
					NDArray expected = Convolution.conv2d(Layers.reflectPad(x, k / 2), w, b, 1, 0);
					NDArray got = Layers.conv(x, w, b, 1);
					assertArrayEquals(expected.getShape().getShape(), got.getShape().getShape());
					double e = relErr(got, expected);
					assertTrue(e < 1e-5, java.util.Arrays.toString(s) + " -> " + out + ": relative error " + e);
				}
			}
		}
	}

	@Test
	void spaceToDepthIsOnlyForFewOutputsLargeKernelsAndEvenSides() {
		try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
			NDArray even = m.zeros(new Shape(1, 4, 8, 8)), odd = m.zeros(new Shape(1, 4, 9, 8));
			assertFalse(SubPixel.spaceToDepthApplies(odd, m.zeros(new Shape(3, 4, 9, 9)), 1));
			assertFalse(SubPixel.spaceToDepthApplies(even, m.zeros(new Shape(8, 4, 9, 9)), 1));
			assertFalse(SubPixel.spaceToDepthApplies(even, m.zeros(new Shape(3, 4, 3, 3)), 1));
			assertFalse(SubPixel.spaceToDepthApplies(even, m.zeros(new Shape(3, 4, 9, 9)), 2));
			assertTrue(SubPixel.spaceToDepthApplies(even, m.zeros(new Shape(3, 4, 9, 9)), 1));
		}
	}
}
