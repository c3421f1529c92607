package org.neuralstyle.gatys;

import org.neuralstyle.nn.FeatureNetwork;
import org.neuralstyle.nn.Vgg;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every setting of a Gatys run, validated. Defaults (see {@link #defaults(boolean)}) follow
 * Gatys et al. 2016: content at relu4_2, style at relu1_1 ... relu5_1 with equal weights,
 * L-BFGS, initialised from the content image.
 */
public record GatysSettings(
	List<String> contentLayers,
	Map<String, Double> styleLayers,
	double contentWeight,
	double styleWeight,
	double tvWeight,
	Method method,
	double learningRate,
	int history,
	int iterations,
	int size,
	double styleScale,
	Init init,
	double initBlend,
	long seed,
	int levels,
	ColourMode colour,
	int previewEvery,
	int tile)
{
	public enum Method { LBFGS, ADAM }

	/** Start from the content image, from uniform noise, or a blend (initBlend = noise fraction). */
	public enum Init { CONTENT, NOISE, BLEND }

	/** none; luminance-only transfer (content keeps its colours); or style colours matched to the content's. */
	public enum ColourMode { NONE, LUMINANCE, MATCH }

	public GatysSettings {
		// empty layer lists: the feature network's defaults, filled in by withNetworkDefaults
		if (contentLayers == null) contentLayers = List.of();
		if (styleLayers == null) styleLayers = Map.of();
		contentLayers = List.copyOf(contentLayers);
		// insertion order kept: the style terms are summed in this order, and Map.copyOf's order changes between JVMs
		styleLayers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(styleLayers));
		for (double w : styleLayers.values()) if (!(w >= 0)) throw new IllegalArgumentException("style layer weights must be >= 0");
		for (double x : new double[] { contentWeight, styleWeight, tvWeight }) {
			if (!(x >= 0) && !Double.isNaN(x)) throw new IllegalArgumentException("loss weights must be zero or positive");
		}
		if (iterations < 1 || iterations > 100_000) throw new IllegalArgumentException("iterations must be 1..100000, got " + iterations);
		if (size < 16 || size > 8192) throw new IllegalArgumentException("size must be 16..8192 pixels (the long side), got " + size);
		if (!(styleScale > 0.05 && styleScale <= 8)) throw new IllegalArgumentException("style scale must be in (0.05, 8], got " + styleScale);
		if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be positive");
		if (history < 1 || history > 100) throw new IllegalArgumentException("L-BFGS history must be 1..100");
		if (!(initBlend >= 0 && initBlend <= 1)) throw new IllegalArgumentException("init blend must be in [0, 1]");
		if (levels < 1 || levels > 5) throw new IllegalArgumentException("levels must be 1..5");
		if (previewEvery < 0) throw new IllegalArgumentException("preview interval must be >= 0");
		if (tile != 0 && (tile < MIN_TILE || tile > 8192)) {
			throw new IllegalArgumentException("tile must be 0 (automatic: tiles only when the memory budget requires them) or "
				+ MIN_TILE + "..8192 pixels, got " + tile);
		}
		if (method == null) method = Method.LBFGS;
		if (init == null) init = Init.CONTENT;
		if (colour == null) colour = ColourMode.NONE;
	}

	/** The smallest tile side: four poolings still leave a few positions for the deepest Gram matrix. */
	public static final int MIN_TILE = 32;

	public static final List<String> STYLE_LAYERS = Vgg.GATYS_LAYERS.style();

	/**
	 * Defaults for a pretrained VGG (style weight 1e6 and content weight 1, the usual values
	 * for this normalisation) or for the random-weight VGG (network=random-vgg), whose features
	 * have another scale (style 1e5, tv 0.5: chosen by eye on chelsea.png with starry_night.jpg
	 * at 200 px).
	 */
	public static GatysSettings defaults(boolean pretrained) {
		Map<String, Double> layers = new LinkedHashMap<>();
		for (String l : STYLE_LAYERS) layers.put(l, 1.0 / STYLE_LAYERS.size());
		return new GatysSettings(Vgg.GATYS_LAYERS.content(), layers, 1, pretrained ? 1e6 : 1e5, pretrained ? 1 : 0.5, Method.LBFGS, 0.02,
			10, 200, 384, 1, Init.CONTENT, 0.5, 0, 1, ColourMode.NONE, 0, 0);
	}

	public static <E extends Enum<E>> E parseEnum(Class<E> type, String text, String what) {
		String t = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
		if (t.equals("L_BFGS")) t = "LBFGS";
		try {
			return Enum.valueOf(type, t);
		}
		catch (IllegalArgumentException e) {
			StringBuilder sb = new StringBuilder();
			for (E c : type.getEnumConstants()) sb.append(sb.length() > 0 ? ", " : "").append(c.name().toLowerCase(Locale.ROOT));
			throw new IllegalArgumentException(what + " must be one of " + sb + ", got '" + text + "'");
		}
	}

	/**
	 * Defaults for a feature network: {@link #defaults(boolean)} for VGG (pretrained or random);
	 * for the offline pyramid ({@link FeatureNetwork#relativeLosses()}: every term relative to its
	 * target) its own layers, style weight 1e3 and total variation 0.5 (chosen by comparison, see
	 * the README's "The offline feature network").
	 */
	public static GatysSettings defaults(FeatureNetwork net) {
		if (!net.relativeLosses()) return defaults(net.isPretrained());
		FeatureNetwork.DefaultLayers l = net.gatysLayers();
		Map<String, Double> layers = new LinkedHashMap<>();
		for (String x : l.style()) layers.put(x, 1.0 / l.style().size());
		GatysSettings d = defaults(false);
		return new GatysSettings(l.content(), layers, 1, PYRAMID_STYLE_WEIGHT, PYRAMID_TV_WEIGHT, d.method, d.learningRate, d.history,
			d.iterations, d.size, d.styleScale, d.init, d.initBlend, d.seed, d.levels, d.colour, d.previewEvery, d.tile);
	}

	static final double PYRAMID_STYLE_WEIGHT = 1e3;
	static final double PYRAMID_TV_WEIGHT = 0.5;

	/** Whether the layers are given (not left to the network's defaults). */
	public boolean layersResolved() {
		return !contentLayers.isEmpty() && !styleLayers.isEmpty();
	}

	/** NaN loss weights and empty layer lists mean "the default for this network": filled in here. */
	public GatysSettings withNetworkDefaults(FeatureNetwork net) {
		GatysSettings d = defaults(net);
		List<String> cl = contentLayers.isEmpty() ? d.contentLayers : contentLayers;
		Map<String, Double> sl = styleLayers.isEmpty() ? d.styleLayers : styleLayers;
		for (String l : cl) net.poolings(l); // an unknown layer: a message naming the network's layers
		for (String l : sl.keySet()) net.poolings(l);
		return new GatysSettings(cl, sl, Double.isNaN(contentWeight) ? d.contentWeight : contentWeight,
			Double.isNaN(styleWeight) ? d.styleWeight : styleWeight, Double.isNaN(tvWeight) ? d.tvWeight : tvWeight, method,
			learningRate, history, iterations, size, styleScale, init, initBlend, seed, levels, colour, previewEvery, tile);
	}

	public GatysSettings withSize(int n) {
		return new GatysSettings(contentLayers, styleLayers, contentWeight, styleWeight, tvWeight, method, learningRate, history,
			iterations, n, styleScale, init, initBlend, seed, levels, colour, previewEvery, tile);
	}

	public GatysSettings withIterations(int n) {
		return new GatysSettings(contentLayers, styleLayers, contentWeight, styleWeight, tvWeight, method, learningRate, history, n,
			size, styleScale, init, initBlend, seed, levels, colour, previewEvery, tile);
	}

	/** Tile side in pixels (0: automatic, by the memory budget). */
	public GatysSettings withTile(int n) {
		return new GatysSettings(contentLayers, styleLayers, contentWeight, styleWeight, tvWeight, method, learningRate, history,
			iterations, size, styleScale, init, initBlend, seed, levels, colour, previewEvery, n);
	}
}
