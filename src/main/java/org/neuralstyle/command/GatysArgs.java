package org.neuralstyle.command;

import org.neuralstyle.gatys.GatysSettings;
import org.neuralstyle.nn.Vgg;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The Gatys settings as macro options, shared by every door. Keys (defaults): iterations (200),
 * size (384: the long side of the result), content_weight, style_weight, tv_weight (empty: the
 * network's default), optimizer (lbfgs|adam), learning_rate (0.02, Adam), history (10,
 * L-BFGS), init (content|noise|blend), noise (0.5: the noise fraction of blend), seed (0),
 * levels (1: coarse-to-fine levels), colour (none|luminance|match), style_scale (1),
 * style_layers (relu1_1,relu2_1,relu3_1,relu4_1,relu5_1), content_layers (relu4_2),
 * preview (0: every N iterations), network (auto|vgg19|vgg16|offline), pooling (default|max|average),
 * tile (0: automatic, tiles only when the memory budget requires them; N: optimise in tiles of N pixels).
 */
final class GatysArgs {

	static final Set<String> KEYS = Set.of("iterations", "size", "content_weight", "style_weight", "tv_weight", "optimizer",
		"learning_rate", "history", "init", "noise", "seed", "levels", "colour", "style_scale", "style_layers", "content_layers",
		"preview", "network", "pooling", "tile");

	private GatysArgs() {}

	static GatysSettings settings(Function<String, String> get) {
		GatysSettings d = GatysSettings.defaults(true);
		Map<String, Double> styleLayers = new LinkedHashMap<>();
		List<String> sl = list(get.apply("style_layers"), GatysSettings.STYLE_LAYERS);
		for (String l : sl) styleLayers.put(l, 1.0 / sl.size());
		return new GatysSettings(list(get.apply("content_layers"), d.contentLayers()), styleLayers,
			number(get, "content_weight", Double.NaN), number(get, "style_weight", Double.NaN), number(get, "tv_weight", Double.NaN),
			GatysSettings.parseEnum(GatysSettings.Method.class, or(get.apply("optimizer"), "lbfgs"), "optimizer"),
			number(get, "learning_rate", d.learningRate()), (int) number(get, "history", d.history()),
			(int) number(get, "iterations", d.iterations()), (int) number(get, "size", d.size()),
			number(get, "style_scale", d.styleScale()),
			GatysSettings.parseEnum(GatysSettings.Init.class, or(get.apply("init"), "content"), "init"),
			number(get, "noise", d.initBlend()), (long) number(get, "seed", 0), (int) number(get, "levels", 1),
			GatysSettings.parseEnum(GatysSettings.ColourMode.class, or(get.apply("colour"), "none"), "colour"),
			(int) number(get, "preview", 0), (int) number(get, "tile", 0));
	}

	static Vgg.Pooling pooling(String s) {
		if (s == null || s.isBlank() || s.equalsIgnoreCase("default")) return null;
		return GatysSettings.parseEnum(Vgg.Pooling.class, s, "pooling");
	}

	static String or(String v, String fallback) {
		return v == null || v.isBlank() ? fallback : v;
	}

	static double number(Function<String, String> get, String key, double fallback) {
		String v = get.apply(key);
		if (v == null || v.isBlank()) return fallback;
		try {
			return Double.parseDouble(v.trim());
		}
		catch (NumberFormatException e) {
			throw new IllegalArgumentException(key + " must be a number, got '" + v + "'");
		}
	}

	static double[] weights(String v, int count) {
		if (v == null || v.isBlank()) return null;
		String[] parts = v.split(",");
		double[] w = new double[parts.length];
		for (int i = 0; i < parts.length; i++) {
			try {
				w[i] = Double.parseDouble(parts[i].trim());
			}
			catch (NumberFormatException e) {
				throw new IllegalArgumentException("style_weights must be numbers separated by commas, got '" + v + "'");
			}
		}
		if (w.length != count) {
			throw new IllegalArgumentException(count + " style image(s) but " + w.length + " style weight(s): " + Arrays.toString(w));
		}
		return w;
	}

	private static List<String> list(String v, List<String> fallback) {
		if (v == null || v.isBlank()) return fallback;
		return Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
	}
}
