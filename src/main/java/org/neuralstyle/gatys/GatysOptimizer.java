package org.neuralstyle.gatys;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.neuralstyle.Progress;
import org.neuralstyle.image.Colour;
import org.neuralstyle.image.Resize;
import org.neuralstyle.nn.Autograd;
import org.neuralstyle.nn.Vgg;

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

	public record Result(float[] rgb, int width, int height, double loss, int iterations, boolean cancelled) {}

	private GatysOptimizer() {}

	/** The output size: long side = settings.size, aspect ratio kept. */
	public static int[] outputSize(int w, int h, int size) {
		double s = (double) size / Math.max(w, h);
		return new int[] { Math.max(1, (int) Math.round(w * s)), Math.max(1, (int) Math.round(h * s)) };
	}

	/**
	 * Runs the optimisation. With regions, each region's style acts only there; with
	 * {@code keepOutside}, pixels outside all regions are finally blended back to the content
	 * image with the soft outside mask (1 - sum of masks).
	 */
	public static Result run(Vgg vgg, float[] content, int cw, int ch, List<StyleImage> styles, List<Region> regions,
		boolean keepOutside, GatysSettings s, Progress progress, Preview preview)
	{
		if (styles.isEmpty()) throw new IllegalArgumentException("at least one style image is needed");
		for (Region r : regions) {
			if (r.style < 0 || r.style >= styles.size()) throw new IllegalArgumentException("region style index out of range");
			if (r.mask.length != cw * ch) throw new IllegalArgumentException("region mask size does not match the content image");
		}
		try (Autograd.Session session = Autograd.begin("a Gatys style transfer")) {
			return optimise(session, vgg, content, cw, ch, styles, regions, keepOutside, s, progress, preview);
		}
	}

	private static Result optimise(Autograd.Session session, Vgg vgg, float[] content0, int cw, int ch, List<StyleImage> styles0,
		List<Region> regions0, boolean keepOutside, GatysSettings s, Progress progress, Preview preview)
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
		float[] x = null;
		int done = 0, total = s.iterations() * s.levels();
		double loss = Double.NaN;
		boolean cancelled = false;
		int lw = w, lh = h;
		float[] best = null;
		for (int level = 0; level < s.levels() && !cancelled; level++) {
			double scale = Math.pow(0.5, s.levels() - 1 - level);
			int pw = lw, ph = lh;
			lw = Math.max(16, (int) Math.round(w * scale));
			lh = Math.max(16, (int) Math.round(h * scale));
			float[] c = Resize.area(content, 3, w, h, lw, lh);
			if (x == null) x = initial(c, s);
			else x = Resize.bilinear(x, 3, pw, ph, lw, lh);
			Level lv = new Level(vgg, session, layers, s, c, lw, lh, styles, masks, regions0, w, h);
			try {
				Objective f = lv::evaluate;
				Lbfgs lbfgs = s.method() == GatysSettings.Method.LBFGS ? new Lbfgs(s.history(), 20) : null;
				Adam adam = lbfgs == null ? new Adam(s.learningRate()) : null;
				double bestLoss = Double.POSITIVE_INFINITY;
				best = x.clone();
				float[] before = new float[x.length];
				for (int it = 0; it < s.iterations(); it++) {
					if (progress.isCancelled()) {
						cancelled = true;
						break;
					}
					System.arraycopy(x, 0, before, 0, x.length);
					loss = lbfgs != null ? lbfgs.iterate(f, x) : adam.iterate(f, x);
					if (loss < bestLoss) {
						bestLoss = loss;
						// L-BFGS reports the value at the new point, Adam at the point before its step
						System.arraycopy(lbfgs != null ? x : before, 0, best, 0, x.length);
					}
					done++;
					progress.report(done, total, String.format(Locale.ROOT, "Gatys %s%d/%d, loss %.4g (%s)",
						s.levels() > 1 ? "level " + (level + 1) + "/" + s.levels() + ", iteration " : "iteration ",
						it + 1, s.iterations(), loss, lv.lastTerms));
					if (preview != null && s.previewEvery() > 0 && (it + 1) % s.previewEvery() == 0) {
						preview.show(finish(x.clone(), lw, lh, original, w, h, s, masks, keepOutside), lw, lh, done, loss);
					}
					if (lbfgs != null && lbfgs.stalled()) break;
				}
				x = best;
				loss = bestLoss;
			}
			finally {
				lv.close();
			}
		}
		float[] result = finish(x, lw, lh, original, w, h, s, masks, keepOutside);
		return new Result(result, lw, lh, loss, done, cancelled);
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

	/** The targets of one resolution level and the loss with its gradient. */
	static final class Level implements AutoCloseable {
		final Vgg vgg;
		final Autograd.Session session;
		final Set<String> layers;
		final GatysSettings s;
		final int w, h;
		final NDManager manager;
		final Map<String, NDArray> contentTargets = new HashMap<>();
		/** Per style layer: the blended Gram target (no regions) or one target per region. */
		final Map<String, List<NDArray>> styleTargets = new HashMap<>();
		/** Per style layer: the region masks at that layer's resolution. */
		final Map<String, List<NDArray>> layerMasks = new HashMap<>();
		final boolean guided;
		String lastTerms = "";

		Level(Vgg vgg, Autograd.Session session, Set<String> layers, GatysSettings s, float[] content, int w, int h,
			List<StyleImage> styles, List<float[]> masks, List<Region> regions, int fullW, int fullH)
		{
			this.vgg = vgg;
			this.session = session;
			this.layers = layers;
			this.s = s;
			this.w = w;
			this.h = h;
			this.guided = !regions.isEmpty();
			this.manager = vgg.device() == null ? null : org.neuralstyle.nn.Engines.pytorch().newBaseManager(vgg.device());
			NDArray c = manager.create(content, new Shape(1, 3, h, w));
			Map<String, NDArray> cf = vgg.features(c, Set.copyOf(s.contentLayers()));
			for (String l : s.contentLayers()) contentTargets.put(l, cf.get(l));
			// style Grams, one per style image, with the style image scaled to the working size
			List<Map<String, NDArray>> grams = new ArrayList<>();
			for (StyleImage st : styles) {
				int[] sz = outputSize(st.width, st.height, (int) Math.max(16, Math.round(Math.max(w, h) * s.styleScale())));
				float[] rgb = Resize.area(st.rgb, 3, st.width, st.height, sz[0], sz[1]);
				try (NDManager tmp = manager.newSubManager()) {
					Map<String, NDArray> f = vgg.features(tmp.create(rgb, new Shape(1, 3, sz[1], sz[0])), s.styleLayers().keySet());
					Map<String, NDArray> g = new HashMap<>();
					for (String l : s.styleLayers().keySet()) {
						NDArray gram = Losses.gram(f.get(l), null);
						gram.attach(manager);
						g.put(l, gram);
					}
					grams.add(g);
				}
			}
			for (String l : s.styleLayers().keySet()) {
				List<NDArray> t = new ArrayList<>();
				if (!guided) {
					double sum = styles.stream().mapToDouble(StyleImage::weight).sum();
					NDArray blend = null;
					for (int k = 0; k < styles.size(); k++) {
						NDArray part = grams.get(k).get(l).mul((float) (styles.get(k).weight / sum));
						blend = blend == null ? part : blend.add(part);
					}
					t.add(blend);
				}
				else {
					for (Region r : regions) t.add(grams.get(r.style).get(l));
				}
				styleTargets.put(l, t);
			}
			if (guided) {
				for (String l : s.styleLayers().keySet()) {
					int pools = Integer.parseInt(l.substring(l.indexOf(l.startsWith("relu") ? "relu" : "conv") + 4, l.indexOf('_'))) - 1;
					List<NDArray> ms = new ArrayList<>();
					for (float[] m : masks) {
						float[] lm = Resize.area(m, 1, fullW, fullH, w, h);
						ms.add(Losses.poolMask(manager.create(lm, new Shape(1, 1, h, w)), pools));
					}
					layerMasks.put(l, ms);
				}
			}
		}

		double evaluate(float[] x, float[] gradient) {
			try (NDManager m = manager.newSubManager(); GradientCollector gc = session.collector()) {
				NDArray img = m.create(x, new Shape(1, 3, h, w));
				img.setRequiresGradient(true);
				Map<String, NDArray> f = vgg.features(img, layers);
				NDArray content = m.zeros(new Shape());
				for (String l : s.contentLayers()) content = content.add(Losses.content(f.get(l), contentTargets.get(l)));
				NDArray style = m.zeros(new Shape());
				for (var e : s.styleLayers().entrySet()) {
					String l = e.getKey();
					List<NDArray> targets = styleTargets.get(l);
					for (int r = 0; r < targets.size(); r++) {
						NDArray g = Losses.gram(f.get(l), guided ? layerMasks.get(l).get(r) : null);
						style = style.add(Losses.style(g, targets.get(r)).mul(e.getValue().floatValue()));
					}
				}
				NDArray tv = Losses.totalVariation(img);
				NDArray total = content.mul((float) s.contentWeight()).add(style.mul((float) s.styleWeight()))
					.add(tv.mul((float) s.tvWeight()));
				gc.backward(total);
				float[] g = img.getGradient().toFloatArray();
				System.arraycopy(g, 0, gradient, 0, g.length);
				lastTerms = String.format(Locale.ROOT, "content %.3g, style %.3g, tv %.3g", content.getFloat() * s.contentWeight(),
					style.getFloat() * s.styleWeight(), tv.getFloat() * s.tvWeight());
				return total.getFloat();
			}
		}

		@Override
		public void close() {
			manager.close();
		}
	}
}
