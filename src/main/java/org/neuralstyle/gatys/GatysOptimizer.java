package org.neuralstyle.gatys;

import org.neuralstyle.nn.FeatureNetwork;
import org.neuralstyle.nn.Losses;
import org.neuralstyle.nn.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.neuralstyle.Progress;
import org.neuralstyle.image.Colour;
import org.neuralstyle.image.Resize;
import org.neuralstyle.nn.Autograd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Neural style transfer by optimisation (Gatys, Ecker and Bethge, CVPR 2016), with the
 * controls of Gatys et al. 2017: colour (luminance-only or matched statistics) and space
 * (each region matched to its own style through guided Gram matrices; outside all regions only
 * the content loss acts). Images are CHW float arrays in [0, 1].
 *
 * <p>Big outputs are optimised in tiles ({@link Tiles}): the style Gram targets are computed
 * once per level, each tile of a grid is optimised in a crop with a margin of context (its own
 * content features, the whole image's Gram targets: the Gram matrix is a mean over positions, so
 * a tile and the whole image aim at the same statistics) and written back with a linear ramp
 * over the margin; the grid shifts between sweeps. One tile covering the image is the untiled run.
 */
public final class GatysOptimizer {

	/** A style image (CHW in [0, 1]) with its blend weight. */
	public record StyleImage(float[] rgb, int width, int height, double weight) {}

	/** A soft mask over the content image (values in [0, 1]) and the style image it gets. */
	public record Region(float[] mask, int style) {}

	/** Called every previewEvery iterations with the current image (CHW) and loss. */
	public interface Preview {
		void show(float[] rgb, int width, int height, int iteration, double loss);
	}

	/**
	 * The image at the working size; loss: untiled the best loss, tiled the mean of the tiles'
	 * best losses in the last sweep; tiling: how the last level was tiled ("" when untiled).
	 */
	public record Result(float[] rgb, int width, int height, double loss, int iterations, boolean cancelled, String tiling) {}

	private GatysOptimizer() {}

	/** The output size: long side = settings.size, aspect ratio kept. */
	public static int[] outputSize(int w, int h, int size) {
		double s = (double) size / Math.max(w, h);
		return new int[] { Math.max(1, (int) Math.round(w * s)), Math.max(1, (int) Math.round(h * s)) };
	}

	/**
	 * Runs the optimisation. With regions, each region's style acts only there; with
	 * {@code keepOutside}, pixels outside all regions are finally blended back to the content
	 * image with the soft outside mask (1 - sum of masks). No memory budget: tiles only when
	 * settings.tile asks for them.
	 */
	public static Result run(FeatureNetwork net, float[] content, int cw, int ch, List<StyleImage> styles, List<Region> regions,
		boolean keepOutside, GatysSettings s, Progress progress, Preview preview)
	{
		return run(net, content, cw, ch, styles, regions, keepOutside, s, progress, preview, Long.MAX_VALUE);
	}

	/**
	 * As above with an explicit memory budget in bytes: a level whose estimated optimisation
	 * memory ({@link Tiles#optimiseBytes}) exceeds it is optimised in tiles when settings.tile is 0.
	 */
	public static Result run(FeatureNetwork net, float[] content, int cw, int ch, List<StyleImage> styles, List<Region> regions,
		boolean keepOutside, GatysSettings s, Progress progress, Preview preview, long memoryBudget)
	{
		if (styles.isEmpty()) throw new IllegalArgumentException("at least one style image is needed");
		if (!s.layersResolved()) throw new IllegalArgumentException("no content or style layers: GatysSettings.withNetworkDefaults fills them in");
		for (Region r : regions) {
			if (r.style < 0 || r.style >= styles.size()) throw new IllegalArgumentException("region style index out of range");
			if (r.mask.length != cw * ch) throw new IllegalArgumentException("region mask size does not match the content image");
		}
		try (Autograd.Session session = Autograd.begin("a Gatys style transfer")) {
			return optimise(session, net, content, cw, ch, styles, regions, keepOutside, s, progress, preview, memoryBudget);
		}
	}

