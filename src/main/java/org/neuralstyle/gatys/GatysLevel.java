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
			Map<String, NDArray> f = net.features(img, layers);
			NDArray content = m.zeros(new Shape());
			for (String l : s.contentLayers()) {
				content = content.add(Scalars.times(Losses.content(f.get(l), contentTargets.get(l)), contentScales.get(l)));
			}
			NDArray style = m.zeros(new Shape());
			for (var e : s.styleLayers().entrySet()) {
				String l = e.getKey();
				List<NDArray> targets = styleTargets.get(l);
				for (int r = 0; r < targets.size(); r++) {
					if (targets.get(r) == null) continue; // a region outside this tile
					NDArray g = Losses.gram(f.get(l), guided ? layerMasks.get(l).get(r) : null);
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

	@Override
	public void close() {
		manager.close();
	}
}
