package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.Prefs;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.ImageJProgress;
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
		boolean macro = Macro.getOptions() != null;
		GenericDialog gd = new GenericDialog("Apply StyleBank Style");
		gd.addFileField("model", Prefs.get(PREF + "model", ""), 40);
		gd.addMessage("A StyleBank model folder (NAME.stylebank) or .zip");
		gd.showDialog();
		if (gd.wasCanceled()) return;
		Path model = Path.of(gd.getNextString().trim());
		StyleBankModel loaded;
		try {
			loaded = Engines.withPluginClassLoader(() -> StyleBankModel.load(model));
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
		String style = gd2.getNextChoice();
		String mix = gd2.getNextString().trim();
		String device = gd2.getNextChoice();
		if (!macro) {
			Prefs.set(PREF + "model", model.toString());
			Prefs.set(PREF + "style", style);
			Prefs.set(PREF + "device", device);
		}
		try {
			ImagePlus result = StyleBankRunner.apply(imp,
				new StyleBankRunner.Request(model, mix.isEmpty() ? style : mix, Engines.DeviceChoice.parse(device)),
				new ImageJProgress(IJ.getInstance() == null));
			result.show();
		}
		catch (Progress.CancelledException e) {
			IJ.showStatus("Apply StyleBank Style: cancelled");
		}
		catch (Exception | OutOfMemoryError e) {
			IJ.showProgress(1.0);
			IJ.error("Apply StyleBank Style", String.valueOf(e.getMessage()));
			if (macro) Macro.abort();
		}
	}

	private static String example(List<String> ids) {
		if (ids.size() >= 3) return ids.get(0) + ":0.5," + ids.get(1) + ":0.5";
		return "style-a:0.3,style-b:0.7";
	}
}
