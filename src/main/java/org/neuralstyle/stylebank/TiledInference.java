package org.neuralstyle.stylebank;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import org.neuralstyle.Progress;
import org.neuralstyle.nn.MemoryBudget;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Exact tiled StyleBank inference with bounded memory. Instance normalisation needs each
 * layer's mean and variance over the whole image, so naive tiles would each get their own
 * statistics and show seams. Here the statistics are computed globally, one normalisation
 * layer per pass: pass k runs every tile up to the k-th normalisation (using the statistics of
 * the earlier layers, already known) and adds up that layer's sums and sums of squares over the
 * tile's core; the last pass produces the output. Tiles overlap by a margin larger than the
 * network's receptive field, so the wrong padding at a tile's inner edges never reaches its
 * core; at the image's own borders a tile is padded exactly as the whole image is. A later pass
 * does not start from the image again: the raw maps of some layers are kept per tile
 * ({@link TileCache}, in memory or in temporary files) and the pass resumes after the last kept
 * layer below it. With every layer kept in memory each is computed once (plus the margins); with
 * the encoder's last map and the decoder's first in temporary files (8192 x 8192 under -Xmx3g)
 * the six passes cost about 1.5x one untiled pass; nothing kept, 3x. Memory: one tile and what
 * the budget gives the kept maps.
 */
public final class TiledInference {

	/**
	 * Margin in input pixels: the smallest multiple of 4 (the stride-2 grid) above the network's
	 * receptive-field radius, 21 input pixels (E1 4, E2 1 x 2, E3 1 x 4, bank 1 x 4, D1 1 x 2, D2 1,
	 * D3 4). With 16 the tiled result differs from the untiled one by 0.1 (TiledInferenceTest);
	 * with 24, as with the former 32, by about 1e-6; at tiles of 512 it costs 20 % instead of 27 %.
	 */
	public static final int MARGIN = 24;

	/**
	 * The largest tile side: with its margins, every map of a tile of the paper network (at most 64
	 * channels at full size) stays below 64 MB, the size of one of glibc's malloc heaps, so that
	 * the maps are reused from pass to pass instead of mapped afresh ({@code nn.NativeMemory}).
	 * Measured at 2048 x 2048 (ThroughputBenchmark -Dtile -Dcache): maps kept in files, tiles of 512
	 * 15.9-17.2 s, of 1024 21.1 s; nothing kept, 25.6 against 40.2 s (the larger tiles' maps of
	 * 150-300 MB are each a fresh mapping).
	 */
	public static final int MAX_TILE = 512;

	/**
	 * 0 when the image runs whole, else the tile side (a multiple of 4: {@value #MAX_TILE}, 256, ... 64)
	 * whose pass with its margins fits {@code budget} bytes. On a GPU an image runs whole when its
	 * untiled pass fits the budget ({@link MemoryBudget#untiledBytes}). On the CPU it runs whole only
	 * if, besides, it has no more pixels than a tile of {@value #MAX_TILE} with its margins: a larger
	 * whole pass has maps above glibc's 64 MB heaps, each mapped and zero-filled afresh, and tiles of
	 * {@value #MAX_TILE} were faster although they compute the margins and five statistics passes too
	 * (ThroughputBenchmark, 2026-12-03, paper network: 1024 x 1024 whole 6.7 s, in tiles 1.7 s;
	 * 2048 x 2048 whole 29.7 s, in tiles 7.3 s). The result is the same up to float rounding.
	 */
	public static int tileSize(int w, int h, int c1, long budget, boolean gpu) {
		if (!needsTiles(w, h, c1, budget) && (gpu || (long) w * h <= (long) (MAX_TILE + 2 * MARGIN) * (MAX_TILE + 2 * MARGIN))) return 0;
		int t = MAX_TILE;
		while (t > 64 && MemoryBudget.untiledBytes(t + 2 * MARGIN, t + 2 * MARGIN, c1) > budget) t /= 2;
		return t;
	}

