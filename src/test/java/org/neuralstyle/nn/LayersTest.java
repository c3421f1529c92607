package org.neuralstyle.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused layers against their step-by-step definitions. */
class LayersTest {

	private static double maxAbs(NDArray a, NDArray b) {
		float[] x = a.toFloatArray(), y = b.toFloatArray();
		double m = 0;
		for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
		return m;
	}

	@Test
	void fusedInstanceNormIsPerSampleAndChannel() {
		Engines.inferenceMode();
		try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
			// samples with different scales: a batch-wide statistic would show
			NDArray a = m.randomNormal(new Shape(1, 5, 17, 23)), b = m.randomNormal(new Shape(1, 5, 17, 23)).mul(7).add(3);
			NDArray x = a.concat(b, 0);
			NDArray got = Layers.instanceNorm(x);
			assertArrayEquals(x.getShape().getShape(), got.getShape().getShape());
			assertTrue(maxAbs(got, Layers.instanceNormReference(x)) < 1e-5);
			assertTrue(maxAbs(got.get("1:2"), Layers.instanceNormReference(b)) < 1e-5, "second sample normalised on its own");
		}
	}

	@Test
	void normalizeWithKnownStatisticsEqualsInstanceNormWithItsOwn() {
		Engines.inferenceMode();
		try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
			NDArray x = m.randomNormal(new Shape(1, 4, 9, 11)).mul(2).add(1);
			NDArray mean = x.sum(new int[] { 0, 2, 3 }).div(99f);
			NDArray var = x.sub(mean.reshape(1, 4, 1, 1)).square().sum(new int[] { 0, 2, 3 }).div(99f);
			assertTrue(maxAbs(Layers.normalize(x, mean, var), Layers.instanceNormReference(x)) < 1e-5);
		}
	}

	@Test
	void upsampleAndPadInOneGatherEqualsTheTwoSteps() {
		try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
			NDArray x = m.randomUniform(0, 1, new Shape(2, 3, 5, 7));
			for (int p : new int[] { 0, 1, 4, 9 }) {
				NDArray expected = Layers.reflectPad(Layers.upsample2(x), p);
				NDArray got = Layers.upsample2ReflectPad(x, p);
				assertArrayEquals(expected.getShape().getShape(), got.getShape().getShape());
				assertEquals(0, maxAbs(expected, got), "pad " + p);
			}
		}
	}

	@Test
	void reflectionPaddingByCopiesEqualsTheGathers() {
		try (NDManager m = Engines.pytorch().newBaseManager()) {
			for (int p : new int[] { 1, 4 }) {
				NDArray x = m.randomUniform(0, 1, new ai.djl.ndarray.types.Shape(1, 5, 9, 13));
				NDArray gathered = Layers.padAxis(Layers.padAxis(x, 3, p, p, false), 2, p, p, false);
				NDArray copied = Layers.reflectPadCopies(x, p);
				org.junit.jupiter.api.Assertions.assertArrayEquals(gathered.toFloatArray(), copied.toFloatArray(), "p = " + p);
				org.junit.jupiter.api.Assertions.assertEquals(gathered.getShape(), copied.getShape());
			}
		}
	}
}
