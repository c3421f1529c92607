package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.Prefs;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import org.neuralstyle.imagej.StyleBankRunner;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleMix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Plugins > Style Transfer > Apply StyleBank Style (ImageJ 1.x entry, plugins.config). The
 * dialogs are GenericDialogs, so the command records as a macro line and runs from
 * {@code IJ.run("Apply StyleBank Style", "model=... style=... device=auto")}. The result is
 * a new image; the source is not changed.
 */
public class ApplyStyleBankPlugin implements PlugIn {

	static final String PREF = "neuralstyle.stylebank.";

	@Override
	public void run(String arg) {
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) {
			IJ.noImage();
			return;
		}
		String options = Macro.getOptions();
		boolean macro = options != null;
		String modelText, style, mix, device;
		if (Ij1Doors.headlessMacro(options)) {
			// GenericDialog needs AWT; headless macros (Fiji --headless, tests) give every value
			modelText = Macro.getValue(options, "model", "");
			style = Macro.getValue(options, "style", "");
			mix = Macro.getValue(options, "mix", "");
			device = Macro.getValue(options, "device", "auto");
		}
		else {
			GenericDialog gd = new GenericDialog("Apply StyleBank Style");
			gd.addFileField("model", Prefs.get(PREF + "model", "default"), 40);
			gd.addMessage("A StyleBank model folder (NAME.stylebank) or .zip; \"default\" = the small model shipped with the plugin");
			gd.showDialog();
			if (gd.wasCanceled()) return;
			modelText = gd.getNextString().trim();
			StyleBankModel loaded;
			try {
				loaded = Engines.withPluginClassLoader(() -> StyleBankModel.load(org.neuralstyle.stylebank.DefaultModel.resolve(modelText)));
			}
			catch (Exception e) {
				IJ.error("Apply StyleBank Style", "Cannot use this model:\n" + e.getMessage());
				return;
			}
			List<String> choices = new ArrayList<>();
			for (StyleBankModel.Style s : loaded.styles()) choices.add(s.id());
			choices.add(StyleMix.RECONSTRUCTION);
			String lastStyle = Prefs.get(PREF + "style", choices.get(0));
			GenericDialog gd2 = new GenericDialog("Apply StyleBank Style: " + loaded.name());
			gd2.addChoice("style", choices.toArray(new String[0]), choices.contains(lastStyle) ? lastStyle : choices.get(0));
			gd2.addStringField("mix", "", 30);
			gd2.addMessage("mix (optional) fuses styles linearly, e.g. " + example(choices) + ";\n"
				+ "weights are normalised to sum 1. Leave it empty to use 'style'.");
			gd2.addChoice("device", new String[] { "auto", "cpu", "gpu" }, Prefs.get(PREF + "device", "auto"));
			gd2.showDialog();
			if (gd2.wasCanceled()) return;
			style = gd2.getNextChoice();
			mix = gd2.getNextString().trim();
			device = gd2.getNextChoice();
			if (!macro) {
				Prefs.set(PREF + "model", modelText);
				Prefs.set(PREF + "style", style);
				Prefs.set(PREF + "device", device);
			}
		}
		Path model;
		try {
			model = org.neuralstyle.stylebank.DefaultModel.resolve(modelText);
		}
		catch (java.io.IOException e) {
			IJ.error("Apply StyleBank Style", e.getMessage());
			return;
		}
		String styleText = mix.isBlank() ? style : mix.trim();
		Ij1Doors.runAndShow("Apply StyleBank Style", macro, progress -> StyleBankRunner.apply(imp,
			new StyleBankRunner.Request(model, styleText, Engines.DeviceChoice.parse(device)), progress));
	}

	private static String example(List<String> ids) {
		if (ids.size() >= 3) return ids.get(0) + ":0.5," + ids.get(1) + ":0.5";
		return "style-a:0.3,style-b:0.7";
	}
}