	/** Whether an untiled pass would not fit {@code budget} bytes: tiles are then needed for memory, not only chosen for speed. */
	public static boolean needsTiles(int w, int h, int c1, long budget) {
		return MemoryBudget.untiledBytes(w, h, c1) > budget;
	}

	/**
	 * Where exact tiling may keep the tiles' intermediate maps ({@link TileCache}): native memory
	 * up to {@code memoryBytes}, then temporary files in {@code scratch} (null: memory only; what
	 * fits nowhere is computed again).
	 */
	public record Room(long memoryBytes, java.nio.file.Path scratch) {
		/** Everything in native memory (small images, tests). */
		public static final Room MEMORY = new Room(Long.MAX_VALUE, null);

		/**
		 * The room left by a pass in tiles of {@code tile} within {@code budget} bytes, and the
		 * system's temporary folder.
		 */
		public static Room forBudget(long budget, int tile, int c1) {
			long pass = MemoryBudget.untiledBytes(tile + 2 * MARGIN, tile + 2 * MARGIN, c1);
			return new Room(Math.max(0, budget - pass), java.nio.file.Path.of(System.getProperty("java.io.tmpdir")));
		}
	}

	/** The layers whose statistics the passes compute, in order (from the network's one layer table). */
	static final List<Layer> NORMALISED = Layer.NORMALISED;

	private TiledInference() {}

	/**
	 * Stylizes a 3 x H x W image (CHW floats in [0, 1]) in tiles of {@code tile} x {@code tile}
	 * input pixels (rounded up to a multiple of 4); returns 3 x H x W. Equal to
	 * {@link StyleBankNetwork#apply} up to float rounding.
	 */
	public static float[] apply(StyleBankNetwork net, float[] chw, int w, int h, StyleMix mix, int tile, Progress progress) {
		return apply(net, chw, w, h, null, List.of(mix), StyleBankNetwork.Fusion.PAPER, tile, progress);
	}

	/**
	 * Region fusion in tiles: {@code masks} (H x W each, summing to 1, as for
	 * {@link StyleBankNetwork#applyRegions}) with one mix each; {@code masks == null} means one
	 * mix everywhere. Region-aware decoding accumulates each region's weighted statistics.
	 */
	public static float[] apply(StyleBankNetwork net, float[] chw, int w, int h, List<float[]> masks, List<StyleMix> mixes,
		StyleBankNetwork.Fusion fusion, int tile, Progress progress)
	{
		return apply(net, chw, w, h, masks, mixes, fusion, tile, Room.MEMORY, progress);
	}

	/** As above, keeping the tiles' intermediate maps where {@code room} allows. */
	public static float[] apply(StyleBankNetwork net, float[] chw, int w, int h, List<float[]> masks, List<StyleMix> mixes,
		StyleBankNetwork.Fusion fusion, int tile, Room room, Progress progress)
	{
		return passes(net, chw, w, h, masks, mixes, fusion, tile, progress, new ArrayList<>(), true, room);
	}

	/**
	 * The fast mode: the normalisation statistics come from the image scaled down so that its
	 * long side is {@code reducedSide} (computed as in the exact mode, but on about 1/k^2 of the
	 * pixels), and one tiled pass at full size uses them. Every tile shares the same statistics,
	 * so there are no seams, but the result differs from the exact one where the network's
	 * statistics depend on the scale. Cost: one full-size pass plus the passes on the small image.
	 */
	public static float[] applyFast(StyleBankNetwork net, float[] chw, int w, int h, List<float[]> masks, List<StyleMix> mixes,
		StyleBankNetwork.Fusion fusion, int tile, int reducedSide, Progress progress)
	{
		double k = Math.min(1, (double) reducedSide / Math.max(w, h));
		int sw = Math.max(1, (int) Math.round(w * k)), sh = Math.max(1, (int) Math.round(h * k));
		float[] small = org.neuralstyle.image.Resize.area(chw, 3, w, h, sw, sh);
		List<float[]> smallMasks = null;
		if (masks != null) {
			smallMasks = new ArrayList<>();
			for (float[] mk : masks) smallMasks.add(org.neuralstyle.image.Resize.area(mk, 1, w, h, sw, sh));
		}
		List<float[][][]> stats = new ArrayList<>();
		passes(net, small, sw, sh, smallMasks, mixes, fusion, tile, progress, stats, false, Room.MEMORY); // same tiles: same memory bound
		return passes(net, chw, w, h, masks, mixes, fusion, tile, progress, stats, true, Room.MEMORY);
	}

