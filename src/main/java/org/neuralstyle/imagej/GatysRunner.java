package org.neuralstyle.imagej;

import ai.djl.Device;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.process.ColorProcessor;

import org.neuralstyle.Progress;
import org.neuralstyle.gatys.FeatureNetworks;
import org.neuralstyle.gatys.GatysOptimizer;
import org.neuralstyle.gatys.GatysSettings;
import org.neuralstyle.image.RegionMasks;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.FeatureNetwork;
import org.neuralstyle.nn.MemoryBudget;
import org.neuralstyle.nn.Vgg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Gatys style transfer on ImageJ images: the current plane of the content image, one or more
 * style images with blend weights, optional regions each with its own style image. The result
 * is a new RGB image at the working size (long side = size).
 */
public final class GatysRunner {

	/** network: auto, vgg19, vgg16, offline; pooling null = the network's default. */
	public record Request(String network, Vgg.Pooling pooling, boolean download, GatysSettings settings, double[] styleWeights,
		String regionStyles, boolean keepOutside, double feather, Engines.DeviceChoice device, EngineSettings engine)
	{
		/**
		 * The settings every door reads (defaults): iterations (200), size (384: the long side of the
		 * result), content_weight, style_weight, tv_weight (empty: the network's default), optimizer
		 * (lbfgs|adam), learning_rate (0.02, Adam), history (10, L-BFGS), init (content|noise|blend),
		 * noise (0.5: the noise fraction of blend), seed (0), levels (1: coarse-to-fine levels), colour
		 * (none|luminance|match), style_scale (1), style_layers and content_layers (empty: the
		 * network's: VGG relu1_1,...,relu5_1 and relu4_2; offline scale1,...,scale5 and scale3), preview
		 * (0: every N iterations), network (auto|vgg19|vgg16|offline|random-vgg), pooling
		 * (default|max|average), tile (0: automatic), style_weights (the blend of the style images),
		 * styles (ROI_NAME:N), outside (content|keep), feather (4), download (false), device. Doors
		 * add where the content, style images and regions come from.
		 */
		public static final Set<String> KEYS = Set.of("iterations", "size", "content_weight", "style_weight", "tv_weight", "optimizer",
			"learning_rate", "history", "init", "noise", "seed", "levels", "colour", "style_scale", "style_layers", "content_layers",
			"preview", "network", "pooling", "tile", "style_weights", "styles", "outside", "feather", "download", "device");

		public Request {
			if (settings == null) throw new IllegalArgumentException("no settings");
			if (device == null) device = Engines.DeviceChoice.AUTO;
			if (!(feather >= 0) || feather > 1000) throw new IllegalArgumentException("feather must be between 0 and 1000 pixels");
			if (engine == null) throw new IllegalArgumentException("no engine settings");
		}

		/** With the plugin settings in effect now ({@link Settings#current()}). */
		public Request(String network, Vgg.Pooling pooling, boolean download, GatysSettings settings, double[] styleWeights,
			String regionStyles, boolean keepOutside, double feather, Engines.DeviceChoice device)
		{
			this(network, pooling, download, settings, styleWeights, regionStyles, keepOutside, feather, device, Settings.current());
		}

		/** The request for {@code styleCount} style images from the options (keys: {@link #KEYS}). */
		public static Request from(Options o, int styleCount, EngineSettings engine) {
			GatysSettings d = GatysSettings.defaults(true);
			Map<String, Double> styleLayers = new LinkedHashMap<>();
			List<String> sl = o.list("style_layers", List.of()); // none given: the network's (FeatureNetwork.gatysLayers)
			for (String l : sl) styleLayers.put(l, 1.0 / sl.size());
			GatysSettings s = new GatysSettings(o.list("content_layers", List.of()), styleLayers,
				o.number("content_weight", Double.NaN), o.number("style_weight", Double.NaN), o.number("tv_weight", Double.NaN),
				GatysSettings.parseEnum(GatysSettings.Method.class, o.get("optimizer", "lbfgs"), "optimizer"),
				o.number("learning_rate", d.learningRate()), o.integer("history", d.history()), o.integer("iterations", d.iterations()),
				o.integer("size", d.size()), o.number("style_scale", d.styleScale()),
				GatysSettings.parseEnum(GatysSettings.Init.class, o.get("init", "content"), "init"), o.number("noise", d.initBlend()),
				o.whole("seed", 0), o.integer("levels", 1),
				GatysSettings.parseEnum(GatysSettings.ColourMode.class, o.get("colour", "none"), "colour"), o.integer("preview", 0),
				o.integer("tile", 0));
			String pooling = o.get("pooling", "default");
			Vgg.Pooling pool = pooling.equalsIgnoreCase("default") ? null : GatysSettings.parseEnum(Vgg.Pooling.class, pooling, "pooling");
			String outside = o.choice("outside", "content", "content", "keep");
			return new Request(o.choice("network", "auto", FeatureNetworks.CHOICES), pool, o.flag("download", false), s,
				weights(o.get("style_weights", null), styleCount), o.get("styles", ""), outside.equals("keep"),
				o.number("feather", RegionStyleRunner.DEFAULT_FEATHER), o.device(engine.device()), engine);
		}

		private static double[] weights(String v, int count) {
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
	}

	private GatysRunner() {}

	/**
	 * @param preview receives the current image every settings.previewEvery iterations (may be null)
	 * @param log     user-facing messages (network choice, download)
	 */
	public static ImagePlus apply(ImagePlus content, List<ImagePlus> styles, List<Roi> rois, Request r, Progress progress,
		Consumer<ImagePlus> preview, Consumer<String> log) throws Exception
	{
		if (content == null) throw new IllegalArgumentException("no content image: open an image first");
		if (styles == null || styles.isEmpty()) throw new IllegalArgumentException("no style image given");
		if (r.styleWeights() != null && r.styleWeights().length != styles.size()) {
			throw new IllegalArgumentException(styles.size() + " style image(s) but " + r.styleWeights().length + " weight(s)");
		}
		// before anything large is allocated: the input copies and the result must fit the Java heap (the
		// optimisation itself is tiled to fit the memory budget, see Tiles)
		MemoryBudget.checkHeap(content.getWidth(), content.getHeight());
		for (ImagePlus s : styles) MemoryBudget.checkHeap(s.getWidth(), s.getHeight());
		int[] out = org.neuralstyle.gatys.GatysOptimizer.outputSize(content.getWidth(), content.getHeight(), r.settings().size());
		MemoryBudget.checkHeap(out[0], out[1]);
		Engines.configure(r.engine());
		return Engines.withPluginClassLoader(() -> run(content, styles, rois, r, progress, preview, log));
	}

	private static ImagePlus run(ImagePlus content, List<ImagePlus> styleImps, List<Roi> rois, Request r, Progress progress,
		Consumer<ImagePlus> preview, Consumer<String> log) throws Exception
	{
		Device device = Engines.device(r.device());
		FeatureNetwork net = FeatureNetworks.get(r.network(), r.pooling(), r.download(), r.engine().modelsFolder(), device, progress, log);
		GatysSettings s = r.settings().withNetworkDefaults(net);
		log.accept("Feature network: " + net.description());
		int w = content.getWidth(), h = content.getHeight();
		float[] c = ImagePlanes.rgb(content, content.getCurrentSlice());
		List<GatysOptimizer.StyleImage> styles = new ArrayList<>();
		for (int i = 0; i < styleImps.size(); i++) {
			ImagePlus st = styleImps.get(i);
			double weight = r.styleWeights() == null ? 1 : r.styleWeights()[i];
			if (!(weight >= 0)) throw new IllegalArgumentException("style weights must be zero or positive");
			styles.add(new GatysOptimizer.StyleImage(ImagePlanes.rgb(st, st.getCurrentSlice()), st.getWidth(), st.getHeight(), weight));
		}
		List<GatysOptimizer.Region> regions = new ArrayList<>();
		if (rois != null && !rois.isEmpty()) {
			List<Integer> index = assign(rois, r.regionStyles(), styleImps);
			List<float[]> masks = new ArrayList<>();
			for (int i = 0; i < rois.size(); i++) {
				masks.add(RegionMasks.feather(RegionMasks.values(RoiMasks.mask(rois.get(i), RoiMasks.name(rois.get(i), i), w, h)), w, h,
					r.feather()));
			}
			List<float[]> norm = RegionMasks.normalise(masks, w * h);
			for (int i = 0; i < rois.size(); i++) regions.add(new GatysOptimizer.Region(norm.get(i), index.get(i)));
		}
		GatysOptimizer.Preview pv = preview == null ? null
			: (rgb, pw, ph, it, loss) -> preview.accept(new ImagePlus("Gatys preview (iteration " + it + ")", toProcessor(rgb, pw, ph)));
		GatysOptimizer.Result res = GatysOptimizer.run(net, c, w, h, styles, regions, r.keepOutside(), s, progress, pv,
			MemoryBudget.bytes(device, r.engine()));
		String title = content.getShortTitle() + "-gatys" + (res.cancelled() ? " (cancelled at iteration " + res.iterations() + ")" : "");
		ImagePlus out = new ImagePlus(title, toProcessor(res.rgb(), res.width(), res.height()));
		var cal = content.getCalibration().copy();
		cal.pixelWidth *= (double) w / res.width();
		cal.pixelHeight *= (double) h / res.height();
		out.setCalibration(cal);
		if (!res.tiling().isEmpty()) log.accept("Gatys: optimised in " + res.tiling() + " (the memory budget or tile=)");
		out.setProperty("Info", String.format(Locale.ROOT, "Gatys style transfer: %d iterations, final loss %.5g, network %s%s",
			res.iterations(), res.loss(), net.description(), res.tiling().isEmpty() ? "" : ", " + res.tiling()));
		return out;
	}

	/** Each ROI's style image: by a 1-based number or by the image's title (without extension), from the mapping or the ROI's name. */
	static List<Integer> assign(List<Roi> rois, String mapping, List<ImagePlus> styles) {
		java.util.Map<String, String> map = RegionMapping.parse(mapping);
		List<String> names = new ArrayList<>();
		for (ImagePlus s : styles) names.add(s.getShortTitle());
		List<Integer> out = new ArrayList<>();
		java.util.Set<String> roiNames = new java.util.HashSet<>();
		for (int i = 0; i < rois.size(); i++) {
			String name = RoiMasks.name(rois.get(i), i);
			roiNames.add(name);
			String key = map.getOrDefault(name, rois.get(i).getProperty("style") != null ? rois.get(i).getProperty("style") : name);
			int idx = names.indexOf(key);
			if (idx < 0) {
				try {
					idx = Integer.parseInt(key.trim()) - 1;
				}
				catch (NumberFormatException e) {
					idx = -1;
				}
			}
			if (idx < 0 || idx >= styles.size()) {
				throw new IllegalArgumentException("region '" + name + "' has no style image: map it with styles=" + name
					+ ":N (N = 1.." + styles.size() + ") or name it after a style image. Style images: " + String.join(", ", names));
			}
			out.add(idx);
		}
		for (String k : map.keySet()) {
			if (!roiNames.contains(k)) throw new IllegalArgumentException("styles= names region '" + k + "' but there is no such ROI");
		}
		return out;
	}

	static ColorProcessor toProcessor(float[] rgb, int w, int h) {
		try (var m = org.neuralstyle.nn.Engines.pytorch().newBaseManager(Device.cpu())) {
			return ImagePlanes.toColorProcessor(m.create(rgb, new ai.djl.ndarray.types.Shape(3, h, w)));
		}
	}
}
