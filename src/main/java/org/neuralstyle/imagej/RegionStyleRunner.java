package org.neuralstyle.imagej;

import ai.djl.Device;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;

import org.neuralstyle.Progress;
import org.neuralstyle.image.RegionMasks;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.MemoryBudget;
import org.neuralstyle.nn.NativeMemory;
import org.neuralstyle.stylebank.DefaultModel;
import org.neuralstyle.stylebank.ModelCache;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;
import org.neuralstyle.stylebank.TiledInference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Region-specific styles (StyleBank Eq. 6): each ImageJ region gets its own style (or mix),
 * fused in feature space so that borders blend. Outside all regions the image keeps its
 * original pixels, is reconstructed, or gets a background style.
 */
public final class RegionStyleRunner {

	/** What to do outside every region. */
	public record Outside(StyleMix mix, boolean keepOriginal) {
		public static Outside parse(String text, StyleBankModel model) {
			String t = text == null || text.isBlank() ? "keep" : text.trim();
			return switch (t.toLowerCase(Locale.ROOT)) {
				case "keep" -> new Outside(StyleMix.reconstruction(), true);
				case "reconstruct", "reconstruction" -> new Outside(StyleMix.reconstruction(), false);
				default -> new Outside(StyleMix.parse(t, model), false);
			};
		}
	}

	/**
	 * model; styles: "ROI NAME:STYLE,..." (blank: each ROI's "style" property, else its name);
	 * outside: keep, reconstruct or a style; feather radius in pixels; fusion mode; device.
	 */
	public record Request(Path model, String styles, String outside, double feather,
		StyleBankNetwork.Fusion fusion, Engines.DeviceChoice device, EngineSettings settings)
	{
		/** The options every door reads for this function (doors add where the regions come from, files, in_place). */
		public static final Set<String> KEYS = Set.of("model", "styles", "outside", "feather", "fusion", "device");

		public Request {
			if (model == null) throw new IllegalArgumentException("no model given: choose a StyleBank model folder or .zip");
			if (!(feather >= 0) || feather > 1000) throw new IllegalArgumentException("feather must be between 0 and 1000 pixels, got " + feather);
			if (fusion == null) fusion = StyleBankNetwork.Fusion.WHOLE_IMAGE;
			if (device == null) device = Engines.DeviceChoice.AUTO;
			if (settings == null) throw new IllegalArgumentException("no settings");
		}

		/** With the settings in effect now ({@link Settings#current()}). */
		public Request(Path model, String styles, String outside, double feather, StyleBankNetwork.Fusion fusion,
			Engines.DeviceChoice device)
		{
			this(model, styles, outside, feather, fusion, device, Settings.current());
		}

		/** model, styles (ROI_NAME:STYLE,...), outside (keep, reconstruct or a style), feather, fusion, device. */
		public static Request from(Options o, EngineSettings settings) throws java.io.IOException {
			return new Request(DefaultModel.resolve(o.get("model", ""), settings.modelsFolder()), o.get("styles", ""),
				o.get("outside", "keep"), o.number("feather", DEFAULT_FEATHER), StyleBankNetwork.Fusion.parse(o.get("fusion", "")),
				o.device(settings.device()), settings);
		}
	}

	/** Feather radius in pixels used when none is given, in every door. */
	public static final double DEFAULT_FEATHER = 4;

	private RegionStyleRunner() {}

	public static ImagePlus apply(ImagePlus source, List<Roi> rois, Request request, Progress progress) throws Exception {
		if (source == null) throw new IllegalArgumentException("no image: open an image first");
		if (rois == null || rois.isEmpty()) throw new IllegalArgumentException("no regions given");
		if (!Files.exists(request.model())) {
			throw new IllegalArgumentException("model not found: " + request.model() + " (choose a StyleBank model folder or .zip)");
		}
		MemoryBudget.checkHeap(source.getWidth(), source.getHeight());
		Engines.configure(request.settings());
		return Engines.withPluginClassLoader(() -> run(source, rois, request, progress));
	}

	/** Which style each ROI gets: from the mapping, else its "style" property, else its name. */
	public static List<StyleMix> assign(List<Roi> rois, String mappingText, StyleBankModel model) {
		Map<String, String> mapping = RegionMapping.parse(mappingText);
		Set<String> names = new LinkedHashSet<>();
		List<StyleMix> out = new ArrayList<>();
		for (int i = 0; i < rois.size(); i++) {
			Roi roi = rois.get(i);
			String name = RoiMasks.name(roi, i);
			names.add(name);
			String style = mapping.get(name);
			if (style == null && roi.getProperty("style") != null && !roi.getProperty("style").isBlank()) style = roi.getProperty("style");
			if (style == null && model.style(name) != null) style = name;
			if (style == null) {
				throw new IllegalArgumentException("region '" + name + "' has no style: name the ROI after a style, give it a "
					+ "'style' property, or map it with styles=" + name + ":STYLE. Available styles: " + model.styleList());
			}
			try {
				out.add(StyleMix.parse(style, model));
			}
			catch (IllegalArgumentException e) {
				throw new IllegalArgumentException("region '" + name + "': " + e.getMessage());
			}
		}
		for (String key : mapping.keySet()) {
			if (!names.contains(key)) {
				throw new IllegalArgumentException("styles= names region '" + key + "' but there is no such ROI. Regions: "
					+ String.join(", ", names));
			}
		}
		return out;
	}

