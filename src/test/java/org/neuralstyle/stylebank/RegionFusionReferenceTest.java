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
 * Region fusion (Eq. 6) in every mode against the PyTorch reference of make_reference.py:
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
	void wholeImageModeMatchesPyTorch() {
		compare("regions.whole-image", run(StyleBankNetwork.Fusion.WHOLE_IMAGE));
	}

	@Test
	void theModesDiffer() {
		StyleBankNetwork.Fusion[] modes = StyleBankNetwork.Fusion.values();
		for (int i = 0; i < modes.length; i++) {
			for (int j = i + 1; j < modes.length; j++) {
				float[] a = run(modes[i]), b = run(modes[j]);
				double max = 0;
				for (int k = 0; k < a.length; k++) max = Math.max(max, Math.abs(a[k] - b[k]));
				assertTrue(max > 1e-2, modes[i] + " and " + modes[j] + " give different outputs, max diff " + max);
			}
		}
	}

	/**
	 * Whole-image fusion: inside each region, farther from its border than the network's receptive
	 * field (21 pixels), the output equals that style applied to the whole image (the left half
	 * alpha, the right half beta, hard edges).
	 */
	@Test
	void wholeImageInteriorsEqualTheStyleOnTheWholeImage() {
		int h = 64, w = 112, half = w / 2, field = 24;
		java.util.Random random = new java.util.Random(7);
		float[] image = new float[3 * h * w];
		for (int i = 0; i < image.length; i++) image[i] = random.nextFloat();
		try (NDManager m = manager.newSubManager()) {
			NDArray x = m.create(image, new Shape(1, 3, h, w));
			float[] alpha = net.apply(x, StyleMix.single("alpha")).toFloatArray();
			float[] beta = net.apply(x, StyleMix.single("beta")).toFloatArray();
			List<NDArray> masks = new ArrayList<>();
			for (float[] mask : TiledInferenceTest.halves(w, h)) masks.add(m.create(mask, new Shape(1, 1, h, w)));
			List<StyleMix> mixes = TiledInferenceTest.HALVES_MIXES;
			float[] whole = net.applyRegions(x, masks, mixes, StyleBankNetwork.Fusion.WHOLE_IMAGE).toFloatArray();
			float[] aware = net.applyRegions(x, masks, mixes, StyleBankNetwork.Fusion.REGION_AWARE).toFloatArray();
			double maxWhole = 0, maxAware = 0;
			for (int c = 0; c < 3; c++) {
				for (int y = 0; y < h; y++) {
					for (int xx = 0; xx < w; xx++) {
						if (Math.abs(xx - half) < field) continue;
						int i = c * h * w + y * w + xx;
						float want = xx < half ? alpha[i] : beta[i];
						maxWhole = Math.max(maxWhole, Math.abs(whole[i] - want));
						maxAware = Math.max(maxAware, Math.abs(aware[i] - want));
					}
				}
			}
			System.out.printf("interiors vs the style on the whole image: whole-image %.3g, region-aware %.3g%n", maxWhole, maxAware);
			assertTrue(maxWhole <= 1e-5, "whole-image interiors equal the whole-image style, max diff " + maxWhole);
			assertTrue(maxAware > 1e-2, "region-aware interiors differ from it (the reason for the mode), max diff " + maxAware);
		}
	}

	/** One mask of ones for one style is exactly the plain single-style output, in every mode. */
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
