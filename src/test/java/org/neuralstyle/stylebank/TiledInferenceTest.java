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

import static org.junit.jupiter.api.Assertions.assertEquals;
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

	/**
	 * Whole-image fusion in tiles computes every region's decoder statistics in shared passes that
	 * resume from the encoder's kept maps: equal to the untiled result with the maps kept in memory,
	 * in files, or not at all, and with a region whose mask is empty.
	 */
	@Test
	void wholeImageFusionInTilesWithEveryCacheAndAnEmptyRegion(@org.junit.jupiter.api.io.TempDir java.nio.file.Path scratch)
		throws Exception
	{
		StyleBankModel tiny = StyleBankModel.load(TestFiles.tinyModel());
		int w = 300, h = 180;
		float[] a = new float[w * h], b = new float[w * h];
		for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
			a[y * w + x] = (float) Math.max(0, Math.min(1, 1.5 - Math.hypot(x - 90, y - 80) / 40));
			b[y * w + x] = 1 - a[y * w + x];
		}
		List<float[]> masks = List.of(a, new float[w * h], b);
		List<StyleMix> mixes = List.of(StyleMix.single("alpha"), StyleMix.single("beta"), StyleMix.reconstruction());
		try (StyleBankNetwork net = new StyleBankNetwork(tiny, Device.cpu()); NDManager m = Engines.pytorch().newBaseManager()) {
			float[] x = image(w, h, 3);
			List<NDArray> md = new ArrayList<>();
			for (float[] mk : masks) md.add(m.create(mk, new Shape(1, 1, h, w)));
			float[] whole = net.applyRegions(m.create(x, new Shape(1, 3, h, w)), md, mixes, StyleBankNetwork.Fusion.WHOLE_IMAGE)
				.toFloatArray();
			List<TiledInference.Room> rooms = List.of(TiledInference.Room.MEMORY, new TiledInference.Room(0, null),
				new TiledInference.Room(0, scratch));
			for (TiledInference.Room room : rooms) {
				float[] tiled = TiledInference.apply(net, x, w, h, masks, mixes, StyleBankNetwork.Fusion.WHOLE_IMAGE, 64, room,
					Progress.NONE);
				double max = 0;
				for (int i = 0; i < tiled.length; i++) max = Math.max(max, Math.abs(tiled[i] - whole[i]));
				System.out.printf("whole-image fusion, empty region, %s: tiled vs untiled %.3g%n",
					room.memoryBytes() > 0 ? "maps in memory" : room.scratch() == null ? "no maps kept" : "maps in files", max);
				assertTrue(max <= 1e-3, room + ": " + max);
			}
		}
	}

	/**
	 * Seam metric: mean absolute difference between horizontally or vertically neighbouring
	 * output pixels across tile borders, divided by the same mean over neighbours inside tiles.
	 */
	static double seamRatio(float[] out, int w, int h, int tile) {
		double border = 0, inside = 0;
		long nb = 0, ni = 0;
		int plane = w * h;
		for (int c = 0; c < 3; c++) {
			for (int y = 0; y < h; y++) {
				for (int x = 1; x < w; x++) {
					double d = Math.abs(out[c * plane + y * w + x] - out[c * plane + y * w + x - 1]);
					if (x % tile == 0) { border += d; nb++; } else { inside += d; ni++; }
				}
			}
			for (int y = 1; y < h; y++) {
				for (int x = 0; x < w; x++) {
					double d = Math.abs(out[c * plane + y * w + x] - out[c * plane + (y - 1) * w + x]);
					if (y % tile == 0) { border += d; nb++; } else { inside += d; ni++; }
				}
			}
		}
		return (border / nb) / (inside / ni);
	}

	/** Each tile stylized on its own, with its own statistics: what the exact and fast modes avoid. */
	static float[] naiveTiles(StyleBankNetwork net, float[] x, int w, int h, StyleMix mix, int tile, NDManager m) {
		float[] out = new float[x.length];
		for (int ty = 0; ty < h; ty += tile) for (int tx = 0; tx < w; tx += tile) {
			int th = Math.min(tile, h - ty), tw = Math.min(tile, w - tx);
			float[] crop = TiledInference.crop(x, 3, w, h, h, w, ty, ty + th, tx, tx + tw);
			float[] y = net.apply(m.create(crop, new Shape(1, 3, th, tw)), mix).toFloatArray();
			for (int c = 0; c < 3; c++) for (int yy = 0; yy < th; yy++) for (int xx = 0; xx < tw; xx++) {
				out[c * w * h + (ty + yy) * w + tx + xx] = y[c * th * tw + yy * tw + xx];
			}
		}
		return out;
	}

	@Test
	void fastTilesShowNoSeams() throws Exception {
		int w = 640, h = 384, tile = 128;
		try (StyleBankNetwork net = new StyleBankNetwork(StyleBankBenchmark.paperModel(3), Device.cpu());
			NDManager m = Engines.pytorch().newBaseManager())
		{
			float[] x = image(w, h, 5);
			StyleMix mix = StyleMix.single("style");
			float[] fast = TiledInference.applyFast(net, x, w, h, null, List.of(mix), StyleBankNetwork.Fusion.PAPER, tile, 160, Progress.NONE);
			float[] exact = TiledInference.apply(net, x, w, h, mix, tile, Progress.NONE);
			float[] naive = naiveTiles(net, x, w, h, mix, tile, m);
			double rf = seamRatio(fast, w, h, tile), re = seamRatio(exact, w, h, tile), rn = seamRatio(naive, w, h, tile);
			System.out.printf("seam ratio: fast %.3f, exact %.3f, naive tiles %.3f%n", rf, re, rn);
			assertTrue(rf < SEAM_THRESHOLD, "fast mode seam ratio " + rf);
			assertTrue(rn > SEAM_THRESHOLD, "the metric sees the seams of naive tiles: " + rn);
		}
	}

	/** The left half for alpha, the right half for beta (hard edge), nothing outside: masks for {@link #HALVES_MIXES}. */
	static List<float[]> halves(int w, int h) {
		float[] left = new float[w * h], right = new float[w * h];
		for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) (x < w / 2 ? left : right)[y * w + x] = 1f;
		return org.neuralstyle.image.RegionMasks.normalise(List.of(left, right), w * h);
	}

	static final List<StyleMix> HALVES_MIXES = List.of(StyleMix.single("alpha"), StyleMix.single("beta"), StyleMix.reconstruction());

	/**
	 * Whole-image fusion in the fast mode: each region's statistics come from its style on the
	 * reduced image, as the plain fast mode's do, so a region's interior equals that style in the
	 * fast mode (left half alpha, right half beta, hard edges; 24 pixels from the border).
	 */
	@Test
	void fastWholeImageFusionInteriorsEqualTheFastStyle() throws Exception {
		StyleBankModel tiny = StyleBankModel.load(TestFiles.tinyModel());
		int w = 500, h = 300, half = w / 2, field = 24, tile = 128;
		List<float[]> masks = halves(w, h);
		try (StyleBankNetwork net = new StyleBankNetwork(tiny, Device.cpu())) {
			float[] x = image(w, h, 3);
			float[] fused = TiledInference.applyFast(net, x, w, h, masks, HALVES_MIXES, StyleBankNetwork.Fusion.WHOLE_IMAGE, tile, 160, Progress.NONE);
			float[] alpha = TiledInference.applyFast(net, x, w, h, null, List.of(HALVES_MIXES.get(0)), StyleBankNetwork.Fusion.PAPER, tile, 160, Progress.NONE);
			float[] beta = TiledInference.applyFast(net, x, w, h, null, List.of(HALVES_MIXES.get(1)), StyleBankNetwork.Fusion.PAPER, tile, 160, Progress.NONE);
			double max = 0;
			for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int xx = 0; xx < w; xx++) {
				if (Math.abs(xx - half) < field) continue;
				int i = c * w * h + y * w + xx;
				max = Math.max(max, Math.abs(fused[i] - (xx < half ? alpha : beta)[i]));
			}
			System.out.printf("fast whole-image fusion: interiors vs the fast style %.3g%n", max);
			assertTrue(max <= 1e-4, "interiors equal the style in the fast mode, max diff " + max);
		}
	}

	/** Whole-image fusion in exact tiles: the regions' statistics passes and the output pass report one forward-moving bar. */
	@Test
	void wholeImageFusionProgressMovesForward() throws Exception {
		StyleBankModel tiny = StyleBankModel.load(TestFiles.tinyModel());
		int w = 200, h = 150;
		List<Double> fractions = new ArrayList<>();
		Progress record = new Progress() {
			@Override
			public void report(int done, int total, String message) {
				fractions.add(total > 0 ? (double) done / total : 0);
			}

			@Override
			public boolean isCancelled() {
				return false;
			}
		};
		try (StyleBankNetwork net = new StyleBankNetwork(tiny, Device.cpu())) {
			TiledInference.apply(net, image(w, h, 4), w, h, halves(w, h), HALVES_MIXES, StyleBankNetwork.Fusion.WHOLE_IMAGE, 64, record);
		}
		for (int i = 1; i < fractions.size(); i++) {
			assertTrue(fractions.get(i) >= fractions.get(i - 1) - 1e-9, "progress moves forward: " + fractions);
		}
		assertEquals(1.0, fractions.get(fractions.size() - 1), 1e-9);
	}

	/** Documented in the README: a border step at most 25 % above the typical neighbour step. */
	static final double SEAM_THRESHOLD = 1.25;

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