	private static ImagePlus run(ImagePlus source, List<Roi> rois, Request request, Progress progress) throws Exception {
		progress.report(0, 1, "Loading model " + request.model().getFileName());
		Device device = Engines.device(request.device());
		StyleBankNetwork net = ModelCache.network(request.model(), device, request.settings().half().on(device));
		StyleBankModel model = net.model();
		List<StyleMix> styles = assign(rois, request.styles(), model);
		Outside outside = Outside.parse(request.outside(), model);
		int w = source.getWidth(), h = source.getHeight();
		for (int i = 0; i < rois.size(); i++) RoiMasks.mask(rois.get(i), RoiMasks.name(rois.get(i), i), w, h); // fail early

		long budget = MemoryBudget.forImage(device, request.settings(), w, h);
		int tile = TiledInference.tileSize(w, h, model.channels()[0], budget, device.isGpu());
		// fast tiling where tiles are needed for memory; tiles chosen for speed alone stay exact
		boolean fast = request.settings().tiling() == EngineSettings.Tiling.FAST && TiledInference.needsTiles(w, h, model.channels()[0], budget);
		int n = source.getStackSize();
		ImageStack out = new ImageStack(w, h);
		Map<List<Integer>, PlaneMasks> cache = new HashMap<>();
		for (int p = 1; p <= n; p++) {
			progress.checkCancelled();
			progress.report(p - 1, n, "Stylizing regions" + (n > 1 ? ", slice " + p + "/" + n : ""));
			List<Integer> active = new ArrayList<>();
			for (int i = 0; i < rois.size(); i++) if (RoiMasks.appliesTo(rois.get(i), source, p)) active.add(i);
			PlaneMasks masks = cache.computeIfAbsent(active, a -> planeMasks(a, rois, styles, outside, request.feather(), w, h));
			float[] x = ImagePlanes.rgb(source, p);
			float[] y;
			if (masks.regions.isEmpty()) {
				y = outside.keepOriginal() ? x
					: StyleBankRunner.stylize(net, x, w, h, null, List.of(outside.mix()), request.fusion(), tile, budget, fast, progress);
			}
			else {
				y = StyleBankRunner.stylize(net, x, w, h, masks.regions, masks.mixes, request.fusion(), tile, budget, fast, progress);
				if (outside.keepOriginal() && masks.outside != null) {
					// pixel-space blend with the soft outside mask: untouched pixels stay bit-identical
					int plane = w * h;
					for (int c = 0; c < 3; c++) {
						for (int i = 0; i < plane; i++) {
							float k = masks.outside[i];
							y[c * plane + i] = x[c * plane + i] * k + y[c * plane + i] * (1f - k);
						}
					}
				}
			}
			out.addSlice(source.getStack().getSliceLabel(p), ImagePlanes.toColorProcessor(y, w, h));
		}
		NativeMemory.trim(); // the freed maps back to the system (see NativeMemory)
		progress.report(n, n, "Stylized " + rois.size() + " region(s)");
		return StyleBankRunner.resultImage(source, out, source.getShortTitle() + "-regions");
	}

	/**
	 * The normalised masks of one plane: one per distinct style, then the outside unless it is
	 * empty; {@code outside} is the outside mask, or null where the regions cover everything.
	 */
	private record PlaneMasks(List<float[]> regions, List<StyleMix> mixes, float[] outside) {}

	private static PlaneMasks planeMasks(List<Integer> active, List<Roi> rois, List<StyleMix> styles, Outside outside,
		double feather, int w, int h)
	{
		if (active.isEmpty()) return new PlaneMasks(List.of(), List.of(), null);
		Map<StyleMix, float[]> byStyle = new LinkedHashMap<>();
		for (int i : active) {
			float[] m = RegionMasks.values(RoiMasks.mask(rois.get(i), RoiMasks.name(rois.get(i), i), w, h));
			byStyle.merge(styles.get(i), m, (a, b) -> {
				for (int k = 0; k < a.length; k++) a[k] = Math.max(a[k], b[k]);
				return a;
			});
		}
		List<float[]> soft = new ArrayList<>();
		for (float[] m : byStyle.values()) soft.add(RegionMasks.feather(m, w, h, feather));
		List<float[]> normalised = RegionMasks.normalise(soft, w * h);
		List<StyleMix> mixes = new ArrayList<>(byStyle.keySet());
		float[] rest = normalised.get(normalised.size() - 1);
		boolean anyOutside = false;
		for (float v : rest) anyOutside |= v > 0;
		if (!anyOutside) return new PlaneMasks(normalised.subList(0, normalised.size() - 1), mixes, null);
		mixes.add(outside.mix());
		return new PlaneMasks(normalised, mixes, rest);
	}
}
