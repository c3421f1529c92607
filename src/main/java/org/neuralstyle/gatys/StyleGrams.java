package org.neuralstyle.gatys;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.neuralstyle.Progress;
import org.neuralstyle.gatys.GatysOptimizer.StyleImage;
import org.neuralstyle.image.Resize;
import org.neuralstyle.nn.FeatureNetwork;
import org.neuralstyle.nn.Losses;
import org.neuralstyle.nn.Scalars;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.neuralstyle.gatys.GatysOptimizer.outputSize;

/**
 * The style Gram targets of one level, computed once from each style image at the style
 * scale (long side = the level's long side x styleScale): per style image and layer, and
 * blended by the style weights. A style image whose forward pass does not fit the memory
 * budget is processed in tiles whose Gram sums over their cores are added up.
 */
final class StyleGrams implements AutoCloseable {
	final NDManager manager;
	final List<Map<String, NDArray>> perStyle = new ArrayList<>();
	final Map<String, NDArray> blended = new HashMap<>();

	StyleGrams(FeatureNetwork net, GatysSettings s, List<StyleImage> styles, int w, int h, long budget, Progress progress) {
		this.manager = org.neuralstyle.nn.Engines.pytorch().newBaseManager(net.device());
		try {
			for (StyleImage st : styles) {
				int[] sz = outputSize(st.width(), st.height(), (int) Math.max(16, Math.round(Math.max(w, h) * s.styleScale())));
				float[] rgb = Resize.area(st.rgb(), 3, st.width(), st.height(), sz[0], sz[1]);
				int tile = Tiles.tileFor(net, s.styleLayers().keySet(), sz[0], sz[1], 0, budget);
				perStyle.add(tile == 0 ? grams(net, s, rgb, sz[0], sz[1]) : tiledGrams(net, s, rgb, sz[0], sz[1], tile, progress));
			}
			double sum = styles.stream().mapToDouble(StyleImage::weight).sum();
			for (String l : s.styleLayers().keySet()) {
				NDArray blend = null;
				for (int k = 0; k < styles.size(); k++) {
					NDArray part = Scalars.times(perStyle.get(k).get(l), styles.get(k).weight() / sum);
					blend = blend == null ? part : blend.add(part);
				}
				blended.put(l, blend);
			}
		}
		catch (RuntimeException e) {
			manager.close();
			throw e;
		}
	}

	private Map<String, NDArray> grams(FeatureNetwork net, GatysSettings s, float[] rgb, int w, int h) {
		try (NDManager tmp = manager.newSubManager()) {
			Map<String, NDArray> f = net.features(tmp.create(rgb, new Shape(1, 3, h, w)), s.styleLayers().keySet());
			Map<String, NDArray> g = new HashMap<>();
			for (String l : s.styleLayers().keySet()) {
				NDArray gram = Losses.gram(f.get(l), null);
				gram.attach(manager);
				g.put(l, gram);
			}
			return g;
		}
	}

	/**
	 * The Gram matrices summed over core tiles (crops with a margin of context, aligned to
	 * the network's 16-pixel pooling grid), divided by C x all positions: the whole image's
	 * Gram up to the features within a receptive field of a tile's inner edges.
	 */
	private Map<String, NDArray> tiledGrams(FeatureNetwork net, GatysSettings s, float[] rgb, int w, int h, int tile, Progress progress) {
		Map<String, NDArray> sums = new HashMap<>();
		Map<String, Long> counts = new HashMap<>();
		List<Tiles.Tile> grid = Tiles.grid(w, h, tile, 0);
		for (int i = 0; i < grid.size(); i++) {
			progress.report(0, 1, "Gatys: style Gram matrices, tile " + (i + 1) + "/" + grid.size());
			Tiles.Tile t = grid.get(i);
			try (NDManager tmp = manager.newSubManager()) {
				NDArray crop = tmp.create(Tiles.crop(rgb, 3, w, h, t), new Shape(1, 3, t.cropHeight(), t.cropWidth()));
				Map<String, NDArray> f = net.features(crop, s.styleLayers().keySet());
				for (String l : s.styleLayers().keySet()) {
					NDArray fl = f.get(l);
					int p = net.poolings(l);
					long fh = fl.getShape().get(2), fw = fl.getShape().get(3);
					long y0 = (t.y0() - t.cy0()) >> p, x0 = (t.x0() - t.cx0()) >> p;
					long y1 = Math.min(fh, (t.y1() - t.cy0()) >> p), x1 = Math.min(fw, (t.x1() - t.cx0()) >> p);
					if (y1 <= y0 || x1 <= x0) continue;
					long c = fl.getShape().get(1);
					NDArray core = fl.get(":, :, " + y0 + ":" + y1 + ", " + x0 + ":" + x1).reshape(c, (y1 - y0) * (x1 - x0));
					NDArray part = core.matMul(core.transpose());
					NDArray old = sums.get(l);
					NDArray next = old == null ? part : old.add(part);
					next.attach(manager);
					if (old != null) old.close();
					sums.put(l, next);
					counts.merge(l, (y1 - y0) * (x1 - x0), Long::sum);
				}
			}
		}
		Map<String, NDArray> g = new HashMap<>();
		for (String l : s.styleLayers().keySet()) {
			NDArray sum = sums.get(l);
			g.put(l, Scalars.over(sum, (double) sum.getShape().get(0) * counts.get(l)));
			sum.close();
		}
		return g;
	}

	@Override
	public void close() {
		manager.close();
	}
}
