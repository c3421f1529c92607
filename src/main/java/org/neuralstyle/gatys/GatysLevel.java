package org.neuralstyle.gatys;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.neuralstyle.nn.Autograd;
import org.neuralstyle.nn.FeatureNetwork;
import org.neuralstyle.nn.Losses;
import org.neuralstyle.nn.Scalars;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The loss of one image (a level's whole image or a tile's crop) with its gradient: content targets and masks of that crop. */
final class GatysLevel implements AutoCloseable {
	final FeatureNetwork net;
	final Autograd.Session session;
	final Set<String> layers;
	final GatysSettings s;
	final int w, h;
	final NDManager manager;
	final Map<String, NDArray> contentTargets = new HashMap<>();
	/** Per style layer: the blended Gram target (no regions) or one target per region (null: the region is not in this crop). */
	final Map<String, List<NDArray>> styleTargets = new HashMap<>();
	/** The factor of each content term and of each style target's term ({@link FeatureNetwork#termScale}). */
	final Map<String, Double> contentScales = new HashMap<>();
	final Map<String, double[]> styleScales = new HashMap<>();
	/** Per style layer: the region masks at that layer's resolution. */
	final Map<String, List<NDArray>> layerMasks = new HashMap<>();
	final boolean guided;
	/**
	 * Style layers whose Gram matrix is summed over bands of rows ({@link #bandGrams}): full-size maps
	 * above {@link #bandAbove}, in bands of about {@link #bandBytes}. The first level of the offline pyramid is 96 channels at the image's
	 * size, 101 MB at 512 x 512: above glibc's 64 MB heaps every evaluation maps it afresh and the
	 * kernel zero-fills it (README, "The offline feature network"); in bands each piece is reused.
	 */
	final Set<String> banded = new java.util.HashSet<>();
	/** Full-size maps above this many bytes are computed in bands (close to glibc's 64 MB heaps; a seam for tests). */
	static long bandAbove = 48L << 20;
	/** The size of a band's map (a seam for tests). */
	static long bandBytes = 16L << 20;
	String lastTerms = "";

	/**
	 * @param masks        region masks at w x h (empty: no regions)
	 * @param regionStyles each region's style image index
	 */
	GatysLevel(FeatureNetwork net, Autograd.Session session, Set<String> layers, GatysSettings s, float[] content, int w, int h, StyleGrams grams,
		List<float[]> masks, List<Integer> regionStyles)
	{
		this.net = net;
		this.session = session;
		this.layers = layers;
		this.s = s;
		this.w = w;
		this.h = h;
		this.guided = !masks.isEmpty();
		this.manager = org.neuralstyle.nn.Engines.pytorch().newBaseManager(net.device());
		NDArray c = manager.create(content, new Shape(1, 3, h, w));
		Map<String, NDArray> cf = net.features(c, Set.copyOf(s.contentLayers()));
		for (String l : s.contentLayers()) {
			contentTargets.put(l, cf.get(l));
			contentScales.put(l, FeatureNetwork.termScale(net, cf.get(l)));
		}
		boolean[] present = new boolean[masks.size()];
		for (int r = 0; r < masks.size(); r++) for (float v : masks.get(r)) present[r] |= v > 0;
		for (String l : s.styleLayers().keySet()) {
			List<NDArray> t = new ArrayList<>();
			if (!guided) t.add(grams.blended.get(l));
			else for (int r = 0; r < masks.size(); r++) t.add(present[r] ? grams.perStyle.get(regionStyles.get(r)).get(l) : null);
			styleTargets.put(l, t);
			double[] scales = new double[t.size()];
			for (int r = 0; r < scales.length; r++) scales[r] = t.get(r) == null ? 0 : FeatureNetwork.termScale(net, t.get(r));
			styleScales.put(l, scales);
			long channels = t.stream().filter(java.util.Objects::nonNull).findFirst().map(g -> g.getShape().get(0)).orElse(0L);
			if (!s.contentLayers().contains(l) && net.rowRadius(l) >= 0 && channels * w * h * 4 > bandAbove && h > 1) banded.add(l);
		}
		if (guided) {
			for (String l : s.styleLayers().keySet()) {
				List<NDArray> ms = new ArrayList<>();
				for (float[] m : masks) ms.add(Losses.poolMask(manager.create(m, new Shape(1, 1, h, w)), net.poolings(l)));
				layerMasks.put(l, ms);
			}
		}
	}