	/**
	 * The passes: statistics passes for the layers not yet in {@code stats} (which it fills),
	 * then, if {@code render}, the output pass. With {@link StyleBankNetwork.Fusion#WHOLE_IMAGE}
	 * the statistics passes of D1 and D2 hold one group per region: the statistics of that
	 * region's mix applied to the whole image, all mixes in the same passes over the tiles (the
	 * encoder computed, or resumed from its kept map, once per tile); a region whose mask is
	 * empty gets the first non-empty region's (its weight is 0 everywhere).
	 */
	private static float[] passes(StyleBankNetwork net, float[] chw, int w, int h, List<float[]> masks, List<StyleMix> mixes,
		StyleBankNetwork.Fusion fusion, int tile, Progress progress, List<float[][][]> stats, boolean render, Room room)
	{
		int t = Math.max(16, (tile + 3) / 4 * 4);
		// per-region normalisation in the decoder: statistics per region (region-aware) or each region's style's whole-image ones
		boolean perRegion = masks != null && fusion != StyleBankNetwork.Fusion.PAPER;
		boolean perMix = masks != null && fusion == StyleBankNetwork.Fusion.WHOLE_IMAGE;
		int groups = masks == null ? 1 : masks.size();
		boolean[] live = new boolean[groups]; // whole-image fusion: the regions whose masks are not empty
		int firstLive = -1;
		if (perMix) {
			for (int gi = 0; gi < groups; gi++) {
				double mass = 0;
				for (float v : masks.get(gi)) mass += v;
				live[gi] = mass > 0;
				if (live[gi] && firstLive < 0) firstLive = gi;
			}
			if (firstLive < 0) throw new IllegalArgumentException("normalisation per region needs a non-empty mask");
		}
		int ph = net.paddedSize(h), pw = net.paddedSize(w);
		Map<String, NDArray> p = net.parameters(List.of());
		List<int[]> tiles = new ArrayList<>();
		for (int y = 0; y < ph; y += t) for (int x = 0; x < pw; x += t) tiles.add(new int[] { y, x });
		int passes = render ? NORMALISED.size() + 1 : NORMALISED.size();
		float[] out = render ? new float[3 * w * h] : null;
		Engines.inferenceMode();
		// a cache only when the statistics passes run here (the fast mode's output pass has nothing to resume from)
		int side = t + 2 * MARGIN;
		double[] bytes = cacheBytes(p);
		if (perMix) { // one decoder map per mix: only the encoder's maps are kept
			for (int j = 0; j < bytes.length; j++) if (Layer.DECODER.contains(NORMALISED.get(j))) bytes[j] = Double.POSITIVE_INFINITY;
		}
		try (NDManager m = Engines.pytorch().newBaseManager(net.device());
			TileCache cache = stats.isEmpty() && tiles.size() > 1 ? TileCache.open(bytes, flops(p, mixes), side, tiles.size(), room)
				: TileCache.none())
		{
			if (!cache.layers().isEmpty()) {
				progress.report(0, passes * tiles.size(), "Keeping the tiles' maps of " + cache.layers().size() + " layers "
					+ (cache.onDisk() ? "in temporary files" : "in memory"));
			}
			// stats: per normalised layer and statistics group (one, or one per region in the decoder layers of per-region fusion):
			// {mean[], 1/sqrt(var + eps)[], var[]}
			for (int pass = stats.size(); pass < passes; pass++) {
				int channels = pass < NORMALISED.size() ? (int) p.get(NORMALISED.get(pass).tensor + ".weight").getShape().get(0) : 3;
				boolean decoderStatistics = pass < NORMALISED.size() && Layer.DECODER.contains(NORMALISED.get(pass));
				boolean ofMixes = perMix && decoderStatistics;
				int g = perRegion && decoderStatistics ? groups : 1;
				// per group: weighted moments, tiles merged with Chan et al.'s formula
				TiledPasses.Moments[] moments = new TiledPasses.Moments[g];
				Arrays.fill(moments, TiledPasses.Moments.none(channels));
				for (int i = 0; i < tiles.size(); i++) {
					progress.checkCancelled();
					progress.report(pass * tiles.size() + i, passes * tiles.size(), "Stylizing tile " + (i + 1) + "/" + tiles.size()
						+ (pass < NORMALISED.size() ? ", statistics pass " + (pass + 1) + "/" + NORMALISED.size()
							+ (ofMixes ? " (" + g + " regions' styles)" : "") : ", output pass"));
					int ty = tiles.get(i)[0], tx = tiles.get(i)[1];
					int y0 = Math.max(0, ty - MARGIN), y1 = Math.min(ph, ty + t + MARGIN);
					int x0 = Math.max(0, tx - MARGIN), x1 = Math.min(pw, tx + t + MARGIN);
					try (NDManager tm = m.newSubManager()) {
						NDArray crop = tm.create(crop(chw, 3, w, h, ph, pw, y0, y1, x0, x1), new Shape(1, 3, y1 - y0, x1 - x0));
						List<NDArray> cropMasks = new ArrayList<>();
						if (masks != null) {
							for (float[] mk : masks) cropMasks.add(tm.create(crop(mk, 1, w, h, ph, pw, y0, y1, x0, x1), new Shape(1, 1, y1 - y0, x1 - x0)));
						}
						int from = cache.resumeFrom(pass);
						int s = pass < NORMALISED.size() ? NORMALISED.get(pass).scale() : 1;
						int cy0 = (ty - y0) / s, cx0 = (tx - x0) / s;
						if (ofMixes) { // each live region's mix alone on the whole tile, unweighted
							for (int gi = 0; gi < g; gi++) {
								if (!live[gi]) continue;
								NDArray a = run(net, crop, List.of(), List.of(mixes.get(gi)), false, ofGroup(stats, gi), pass, from,
									from < 0 ? null : cache.get(from, i, tm));
								int cy1 = Math.min((int) a.getShape().get(2), cy0 + t / s), cx1 = Math.min((int) a.getShape().get(3), cx0 + t / s);
								try (NDArray core = a.get(":, :, " + cy0 + ":" + cy1 + ", " + cx0 + ":" + cx1)) {
									moments[gi] = moments[gi].merge(TiledPasses.Moments.of(core, null, (double) (cy1 - cy0) * (cx1 - cx0)));
								}
								a.close();
							}
							continue;
						}
						NDArray a = run(net, crop, cropMasks, mixes, perRegion, stats, pass, from, from < 0 ? null : cache.get(from, i, tm));
						if (pass < NORMALISED.size()) cache.put(pass, i, tiles.size(), a);
						int cy1 = Math.min((int) a.getShape().get(2), cy0 + t / s), cx1 = Math.min((int) a.getShape().get(3), cx0 + t / s);
						String coreIndex = ":, :, " + cy0 + ":" + cy1 + ", " + cx0 + ":" + cx1;
						NDArray core = a.get(coreIndex);
						if (pass < NORMALISED.size()) {
							for (int gi = 0; gi < g; gi++) {
								NDArray weight = g == 1 ? null : Layers.averagePool(Layers.padEnd(Layers.padEnd(cropMasks.get(gi), 2,
									net.paddedSize(y1 - y0)), 3, net.paddedSize(x1 - x0)), s).get(coreIndex);
								double n = weight == null ? (double) (cy1 - cy0) * (cx1 - cx0) : weight.sum().getFloat();
								moments[gi] = moments[gi].merge(TiledPasses.Moments.of(core, weight, n));
							}
						}
						else {
							copyOut(core.toFloatArray(), cy1 - cy0, cx1 - cx0, ty, tx, out, w, h);
						}
					}
				}
				cache.dropUnused(pass + 1, passes);
				if (pass < NORMALISED.size()) {
					float[][][] layer = new float[g][][];
					for (int gi = 0; gi < g; gi++) layer[gi] = moments[gi].layer()[0];
					if (ofMixes) for (int gi = 0; gi < g; gi++) if (!live[gi]) layer[gi] = layer[firstLive];
					stats.add(layer);
				}
			}
		}
		progress.report(passes * tiles.size(), passes * tiles.size(), "Stylized " + tiles.size() + " tiles");
		return out;
	}

