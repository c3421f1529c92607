package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.Prefs;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.Roi;
import ij.macro.Interpreter;
import ij.plugin.PlugIn;

import org.neuralstyle.gatys.FeatureNetworks;
import org.neuralstyle.gatys.VggWeights;
import org.neuralstyle.imagej.GatysRunner;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.RegionStyleRunner;
import org.neuralstyle.imagej.RoiMasks;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.Vgg;

import java.awt.GraphicsEnvironment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Plugins > Style Transfer > Gatys Style Transfer (ImageJ 1.x entry). Content = the current
 * image (its current plane); style images = open images chosen by title. Every setting is a
 * macro option (keys: {@link GatysRunner.Request#KEYS}, plus style, style2 and regions). A live preview window is updated every
 * "preview" iterations; Esc cancels and keeps the best result so far.
 */
public class GatysPlugin implements PlugIn {

	static final String TITLE = "Gatys Style Transfer";

	static final String[][] FIELDS = {
		{ "style", "The style image (an open image; the current image is the content)." },
		{ "style2", "Optional second style image, blended with the first by style_weights." },
		{ "style_weights", "Blend of the style images, e.g. 0.7,0.3 (empty = equal)." },
		{ "network", "auto (VGG-19 if installed, else the offline network), vgg19, vgg16, offline (random filters on an image "
			+ "pyramid, no trained weights) or random-vgg (the earlier offline network)." },
		{ "download", "Allow downloading the chosen VGG weights (about 550 MB) if they are missing. Or use Get VGG Weights." },
		{ "iterations", "Optimisation steps; each is one forward and backward pass through VGG (about 2.6 s at 512 pixels on 2 cores)." },
		{ "size", "Long side of the result in pixels; the content image is scaled to it." },
		{ "style_weight", "Weight of the Gram (style) loss; empty = the network's default." },
		{ "content_weight", "Weight of the content loss; empty = the network's default." },
		{ "tv_weight", "Weight of the total-variation smoothness loss; empty = the network's default." },
		{ "optimizer", "lbfgs (fast convergence, the usual choice) or adam." },
		{ "init", "Start from the content image, from noise, or a blend of both." },
		{ "seed", "Random seed for noise initialisation: same seed, same start." },
		{ "levels", "Coarse-to-fine: 2 or 3 optimises at half/quarter size first (faster, larger structures)." },
		{ "colour", "none; luminance (keep the content's colours, transfer brightness only); match (style colours matched to the content first)." },
		{ "style_scale", "Scale of the style image relative to the result (larger = bigger brush strokes)." },
		{ "regions", "none, or where regions come from (selection, ROI Manager, overlay) for styles per region." },
		{ "styles", "With regions: ROI_NAME:N pairs mapping a region to style image N (1 = style, 2 = style2)." },
		{ "outside", "With regions: outside pixels follow the content only (content) or are kept unchanged (keep)." },
		{ "feather", "With regions: soft edges, Gaussian sigma = feather / 2 pixels." },
		{ "preview", "Show the image every N iterations in a preview window (0 = off). Esc stops and keeps the best so far." },
		{ "tile", "Optimise big results tile by tile with this tile side in pixels; 0 = only when the memory budget requires it." },
		{ "device", "auto, cpu or gpu." },
	};

	/** The value of the last run (remembered between runs), else the default. */
	private static String last(String key, String def) {
		return Prefs.get(PREF + "last." + key, def);
	}

	private static double last(String key, double def) {
		try {
			return Double.parseDouble(last(key, Double.toString(def)));
		}
		catch (NumberFormatException e) {
			return def;
		}
	}
	static final String PREF = "neuralstyle.gatys.";

	/** Every option of this door: the function's and the style images (titles of open images or files) and the regions' source. */
	static final Set<String> KEYS = Options.keys(GatysRunner.Request.KEYS, Set.of("style", "style2", "regions"));

	@Override
	public void run(String arg) {
		ImagePlus content = WindowManager.getCurrentImage();
		if (content == null) {
			IJ.noImage();
			return;
		}
		EngineSettings engine = Settings.current();
		String options = Macro.getOptions();
		boolean macro = options != null;
		Map<String, String> v = new HashMap<>();
		Options given;
		try {
			given = Ij1Doors.macroOptions(options, KEYS);
		}
		catch (IllegalArgumentException e) {
			Ij1Doors.refuse(TITLE, macro, e);
			return;
		}
		List<String> titles = new ArrayList<>();
		for (int id : WindowManager.getIDList() == null ? new int[0] : WindowManager.getIDList()) {
			titles.add(WindowManager.getImage(id).getTitle());
		}
		if (Ij1Doors.headlessMacro(options)) {
			for (String k : KEYS) v.put(k, given.raw(k));
		}
		else {
			if (titles.size() < 2) {
				IJ.error(TITLE, "Open the content image and at least one style image first.");
				return;
			}
			String[] t = titles.toArray(new String[0]);
			List<String> t2 = new ArrayList<>(titles);
			t2.add(0, "none");
			boolean pretrained = VggWeights.present(engine.modelsFolder(), Vgg.Arch.VGG19);
			GenericDialog gd = new GenericDialog(TITLE);
			gd.addChoice("style", t, t[t.length > 1 && t[0].equals(content.getTitle()) ? 1 : 0]);
			gd.addChoice("style2", t2.toArray(new String[0]), "none");
			gd.addStringField("style_weights", last("style_weights", ""), 12);
			gd.addChoice("network", FeatureNetworks.CHOICES, Prefs.get(PREF + "network", "auto"));
			gd.addMessage(pretrained ? "VGG-19 weights: installed" : "No VGG weights installed: 'auto' uses the offline random-filter "
				+ "network (no trained weights).\nChoose vgg19 and tick download to fetch them (about 548 MB) into " + engine.modelsFolder());
			gd.addCheckbox("download", false);
			gd.addNumericField("iterations", last("iterations", Prefs.get(PREF + "iterations", 200)), 0);
			gd.addNumericField("size", last("size", Prefs.get(PREF + "size", 384)), 0, 6, "pixels (long side of the result)");
			gd.addStringField("style_weight", last("style_weight", ""), 10);
			gd.addStringField("content_weight", last("content_weight", ""), 10);
			gd.addStringField("tv_weight", last("tv_weight", ""), 10);
			gd.addMessage("Empty loss weights: the network's defaults.");
			gd.addChoice("optimizer", new String[] { "lbfgs", "adam" }, last("optimizer", "lbfgs"));
			gd.addChoice("init", new String[] { "content", "noise", "blend" }, last("init", "content"));
			gd.addNumericField("seed", last("seed", 0), 0);
			gd.addNumericField("levels", last("levels", 1), 0, 3, "(coarse-to-fine)");
			gd.addChoice("colour", new String[] { "none", "luminance", "match" }, last("colour", "none"));
			gd.addNumericField("style_scale", last("style_scale", 1), 2);
			gd.addChoice("regions", new String[] { "none", "selection", "roi manager", "overlay" }, "none");
			gd.addStringField("styles", "", 30);
			gd.addMessage("Regions: ROI_NAME:N maps a ROI to style image N (1 = style, 2 = style2).");
			gd.addChoice("outside", new String[] { "content", "keep" }, last("outside", "content"));
			gd.addNumericField("feather", last("feather", RegionStyleRunner.DEFAULT_FEATHER), 1);
			gd.addNumericField("preview", last("preview", 10), 0, 4, "(show every N iterations, 0 = off)");
			gd.addNumericField("tile", last("tile", 0), 0, 5, "pixels (0 = automatic)");
			gd.addMessage("Tiles: big results are optimised tile by tile (shared style statistics, shifting grid).\n"
				+ "0 tiles only when the memory budget (Style Transfer Settings) requires it; slower, see the README.");
			gd.addChoice("device", new String[] { "auto", "cpu", "gpu" }, last("device", engine.device().name().toLowerCase(Locale.ROOT)));
			gd.addHelp(Help.html(TITLE, FIELDS, "Gatys: style transfer by optimisation", "VGG weights and the offline default", "Tiled Gatys"));
			gd.showDialog();
			if (gd.wasCanceled()) return;
			v.put("style", gd.getNextChoice());
			v.put("style2", gd.getNextChoice());
			v.put("style_weights", gd.getNextString());
			v.put("network", gd.getNextChoice());
			v.put("download", String.valueOf(gd.getNextBoolean()));
			v.put("iterations", String.valueOf((int) gd.getNextNumber()));
			v.put("size", String.valueOf((int) gd.getNextNumber()));
			v.put("style_weight", gd.getNextString());
			v.put("content_weight", gd.getNextString());
			v.put("tv_weight", gd.getNextString());
			v.put("optimizer", gd.getNextChoice());
			v.put("init", gd.getNextChoice());
			v.put("seed", String.valueOf((long) gd.getNextNumber()));
			v.put("levels", String.valueOf((int) gd.getNextNumber()));
			v.put("colour", gd.getNextChoice());
			v.put("style_scale", String.valueOf(gd.getNextNumber()));
			v.put("regions", gd.getNextChoice());
			v.put("styles", gd.getNextString());
			v.put("outside", gd.getNextChoice());
			v.put("feather", String.valueOf(gd.getNextNumber()));
			v.put("preview", String.valueOf((int) gd.getNextNumber()));
			v.put("tile", String.valueOf((int) gd.getNextNumber()));
			v.put("device", gd.getNextChoice());
			if (!macro) {
				Prefs.set(PREF + "network", v.get("network"));
				Prefs.set(PREF + "iterations", v.get("iterations"));
				Prefs.set(PREF + "size", v.get("size"));
				for (String k : KEYS) {
					if (v.get(k) != null && !k.equals("style") && !k.equals("style2") && !k.equals("download")) Prefs.set(PREF + "last." + k, v.get(k));
				}
			}
		}
		try {
			List<ImagePlus> styles = new ArrayList<>();
			for (String key : new String[] { "style", "style2" }) {
				String title = v.get(key);
				if (title == null || title.isBlank() || title.equals("none")) continue;
				ImagePlus s = WindowManager.getImage(title);
				if (s == null && new java.io.File(title).isFile()) s = org.neuralstyle.imagej.ResultFiles.open(java.nio.file.Path.of(title));
				if (s == null) {
					throw new IllegalArgumentException("no open image is called '" + title + "' (and no such file). Open images: " + titles);
				}
				styles.add(s);
			}
			if (styles.isEmpty()) throw new IllegalArgumentException("choose a style image (style=TITLE of an open image)");
			Options o = Options.of(v, KEYS);
			String source = o.get("regions", "none");
			List<Roi> rois = source.equals("none") ? List.of() : RoiMasks.rois(content, RoiMasks.Source.parse(source));
			GatysRunner.Request asked = GatysRunner.Request.from(o, styles.size(), engine);
			String net = asked.network();
			boolean download = asked.download();
			if (!GraphicsEnvironment.isHeadless() && (net.equals("vgg19") || net.equals("vgg16")) && !download) {
				Vgg.Arch arch = Vgg.Arch.parse(net);
				if (!VggWeights.present(engine.modelsFolder(), arch)) {
					// first use: ask before downloading anything
					if (!IJ.showMessageWithCancel(TITLE, net + " weights are not installed.\nDownload " + VggWeights.url(arch)
						+ "\n(about " + (arch == Vgg.Arch.VGG19 ? 548 : 528) + " MB) into " + engine.modelsFolder()
						+ "?\nThe file is checked against the server's SHA-256 before it is used.")) {
						return;
					}
					download = true;
				}
			}
			var request = new GatysRunner.Request(net, asked.pooling(), download, asked.settings(), asked.styleWeights(),
				asked.regionStyles(), asked.keepOutside(), asked.feather(), asked.device(), engine);
			boolean gui = !GraphicsEnvironment.isHeadless() && !Interpreter.isBatchMode();
			ImagePlus[] previewWindow = { null };
			Consumer<ImagePlus> preview = !gui ? null : p -> {
				if (previewWindow[0] == null || previewWindow[0].getWindow() == null) {
					previewWindow[0] = p;
					p.show();
				}
				else {
					previewWindow[0].setProcessor(p.getProcessor());
					previewWindow[0].setTitle(p.getTitle());
				}
			};
			Ij1Doors.runAndShow(TITLE, macro, progress -> {
				try {
					return GatysRunner.apply(content, styles, rois, request, progress, preview, IJ::log);
				}
				finally {
					if (previewWindow[0] != null) {
						previewWindow[0].changes = false;
						previewWindow[0].close();
					}
				}
			});
		}
		catch (Exception e) { // bad settings, before any work
			Ij1Doors.refuse(TITLE, macro, e);
		}
	}
}
