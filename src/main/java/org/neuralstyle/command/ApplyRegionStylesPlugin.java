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

import org.neuralstyle.imagej.RegionStyleRunner;
import org.neuralstyle.imagej.RoiMasks;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleBankNetwork;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Plugins > Style Transfer > Apply Styles to Regions (ImageJ 1.x entry). Regions come from the
 * selection, the ROI Manager or the overlay; every setting is a macro option:
 * {@code run("Apply Styles to Regions", "model=... regions=[roi manager] styles=[cells:a,bg:b]
 * outside=keep feather=8 fusion=region-aware device=auto")}.
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
		{ "fusion", "region-aware (default): each region also gets its own normalisation statistics; paper: Eq. 6 of Chen et al. exactly." },
		{ "device", "auto (a GPU when DJL finds one, else the CPU), cpu or gpu." },
		{ "in_place", "Replace the image's pixels (it becomes RGB) instead of opening a new image. Edit > Undo restores a single image." },
	};

	@Override
	public void run(String arg) {
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) {
			IJ.noImage();
			return;
		}
		String options = Macro.getOptions();
		boolean macro = options != null;
		String modelText, source, styles, outside, fusion, device;
		double feather;
		boolean inPlace;
		org.neuralstyle.imagej.Settings.apply();
		if (Ij1Doors.headlessMacro(options)) {
			inPlace = Ij1Doors.flag(options, "in_place");
			modelText = Macro.getValue(options, "model", "");
			source = Macro.getValue(options, "regions", defaultSource(imp).label());
			styles = Macro.getValue(options, "styles", "");
			outside = Macro.getValue(options, "outside", "keep");
			feather = parseDouble(Macro.getValue(options, "feather", String.valueOf(RegionStyleRunner.DEFAULT_FEATHER)), "feather");
			fusion = Macro.getValue(options, "fusion", "region-aware");
			device = Macro.getValue(options, "device", "auto");
		}
		else {
			String help = Help.html(TITLE, FIELDS, "Styles per region"); // both dialogs show it
			GenericDialog gd = new GenericDialog(TITLE);
			gd.addFileField("model", Prefs.get(ApplyStyleBankPlugin.PREF + "model", "default"), 40);
			String[] sources = { "selection", "roi manager", "overlay" };
			gd.addChoice("regions", sources, defaultSource(imp).label());
			gd.addHelp(help);
			gd.showDialog();
			if (gd.wasCanceled()) return;
			modelText = gd.getNextString().trim();
			source = gd.getNextChoice();
			StyleBankModel loaded;
			List<Roi> rois;
			try {
				loaded = Engines.withPluginClassLoader(() -> StyleBankModel.load(org.neuralstyle.stylebank.DefaultModel.resolve(modelText)));
				rois = RoiMasks.rois(imp, RoiMasks.Source.parse(source));
			}
			catch (Exception e) {
				IJ.error(TITLE, e.getMessage());
				if (macro) Macro.abort();
				return;
			}
			GenericDialog gd2 = new GenericDialog(TITLE + ": " + loaded.name());
			gd2.addPanel(ApplyStyleBankPlugin.panel(new StylePicker(loaded, false, null, null)));
			gd2.addStringField("styles", suggestMapping(rois, loaded), 40);
			gd2.addMessage("ROI_NAME:STYLE for each region, separated by commas; a region may mix styles,\n"
				+ "e.g. cells:a*0.5+b*0.5. Leave it empty to use each ROI's 'style' property or its name.\n"
				+ "Styles: " + loaded.styleList());
			gd2.addStringField("outside", Prefs.get(PREF + "outside", "keep"), 20);
			gd2.addMessage("outside: keep (original pixels), reconstruct, or a style id");
			gd2.addNumericField("feather", Prefs.get(PREF + "feather", RegionStyleRunner.DEFAULT_FEATHER), 1, 6, "pixels (0 = hard edges)");
			gd2.addChoice("fusion", new String[] { "region-aware", "paper" }, Prefs.get(PREF + "fusion", "region-aware"));
			gd2.addChoice("device", new String[] { "auto", "cpu", "gpu" }, Prefs.get(ApplyStyleBankPlugin.PREF + "device", org.neuralstyle.imagej.Settings.device()));
			gd2.addCheckbox("in_place", false); // never remembered: replacing pixels is asked for each time
			gd2.addHelp(help);
			gd2.showDialog();
			if (gd2.wasCanceled()) return;
			styles = gd2.getNextString().trim();
			outside = gd2.getNextString().trim();
			feather = gd2.getNextNumber();
			fusion = gd2.getNextChoice();
			device = gd2.getNextChoice();
			inPlace = gd2.getNextBoolean();
			if (!macro) {
				Prefs.set(ApplyStyleBankPlugin.PREF + "model", modelText);
				Prefs.set(PREF + "outside", outside);
				Prefs.set(PREF + "feather", feather);
				Prefs.set(PREF + "fusion", fusion);
			}
		}
		double featherRadius = feather;
		Ij1Doors.runAndShow(TITLE, macro, inPlace ? imp : null, progress -> RegionStyleRunner.apply(imp, RoiMasks.rois(imp, RoiMasks.Source.parse(source)),
			new RegionStyleRunner.Request(org.neuralstyle.stylebank.DefaultModel.resolve(modelText), styles, outside, featherRadius, StyleBankNetwork.Fusion.parse(fusion),
				Engines.DeviceChoice.parse(device)), progress));
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

	private static double parseDouble(String s, String key) {
		try {
			return Double.parseDouble(s.trim());
		}
		catch (NumberFormatException e) {
			throw new IllegalArgumentException(key + " must be a number, got '" + s + "'");
		}
	}
}