	/** The statistics known so far as seen by region gi's mix alone: its own group in the decoder's layers. */
	private static List<float[][][]> ofGroup(List<float[][][]> stats, int gi) {
		List<float[][][]> out = new ArrayList<>();
		for (float[][][] layer : stats) out.add(layer.length == 1 ? layer : new float[][][] { layer[gi] });
		return out;
	}

	/**
	 * The network on one crop with global statistics for the normalised layers before
	 * {@code stop}; returns the pre-normalisation activation of layer {@code stop}, or the
	 * clamped output when every layer's statistics are known.
	 */
	static NDArray run(StyleBankNetwork net, NDArray x, List<NDArray> masks, List<StyleMix> mixes,
		boolean perRegion, List<float[][][]> stats, int stop)
	{
		return run(net, x, masks, mixes, perRegion, stats, stop, -1, null);
	}

	/**
	 * As above, but resuming from {@code raw}, the crop's pre-normalisation map of normalised layer
	 * {@code from} (-1: from the image x), which must come before {@code stop}.
	 */
	static NDArray run(StyleBankNetwork net, NDArray x, List<NDArray> masks, List<StyleMix> mixes,
		boolean perRegion, List<float[][][]> stats, int stop, int from, NDArray raw)
	{
		List<NDArray> full = new ArrayList<>(), half = new ArrayList<>(), quarter = new ArrayList<>();
		for (NDArray m : masks) {
			NDArray padded = Layers.padEnd(Layers.padEnd(m, 2, x.getShape().get(2)), 3, x.getShape().get(3));
			full.add(padded);
			half.add(Layers.averagePool(padded, 2));
			quarter.add(Layers.averagePool(padded, 4));
		}
		NDArray a = x;
		int k = 0;
		for (Layer layer : Layer.values()) {
			if (k < from) { // before the kept map: nothing to compute
				if (layer.normalised) k++;
				continue;
			}
			if (k == from) a = raw; // the kept pre-normalisation map of this layer
			else {
				if (layer == Layer.DECODER.get(0)) { // the bank step K between encoder and decoder
					if (masks.isEmpty()) {
						if (!mixes.get(0).isReconstruction()) a = replace(a, net.bank(a, mixes.get(0)), x);
					}
					else {
						NDArray fused = null;
						for (int i = 0; i < masks.size(); i++) {
							NDArray part = mixes.get(i).isReconstruction() ? a.mul(quarter.get(i)) : net.maskedBank(a, quarter.get(i), mixes.get(i));
							if (fused == null) fused = part;
							else {
								fused.addi(part);
								part.close();
							}
						}
						a = replace(a, fused, x);
					}
				}
				a = replace(a, net.layerConv(a, layer), x);
			}
			if (!layer.normalised) return replace(a, a.clip(0f, 1f), x);
			if (k == stop) return a;
			float[][][] st = stats.get(k);
			List<NDArray> weights = !perRegion || Layer.ENCODER.contains(layer) ? null : layer.scale() == 2 ? half : full;
			NDArray normed = null;
			if (weights == null && st.length == 1) {
				// one group: libtorch's fused normalisation with the global mean and variance
				try (NDArray mean = a.getManager().create(st[0][0]); NDArray var = a.getManager().create(st[0][2])) {
					normed = Layers.normalize(a, mean, var);
				}
			}
			else {
				for (int gi = 0; gi < st.length; gi++) {
					try (NDArray mean = a.getManager().create(st[gi][0], new Shape(1, st[gi][0].length, 1, 1));
						NDArray inv = a.getManager().create(st[gi][1], new Shape(1, st[gi][1].length, 1, 1));
						NDArray centered = a.sub(mean))
					{
						NDArray part = centered.mul(inv);
						if (weights != null) part = replace(part, part.mul(weights.get(gi)), null);
						if (normed == null) normed = part;
						else {
							normed.addi(part);
							part.close();
						}
					}
				}
			}
			a = replace(a, normed, x);
			a = replace(a, Activation.relu(a), x);
			k++;
		}
		throw new IllegalStateException("unreachable");
	}

