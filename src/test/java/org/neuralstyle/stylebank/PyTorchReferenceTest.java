package org.neuralstyle.stylebank;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.neuralstyle.nn.Tensor;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java network against an independent PyTorch implementation of the model format
 * (src/test/python/make_reference.py, Debian python3-torch), same random weights, on a
 * 21 x 30 input (not a multiple of 4).
 */
class PyTorchReferenceTest extends ReferenceFixture {

	static final double TOLERANCE = 1e-4;
	private void check(String key, StyleMix mix) {
		Tensor in = ref.get("input");
		Tensor expected = ref.get(key);
		try (NDManager m = manager.newSubManager()) {
			NDArray x = m.create(in.data(), new Shape(in.shape()));
			NDArray y = net.apply(x, mix);
			assertArrayEquals(expected.shape(), y.getShape().getShape(), "output keeps the input's size");
			float[] got = y.toFloatArray();
			double maxErr = 0;
			for (int i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - expected.data()[i]));
			System.out.printf("%s: max abs error vs PyTorch %.3g%n", key, maxErr);
			assertTrue(maxErr <= TOLERANCE, key + ": max abs error " + maxErr);
		}
	}

	@Test
	void reconstructionMatchesPyTorch() {
		check("reconstruction", StyleMix.reconstruction());
	}

	@Test
	void singleStyleMatchesPyTorch() {
		check("style.alpha", StyleMix.single("alpha"));
	}

	@Test
	void linearFusionMatchesPyTorch() {
		check("fusion.alpha0.3.beta0.7", StyleMix.parse("alpha:0.3,beta:0.7", net.model()));
	}

	@Test
	void unnormalisedWeightsAreNormalised() {
		check("fusion.alpha0.3.beta0.7", StyleMix.parse("alpha:3,beta:7", net.model()));
	}
}