	private static Result optimise(Autograd.Session session, FeatureNetwork net, float[] content0, int cw, int ch, List<StyleImage> styles0,
		List<Region> regions0, boolean keepOutside, GatysSettings s, Progress progress, Preview preview, long budget)
	{
		int[] out = outputSize(cw, ch, s.size());
		int w = out[0], h = out[1];
		float[] content = Resize.area(content0, 3, cw, ch, w, h);
		float[] original = content;
		List<StyleImage> styles = new ArrayList<>();
		for (StyleImage st : styles0) {
			float[] rgb = st.rgb;
			switch (s.colour()) {
				case LUMINANCE -> rgb = matchLuminance(Colour.luminanceAsRgb(rgb), Colour.luminanceAsRgb(content));
				case MATCH -> rgb = Colour.matchStatistics(rgb, content);
				default -> { }
			}
			styles.add(new StyleImage(rgb, st.width, st.height, st.weight));
		}
		if (s.colour() == GatysSettings.ColourMode.LUMINANCE) content = Colour.luminanceAsRgb(content);
		List<float[]> masks = new ArrayList<>();
		for (Region r : regions0) masks.add(Resize.area(r.mask, 1, cw, ch, w, h));

		Set<String> layers = new LinkedHashSet<>(s.contentLayers());
		layers.addAll(s.styleLayers().keySet());
		List<Integer> regionStyles = regions0.stream().map(Region::style).toList();
		// the plan: per level its size, tile side (0 = whole image) and the tiles of each sweep
		int[][] sizes = new int[s.levels()][];
		List<List<List<Tiles.Tile>>> plan = new ArrayList<>();
		int total = 0;
		String tiling = "";
		for (int level = 0; level < s.levels(); level++) {
			double scale = Math.pow(0.5, s.levels() - 1 - level);
			int lw = Math.max(16, (int) Math.round(w * scale)), lh = Math.max(16, (int) Math.round(h * scale));
			sizes[level] = new int[] { lw, lh };
			int tile = Tiles.tileFor(net, layers, lw, lh, s.tile(), budget);
			if (tile > 0 && Tiles.grid(lw, lh, tile, 0).size() == 1) tile = 0; // at most 1.25 tiles: one piece, untiled
			int sweeps = tile == 0 ? 1 : Tiles.sweeps(s.iterations());
			List<List<Tiles.Tile>> levelPlan = new ArrayList<>();
			for (int k = 0; k < sweeps; k++) {
				List<Tiles.Tile> grid = Tiles.grid(lw, lh, tile, k);
				levelPlan.add(grid);
				total += grid.size() * Tiles.sweepIterations(s.iterations(), sweeps, k);
			}
			plan.add(levelPlan);
			tiling = tile == 0 ? "" : String.format(Locale.ROOT, "tiles of %d px (margin %d), %d sweeps of %d-%d tiles", tile,
				Tiles.margin(tile), sweeps, levelPlan.stream().mapToInt(List::size).min().getAsInt(),
				levelPlan.stream().mapToInt(List::size).max().getAsInt());
		}
		float[] x = null;
		int done = 0;
		double loss = Double.NaN;
		boolean cancelled = false;
		int lw = w, lh = h;
		for (int level = 0; level < s.levels() && !cancelled; level++) {
			int pw = lw, ph = lh;
			lw = sizes[level][0];
			lh = sizes[level][1];
			float[] c = Resize.area(content, 3, w, h, lw, lh);
			if (x == null) x = initial(c, s);
			else x = Resize.bilinear(x, 3, pw, ph, lw, lh);
			List<float[]> levelMasks = new ArrayList<>();
			for (float[] m : masks) levelMasks.add(Resize.area(m, 1, w, h, lw, lh));
			List<List<Tiles.Tile>> levelPlan = plan.get(level);
			boolean tiled = levelPlan.size() > 1 || levelPlan.get(0).size() > 1;
			try (StyleGrams grams = new StyleGrams(net, s, styles, lw, lh, budget, progress)) {
				for (int k = 0; k < levelPlan.size() && !cancelled; k++) {
					List<Tiles.Tile> grid = levelPlan.get(k);
					int iterations = Tiles.sweepIterations(s.iterations(), levelPlan.size(), k);
					double sweepLoss = 0;
					int measured = 0;
					for (int i = 0; i < grid.size() && !cancelled; i++) {
						Tiles.Tile t = grid.get(i);
						int tw = t.cropWidth(), th = t.cropHeight();
						float[] xt = Tiles.crop(x, 3, lw, lh, t);
						List<float[]> tileMasks = new ArrayList<>();
						for (float[] m : levelMasks) tileMasks.add(Tiles.crop(m, 1, lw, lh, t));
						float[] weights = Tiles.weights(t);
						String where = (s.levels() > 1 ? "level " + (level + 1) + "/" + s.levels() + ", " : "")
							+ (tiled ? "sweep " + (k + 1) + "/" + levelPlan.size() + ", tile " + (i + 1) + "/" + grid.size() + ", " : "");
						try (GatysLevel lv = new GatysLevel(net, session, layers, s, Tiles.crop(c, 3, lw, lh, t), tw, th, grams, tileMasks,
							regionStyles))
						{
							Objective f = lv::evaluate;
							Lbfgs lbfgs = s.method() == GatysSettings.Method.LBFGS ? new Lbfgs(s.history(), 20) : null;
							Adam adam = lbfgs == null ? new Adam(s.learningRate()) : null;
							double bestLoss = Double.POSITIVE_INFINITY;
							float[] best = xt.clone();
							float[] before = new float[xt.length];
							for (int it = 0; it < iterations; it++) {
								if (progress.isCancelled()) {
									cancelled = true;
									break;
								}
								System.arraycopy(xt, 0, before, 0, xt.length);
								loss = lbfgs != null ? lbfgs.iterate(f, xt) : adam.iterate(f, xt);
								if (loss < bestLoss) {
									bestLoss = loss;
									// L-BFGS reports the value at the new point, Adam at the point before its step
									System.arraycopy(lbfgs != null ? xt : before, 0, best, 0, xt.length);
								}
								done++;
								progress.report(done, total, String.format(Locale.ROOT, "Gatys %siteration %d/%d, loss %.4g (%s)", where,
									it + 1, iterations, loss, lv.lastTerms));
								if (preview != null && s.previewEvery() > 0 && done % s.previewEvery() == 0) {
									float[] shown = x.clone();
									Tiles.blend(shown, 3, lw, lh, t, xt, weights);
									preview.show(finish(shown, lw, lh, original, w, h, s, masks, keepOutside), lw, lh, done, loss);
								}
								if (lbfgs != null && lbfgs.stalled()) break;
							}
							Tiles.blend(x, 3, lw, lh, t, best, weights);
							if (bestLoss < Double.POSITIVE_INFINITY) {
								// untiled: the best loss; tiled: the mean of the tiles' best losses in the last sweep
								sweepLoss += bestLoss;
								measured++;
								loss = sweepLoss / measured;
							}
						}
					}
				}
			}
		}
		float[] result = finish(x, lw, lh, original, w, h, s, masks, keepOutside);
		return new Result(result, lw, lh, loss, done, cancelled, tiling);
	}