	/** Bytes of each normalised layer's raw map per input pixel. */
	static double[] cacheBytes(java.util.Map<String, NDArray> p) {
		double[] out = new double[NORMALISED.size()];
		for (int j = 0; j < out.length; j++) {
			Layer l = NORMALISED.get(j);
			out[j] = p.get(l.tensor + ".weight").getShape().get(0) * 4.0 / ((double) l.scale() * l.scale());
		}
		return out;
	}

	/**
	 * Multiply-adds per input pixel from normalised layer j - 1's map to layer j's raw map (the
	 * bank step counted with D1, once per mix), the last entry the output layer's: {@link TileCache#cost}'s weights.
	 */
	static double[] flops(java.util.Map<String, NDArray> p, List<StyleMix> mixes) {
		double[] out = new double[NORMALISED.size() + 1];
		int j = 0;
		for (Layer l : Layer.values()) {
			long[] ws = p.get(l.tensor + ".weight").getShape().getShape();
			double perPixel = (double) ws[0] * ws[1] * ws[2] * ws[3] / ((double) l.scale() * l.scale());
			if (l == Layer.DECODER.get(0)) {
				long c3 = p.get(Layer.E3.tensor + ".weight").getShape().get(0);
				perPixel += (double) mixes.size() * c3 * c3 * 9 / ((double) Layer.E3.scale() * Layer.E3.scale());
			}
			out[j] += perPixel;
			if (l.normalised) j++;
		}
		return out;
	}

