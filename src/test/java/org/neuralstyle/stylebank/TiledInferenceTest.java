package org.neuralstyle.stylebank;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.neuralstyle.Progress;
import org.neuralstyle.TestFiles;
import org.neuralstyle.bench.StyleBankBenchmark;
import org.neuralstyle.nn.Engines;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact tiled inference equals untiled inference. */
class TiledInferenceTest {

	static float[] image(int w, int h, long seed) {
		Random r = new Random(seed);
		float[] x = new float[3 * w * h];
		for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int i = 0; i < w; i++) {
			x[c * w * h + y * w + i] = (float) Math.min(1, Math.max(0, 0.5 + 0.3 * Math.sin(0.05 * i + 0.08 * y + c) + 0.1 * r.nextGaussian()));
		}
		return x;
	}

	static double maxDiff(StyleBankModel model, int w, int h, StyleMix mix, int tile) {
		try (StyleBankNetwork net = new StyleBankNetwork(model, Device.cpu()); NDManager m = Engines.pytorch().newBaseManager()) {
			float[] x = image(w, h, 1);
			float[] untiled = net.apply(m.create(x, new Shape(1, 3, h, w)), mix).toFloatArray();
			float[] tiled = TiledInference.apply(net, x, w, h, mix, tile, Progress.NONE);
			double max = 0;
			for (int i = 0; i < tiled.length; i++) max = Math.max(max, Math.abs(tiled[i] - untiled[i]));
			return max;
		}
	}

	@Test
	void exactTilesWithRegionsEqualTheWholeImage() throws Exception {
		StyleBankModel tiny = StyleBankModel.load(TestFiles.tinyModel());
		int w = 500, h = 300;
		float[] a = new float[w * h], b = new float[w * h];
		for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
			a[y * w + x] = (float) Math.max(0, Math.min(1, 1.5 - Math.hypot(x - 150, y - 140) / 60));
			b[y * w + x] = (float) Math.max(0, Math.min(1, (x - 200) / 80.0));
		}
		List<float[]> masks = org.neuralstyle.image.RegionMasks.normalise(List.of(a, b), w * h);
		List<StyleMix> mixes = List.of(StyleMix.single("alpha"), StyleMix.parse("alpha:0.5,beta:0.5", tiny), StyleMix.reconstruction());
		try (StyleBankNetwork net = new StyleBankNetwork(tiny, Device.cpu()); NDManager m = Engines.pytorch().newBaseManager()) {
			float[] x = image(w, h, 2);
			for (StyleBankNetwork.Fusion fusion : StyleBankNetwork.Fusion.values()) {
				List<NDArray> md = new ArrayList<>();
				for (float[] mk : masks) md.add(m.create(mk, new Shape(1, 1, h, w)));
				float[] whole = net.applyRegions(m.create(x, new Shape(1, 3, h, w)), md, mixes, fusion).toFloatArray();
				float[] tiled = TiledInference.apply(net, x, w, h, masks, mixes, fusion, 128, Progress.NONE);
				double max = 0;
				for (int i = 0; i < tiled.length; i++) max = Math.max(max, Math.abs(tiled[i] - whole[i]));
				System.out.printf("regions %s: tiled vs untiled %.3g%n", fusion, max);
				assertTrue(max <= 1e-3, fusion + ": " + max);
			}
		}
	}

	@Test
	void exactTilesEqualTheWholeImage() throws Exception {
		StyleBankModel tiny = StyleBankModel.load(TestFiles.tinyModel());
		double a = maxDiff(tiny, 500, 300, StyleMix.single("alpha"), 128);
		double b = maxDiff(tiny, 301, 157, StyleMix.parse("alpha:0.3,beta:0.7", tiny), 64);
		double c = maxDiff(StyleBankBenchmark.paperModel(3), 500, 300, StyleMix.single("style"), 128);
		System.out.printf("tiled vs untiled: %.3g (tiny, 500x300, tiles 128), %.3g (301x157, 64), %.3g (paper size)%n", a, b, c);
		assertTrue(a <= 1e-3 && b <= 1e-3 && c <= 1e-3, a + " " + b + " " + c);
	}
}