	double evaluate(float[] x, float[] gradient) {
		try (NDManager m = manager.newSubManager(); GradientCollector gc = session.collector()) {
			NDArray img = m.create(x, new Shape(1, 3, h, w));
			img.setRequiresGradient(true);
			Set<String> whole = new java.util.HashSet<>(layers);
			whole.removeAll(banded);
			Map<String, NDArray> f = net.features(img, whole);
			NDArray content = m.zeros(new Shape());
			for (String l : s.contentLayers()) {
				content = content.add(Scalars.times(Losses.content(f.get(l), contentTargets.get(l)), contentScales.get(l)));
			}
			NDArray style = m.zeros(new Shape());
			for (var e : s.styleLayers().entrySet()) {
				String l = e.getKey();
				List<NDArray> targets = styleTargets.get(l);
				List<NDArray> bands = banded.contains(l) ? bandGrams(img, l) : null;
				for (int r = 0; r < targets.size(); r++) {
					if (targets.get(r) == null) continue; // a region outside this tile
					NDArray g = bands != null ? bands.get(r) : Losses.gram(f.get(l), guided ? layerMasks.get(l).get(r) : null);
					style = style.add(Scalars.times(Losses.style(g, targets.get(r)), e.getValue() * styleScales.get(l)[r]));
				}
			}
			NDArray tv = Losses.totalVariation(img);
			NDArray total = Scalars.times(content, s.contentWeight()).add(Scalars.times(style, s.styleWeight()))
				.add(Scalars.times(tv, s.tvWeight()));
			session.backward(gc, total);
			float[] g = img.getGradient().toFloatArray();
			System.arraycopy(g, 0, gradient, 0, g.length);
			lastTerms = String.format(Locale.ROOT, "content %.3g, style %.3g, tv %.3g", content.getFloat() * s.contentWeight(),
				style.getFloat() * s.styleWeight(), tv.getFloat() * s.tvWeight());
			return total.getFloat();
		}
	}

	/**
	 * The Gram matrix of full-size layer {@code l} (one per region target, guided by its mask, or
	 * one), as {@link Losses#gram} computes it on the whole map, but summed over bands of rows: each
	 * band's map from the image's rows widened by the layer's {@link FeatureNetwork#rowRadius} (so
	 * the band's own rows see exactly what they see in the whole image; the image's top and bottom
	 * are padded as in the whole image), cut back to the band. Gradients flow through the slices.
	 */
	List<NDArray> bandGrams(NDArray img, String l) {
		List<NDArray> targets = styleTargets.get(l);
		long c = targets.stream().filter(java.util.Objects::nonNull).findFirst().orElseThrow().getShape().get(0);
		int radius = net.rowRadius(l);
		int rows = (int) Math.max(8, Math.min(h, bandBytes / Math.max(1, c * w * 4)));
		NDArray[] sums = new NDArray[targets.size()];
		for (int y0 = 0; y0 < h; y0 += rows) {
			int y1 = Math.min(h, y0 + rows), a = Math.max(0, y0 - radius), b = Math.min(h, y1 + radius);
			try (NDArray band = img.get(":, :, " + a + ":" + b + ", :")) {
				NDArray fl = net.features(band, Set.of(l)).get(l);
				try (NDArray core = fl.get(":, :, " + (y0 - a) + ":" + (y1 - a) + ", :")) {
					for (int r = 0; r < targets.size(); r++) {
						if (targets.get(r) == null) continue;
						NDArray part;
						if (!guided) part = Losses.gramSum(core);
						else {
							try (NDArray m = layerMasks.get(l).get(r).get(":, :, " + y0 + ":" + y1 + ", :"); NDArray fm = core.mul(m)) {
								part = Losses.gramSum(fm);
							}
						}
						sums[r] = sums[r] == null ? part : sums[r].add(part);
					}
				}
			}
		}
		List<NDArray> out = new ArrayList<>();
		for (int r = 0; r < targets.size(); r++) {
			out.add(sums[r] == null ? null : Losses.gramNormalised(sums[r], c, (long) w * h, guided ? layerMasks.get(l).get(r) : null));
		}
		return out;
	}

	@Override
	public void close() {
		manager.close();
	}
}
