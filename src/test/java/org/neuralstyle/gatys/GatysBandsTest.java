package org.neuralstyle.gatys;

import ai.djl.Device;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.neuralstyle.Progress;
import org.neuralstyle.nn.Autograd;
import org.neuralstyle.nn.RandomPyramid;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The offline pyramid's first level summed over bands of rows (GatysLevel.bandGrams) gives the loss
 * and the image gradient of the whole map, with and without region masks.
 */
class GatysBandsTest {

	static final int W = 37, H = 29;

	@AfterEach
	void restore() {
		GatysLevel.bandBytes = 16L << 20;
		GatysLevel.bandAbove = 48L << 20;
	}

	/** Loss and gradient with the given band size (bytes; Long.MAX_VALUE: whole maps). */
	static double evaluate(long bandBytes, boolean regions, float[] gradient, boolean[] banded) {
		GatysLevel.bandBytes = bandBytes;
		GatysLevel.bandAbove = bandBytes;
		try (RandomPyramid net = RandomPyramid.create(5, 3, 8, 2, 5, false, Device.cpu())) {
			GatysSettings s = GatysSettings.defaults(net).withSize(W);
			Set<String> layers = new LinkedHashSet<>(s.contentLayers());
			layers.addAll(s.styleLayers().keySet());
			List<GatysOptimizer.StyleImage> styles = List.of(new GatysOptimizer.StyleImage(GatysOptimizerTest.image(99, 31, 23), 31, 23, 1),
				new GatysOptimizer.StyleImage(GatysOptimizerTest.image(98, 23, 31), 23, 31, 1));
			List<float[]> masks = new ArrayList<>();
			if (regions) {
				float[] left = new float[W * H], rest = new float[W * H];
				for (int y = 0; y < H; y++) {
					for (int x = 0; x < W; x++) {
						float v = x < 15 && y > 5 ? 1f : x < 18 && y > 3 ? 0.5f : 0f; // a soft edge
						left[y * W + x] = v;
						rest[y * W + x] = 1 - v;
					}
				}
				masks.add(left);
				masks.add(rest);
			}
			try (Autograd.Session session = Autograd.begin("bands");
				StyleGrams grams = new StyleGrams(net, s, styles, W, H, Long.MAX_VALUE, Progress.NONE);
				GatysLevel level = new GatysLevel(net, session, layers, s, GatysOptimizerTest.image(1, W, H), W, H, grams, masks,
					regions ? List.of(0, 1) : List.of()))
			{
				banded[0] = level.banded.contains(RandomPyramid.layer(0));
				return level.evaluate(GatysOptimizerTest.image(2, W, H), gradient);
			}
		}
	}

	@Test
	void bandsGiveTheWholeMapsLossAndGradient() {
		for (boolean regions : new boolean[] { false, true }) {
			float[] g1 = new float[3 * W * H], g2 = new float[3 * W * H];
			boolean[] b1 = new boolean[1], b2 = new boolean[1];
			double whole = evaluate(Long.MAX_VALUE, regions, g1, b1);
			double bands = evaluate(1, regions, g2, b2); // bands of 8 rows: four bands, the last of 5
			assertTrue(!b1[0] && b2[0], "whole, then banded");
			assertEquals(whole, bands, 1e-5 * Math.abs(whole), "loss, regions " + regions);
			double d = 0, n = 0;
			for (int i = 0; i < g1.length; i++) {
				d = Math.max(d, Math.abs(g1[i] - g2[i]));
				n = Math.max(n, Math.abs(g1[i]));
			}
			assertTrue(d <= 1e-4 * n, "gradient, regions " + regions + ": max difference " + d + " of " + n);
		}
	}
}