	/** Returns {@code next}, closing {@code previous} unless it is the tile's input: one layer's maps live at a time. */
	private static NDArray replace(NDArray previous, NDArray next, NDArray keep) {
		if (previous != next && previous != keep) previous.close();
		return next;
	}

	/** Rows y0..y1, columns x0..x1 of the padded image (bottom/right padding as the network does). */
	static float[] crop(float[] chw, int channels, int w, int h, int ph, int pw, int y0, int y1, int x0, int x1) {
		int cw = x1 - x0, ch = y1 - y0;
		float[] out = new float[channels * cw * ch];
		for (int y = 0; y < ch; y++) {
			int sy = source(y0 + y, h, ph);
			for (int x = 0; x < cw; x++) {
				int sx = source(x0 + x, w, pw);
				for (int c = 0; c < channels; c++) out[c * cw * ch + y * cw + x] = chw[c * w * h + sy * w + sx];
			}
		}
		return out;
	}

	/** Where padded row i comes from: reflection when the padding is shorter than the side, else the edge. */
	static int source(int i, int n, int padded) {
		if (i < n) return i;
		int extra = padded - n;
		if (extra < n) return 2 * (n - 1) - i;
		return n - 1;
	}

	private static void copyOut(float[] core, int ch, int cw, int ty, int tx, float[] out, int w, int h) {
		for (int c = 0; c < 3; c++) {
			for (int y = 0; y < ch && ty + y < h; y++) {
				for (int x = 0; x < cw && tx + x < w; x++) out[c * w * h + (ty + y) * w + tx + x] = core[c * ch * cw + y * cw + x];
			}
		}
	}
}
