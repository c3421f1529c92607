package org.neuralstyle.stylebank;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.neuralstyle.image.RegionMasks;
import org.neuralstyle.nn.Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Region fusion (Eq. 6) in both modes against the PyTorch reference of make_reference.py:
 * two overlapping soft masks (alpha, and an even alpha/beta mix) and an unstyled rest.
 */
class RegionFusionReferenceTest extends ReferenceFixture {

	private float[] run(StyleBankNetwork.Fusion fusion) {
		Tensor in = ref.get("input");
		int h = (int) in.shape()[2], w = (int) in.shape()[3];
		List<float[]> norm = RegionMasks.normalise(List.of(ref.get("regions.mask1").data(), ref.get("regions.mask2").data()), h * w);
		List<StyleMix> mixes = List.of(StyleMix.single("alpha"), StyleMix.parse("alpha:0.5,beta:0.5", net.model()),
			StyleMix.reconstruction());
		try (NDManager m = manager.newSubManager()) {
			List<NDArray> masks = new ArrayList<>();
			for (float[] mask : norm) masks.add(m.create(mask, new Shape(1, 1, h, w)));
			NDArray y = net.applyRegions(m.create(in.data(), new Shape(in.shape())), masks, mixes, fusion);
			assertArrayEquals(in.shape(), y.getShape().getShape());
			return y.toFloatArray();
		}
	}

	private static void compare(String key, float[] got) {
		float[] want = ref.get(key).data();
		double max = 0;
		for (int i = 0; i < want.length; i++) max = Math.max(max, Math.abs(want[i] - got[i]));
		System.out.printf("%s: max abs error vs PyTorch %.3g%n", key, max);
		assertTrue(max <= 1e-4, key + ": max abs error " + max);
	}

	@Test
	void paperModeMatchesPyTorch() {
		compare("regions.paper", run(StyleBankNetwork.Fusion.PAPER));
	}

	@Test
	void regionAwareModeMatchesPyTorch() {
		compare("regions.region-aware", run(StyleBankNetwork.Fusion.REGION_AWARE));
	}

	@Test
	void theModesDiffer() {
		float[] a = run(StyleBankNetwork.Fusion.PAPER), b = run(StyleBankNetwork.Fusion.REGION_AWARE);
		double max = 0;
		for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
		assertTrue(max > 1e-2, "region-aware normalisation changes the output, max diff " + max);
	}

	/** One mask of ones for one style is exactly the plain single-style output, in both modes. */
	@Test
	void fullMaskEqualsPlainStyleExactly() {
		Tensor in = ref.get("input");
		int h = (int) in.shape()[2], w = (int) in.shape()[3];
		float[] ones = new float[h * w];
		java.util.Arrays.fill(ones, 1f);
		List<float[]> norm = RegionMasks.normalise(List.of(ones, new float[h * w]), h * w);
		for (StyleBankNetwork.Fusion fusion : StyleBankNetwork.Fusion.values()) {
			try (NDManager m = manager.newSubManager()) {
				NDArray x = m.create(in.data(), new Shape(in.shape()));
				float[] plain = net.apply(x, StyleMix.single("beta")).toFloatArray();
				List<NDArray> masks = new ArrayList<>();
				for (float[] mask : norm) masks.add(m.create(mask, new Shape(1, 1, h, w)));
				float[] fused = net.applyRegions(x, masks, List.of(StyleMix.single("beta"), StyleMix.single("alpha"),
					StyleMix.reconstruction()), fusion).toFloatArray();
				assertArrayEquals(plain, fused, fusion + ": bit-identical to the plain style");
			}
		}
	}
}