	/** Colour recombination and clamping at the working size; the output keeps that size. */
	private static float[] finish(float[] x, int lw, int lh, float[] original, int w, int h, GatysSettings s, List<float[]> masks,
		boolean keepOutside)
	{
		float[] y = x.clone();
		for (int i = 0; i < y.length; i++) y[i] = Math.min(1f, Math.max(0f, y[i]));
		float[] orig = Resize.bilinear(original, 3, w, h, lw, lh);
		if (s.colour() == GatysSettings.ColourMode.LUMINANCE) {
			y = Colour.combineLuminance(y, orig);
			for (int i = 0; i < y.length; i++) y[i] = Math.min(1f, Math.max(0f, y[i]));
		}
		if (keepOutside && !masks.isEmpty()) {
			int n = lw * lh;
			float[] inside = new float[n];
			for (float[] m : masks) {
				float[] lm = Resize.bilinear(m, 1, w, h, lw, lh);
				for (int i = 0; i < n; i++) inside[i] += lm[i];
			}
			for (int i = 0; i < n; i++) {
				float keep = Math.max(0f, 1f - Math.min(1f, inside[i]));
				for (int c = 0; c < 3; c++) y[c * n + i] = keep * orig[c * n + i] + (1 - keep) * y[c * n + i];
			}
		}
		return y;
	}

	static float[] initial(float[] content, GatysSettings s) {
		Random r = new Random(s.seed());
		float[] x = new float[content.length];
		for (int i = 0; i < x.length; i++) {
			float noise = r.nextFloat();
			x[i] = switch (s.init()) {
				case CONTENT -> content[i];
				case NOISE -> noise;
				case BLEND -> (float) ((1 - s.initBlend()) * content[i] + s.initBlend() * noise);
			};
		}
		return x;
	}

	/** The style's luminance with the content luminance's mean and standard deviation (Gatys 2017). */
	static float[] matchLuminance(float[] styleGrey, float[] contentGrey) {
		int n = styleGrey.length / 3;
		double ms = 0, mc = 0, vs = 0, vc = 0;
		int nc = contentGrey.length / 3;
		for (int i = 0; i < n; i++) ms += styleGrey[i];
		for (int i = 0; i < nc; i++) mc += contentGrey[i];
		ms /= n;
		mc /= nc;
		for (int i = 0; i < n; i++) vs += (styleGrey[i] - ms) * (styleGrey[i] - ms);
		for (int i = 0; i < nc; i++) vc += (contentGrey[i] - mc) * (contentGrey[i] - mc);
		double k = Math.sqrt((vc / nc) / Math.max(vs / n, 1e-12));
		float[] out = new float[styleGrey.length];
		for (int i = 0; i < n; i++) {
			float v = (float) Math.min(1, Math.max(0, (styleGrey[i] - ms) * k + mc));
			out[i] = out[n + i] = out[2 * n + i] = v;
		}
		return out;
	}

}
