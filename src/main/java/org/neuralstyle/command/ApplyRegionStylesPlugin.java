package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.Prefs;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.Roi;
import ij.plugin.PlugIn;
import ij.plugin.frame.RoiManager;

import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.RegionStyleRunner;
import org.neuralstyle.imagej.RoiMasks;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.DefaultModel;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleBankNetwork;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Plugins > Style Transfer > Apply Styles to Regions (ImageJ 1.x entry). Regions come from the
 * selection, the ROI Manager or the overlay; every setting is a macro option:
 * {@code run("Apply Styles to Regions", "model=... regions=[roi manager] styles=[cells:a,bg:b]
 * outside=keep feather=8 fusion=whole-image device=auto")}.
 */
public class ApplyRegionStylesPlugin implements PlugIn {

	static final String PREF = "neuralstyle.regions.";
	static final String TITLE = "Apply Styles to Regions";

	static final String[][] FIELDS = {
		{ "model", "A StyleBank model folder or .zip; \"default\" is the model shipped with the plugin." },
		{ "regions", "Where the regions come from: the image's selection, the ROI Manager, or the image's overlay." },
		{ "styles", "ROI_NAME:STYLE pairs separated by commas; a region may mix styles (cells:a*0.5+b*0.5). Empty: each ROI's 'style' property, else its name." },
		{ "outside", "What happens outside every region: keep (original pixels), reconstruct (autoencoder only) or a style id." },
		{ "feather", "Soft edge: Gaussian blur of the masks, sigma = feather / 2 pixels. 0 = hard edges." },
		{ "fusion", "whole-image (default): each region looks as its style looks on the whole image; region-aware: each region gets its own normalisation statistics (as if stylized on its own); paper: Eq. 6 of Chen et al. exactly." },
		{ "device", "auto (a GPU when DJL finds one, else the CPU), cpu or gpu." },
		{ "in_place", "Replace the image's pixels (it becomes RGB) instead of opening a new image. Edit > Undo restores a single image." },
	};

	/** Every option of this door: the function's, where the regions come from, and in_place. */
	static final Set<String> KEYS = Options.keys(RegionStyleRunner.Request.KEYS, Set.of("regions", "in_place"));

	@Override
	public void run(String arg) {
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) {
			IJ.noImage();
			return;
		}
		EngineSettings settings = Settings.current();
		String options = Macro.getOptions();
		boolean macro = options != null;
		Options o;
		RegionStyleRunner.Request request;
		List<Roi> rois;
		try {
			o = Ij1Doors.macroOptions(options, KEYS);
			if (!Ij1Doors.headlessMacro(options)) o = dialog(imp, settings, macro);
			if (o == null) return; // cancelled
			request = RegionStyleRunner.Request.from(o, settings);
			rois = RoiMasks.rois(imp, RoiMasks.Source.parse(o.get("regions", defaultSource(imp).label())));
		}
		catch (Exception e) {
			Ij1Doors.refuse(TITLE, macro, e);
			return;
		}
		Ij1Doors.runAndShow(TITLE, macro, o.flag("in_place", false) ? imp : null, progress -> RegionStyleRunner.apply(imp, rois, request,
			progress));
	}

	/** The two dialogs (model and where the regions come from; then the styles per region and the rest); null when cancelled. */
	private static Options dialog(ImagePlus imp, EngineSettings settings, boolean macro) throws Exception {
		String help = Help.html(TITLE, FIELDS, "Styles per region"); // both dialogs show it
		GenericDialog gd = new GenericDialog(TITLE);
		gd.addFileField("model", Prefs.get(StylePicker.PREF + "model", "default"), 40);
		String[] sources = { "selection", "roi manager", "overlay" };
		gd.addChoice("regions", sources, defaultSource(imp).label());
		gd.addHelp(help);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String modelText = gd.getNextString().trim();
		String source = gd.getNextChoice();
		StyleBankModel loaded = Engines.withPluginClassLoader(() -> StyleBankModel.load(DefaultModel.resolve(modelText, settings.modelsFolder())));
		List<Roi> rois = RoiMasks.rois(imp, RoiMasks.Source.parse(source));
		GenericDialog gd2 = new GenericDialog(TITLE + ": " + loaded.name());
		gd2.addPanel(StylePicker.panel(new StylePicker(loaded, false, null, null)));
		gd2.addStringField("styles", suggestMapping(rois, loaded), 40);
		gd2.addMessage("ROI_NAME:STYLE for each region, separated by commas; a region may mix styles,\n"
			+ "e.g. cells:a*0.5+b*0.5. Leave it empty to use each ROI's 'style' property or its name.\n"
			+ "Styles: " + loaded.styleList());
		gd2.addStringField("outside", Prefs.get(PREF + "outside", "keep"), 20);
		gd2.addMessage("outside: keep (original pixels), reconstruct, or a style id");
		gd2.addNumericField("feather", Prefs.get(PREF + "feather", RegionStyleRunner.DEFAULT_FEATHER), 1, 6, "pixels (0 = hard edges)");
		gd2.addChoice("fusion", StyleBankNetwork.Fusion.keys(), Prefs.get(PREF + "fusion", StyleBankNetwork.Fusion.WHOLE_IMAGE.key()));
		gd2.addChoice("device", new String[] { "auto", "cpu", "gpu" },
			Prefs.get(StylePicker.PREF + "device", settings.device().name().toLowerCase(Locale.ROOT)));
		gd2.addCheckbox("in_place", false); // never remembered: replacing pixels is asked for each time
		gd2.addHelp(help);
		gd2.showDialog();
		if (gd2.wasCanceled()) return null;
		Map<String, String> v = new LinkedHashMap<>();
		v.put("model", modelText);
		v.put("regions", source);
		v.put("styles", gd2.getNextString().trim());
		v.put("outside", gd2.getNextString().trim());
		v.put("feather", Double.toString(gd2.getNextNumber()));
		v.put("fusion", gd2.getNextChoice());
		v.put("device", gd2.getNextChoice());
		v.put("in_place", String.valueOf(gd2.getNextBoolean()));
		if (!macro) {
			Prefs.set(StylePicker.PREF + "model", modelText);
			Prefs.set(PREF + "outside", v.get("outside"));
			Prefs.set(PREF + "feather", v.get("feather"));
			Prefs.set(PREF + "fusion", v.get("fusion"));
		}
		return Options.of(v, KEYS);
	}

	static RoiMasks.Source defaultSource(ImagePlus imp) {
		RoiManager rm = RoiManager.getInstance();
		if (rm != null && rm.getCount() > 0) return RoiMasks.Source.ROI_MANAGER;
		if (imp.getOverlay() != null && imp.getOverlay().size() > 0) return RoiMasks.Source.OVERLAY;
		return RoiMasks.Source.SELECTION;
	}

	/** A starting mapping for the dialog: each ROI's property or name if it is a style, else the first style. */
	static String suggestMapping(List<Roi> rois, StyleBankModel model) {
		List<String> entries = new ArrayList<>();
		String first = model.styles().isEmpty() ? "reconstruction" : model.styles().get(0).id();
		for (int i = 0; i < rois.size(); i++) {
			String name = RoiMasks.name(rois.get(i), i);
			String prop = rois.get(i).getProperty("style");
			String style = prop != null && !prop.isBlank() ? prop : model.style(name) != null ? model.style(name).id() : first;
			entries.add(name + ":" + style);
		}
		return String.join(",", entries);
	}
}
