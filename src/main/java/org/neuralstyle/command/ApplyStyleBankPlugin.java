package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.Prefs;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.StyleBankRunner;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.DefaultModel;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleMix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Plugins > Style Transfer > Apply StyleBank Style (ImageJ 1.x entry, plugins.config). The
 * dialogs are GenericDialogs, so the command records as a macro line and runs from
 * {@code IJ.run("Apply StyleBank Style", "model=... style=... device=auto")}. The result is
 * a new image; the source is not changed.
 */
public class ApplyStyleBankPlugin implements PlugIn {

	static final String PREF = StylePicker.PREF;

	static final String TITLE = "Apply StyleBank Style";

	static final String[][] FIELDS = {
		{ "model", "A StyleBank model: a NAME.stylebank folder or a .zip of one; \"default\" is the small model shipped with the plugin." },
		{ "style", "The style to apply; click a picture or choose from the list. 'reconstruction' runs the autoencoder alone." },
		{ "mix", "Optional linear fusion of styles, e.g. a:0.3,b:0.7 (weights are normalised to sum 1). Empty = 'style'." },
		{ "device", "auto (a GPU when DJL finds one, else the CPU), cpu or gpu." },
		{ "in_place", "Replace the image's pixels (it becomes RGB) instead of opening a new image. Edit > Undo restores a single image; stacks cannot be undone." },
		{ "preview", "Shows the style on a copy of the visible plane reduced to 256 pixels, updated as you change the fields. Not recorded." },
	};

	/** Every option of this door: the function's and in_place, preview (a dialog field, never recorded). */
	static final Set<String> KEYS = Options.keys(StyleBankRunner.Request.KEYS, Set.of("in_place", "preview"));

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
		try {
			o = Ij1Doors.macroOptions(options, KEYS);
			if (!Ij1Doors.headlessMacro(options)) o = dialog(imp, settings, macro);
			if (o == null) return; // cancelled
		}
		catch (Exception e) {
			Ij1Doors.refuse(TITLE, macro, e);
			return;
		}
		StyleBankRunner.Request request;
		try {
			request = StyleBankRunner.Request.from(o, settings);
		}
		catch (Exception e) {
			Ij1Doors.refuse(TITLE, macro, e);
			return;
		}
		Ij1Doors.runAndShow(TITLE, macro, o.flag("in_place", false) ? imp : null, progress -> StyleBankRunner.apply(imp, request, progress));
	}

	/** The two dialogs (model, then style with pictures, mix, device, in place, preview); null when cancelled. */
	private static Options dialog(ImagePlus imp, EngineSettings settings, boolean macro) throws Exception {
		String help = Help.html(TITLE, FIELDS, "In ImageJ and Fiji", "The default model"); // both dialogs show it
		GenericDialog gd = new GenericDialog(TITLE);
		gd.addFileField("model", Prefs.get(PREF + "model", "default"), 40);
		gd.addMessage("A StyleBank model folder (NAME.stylebank) or .zip; \"default\" = the small model shipped with the plugin");
		gd.addHelp(help);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String modelText = gd.getNextString().trim();
		Path modelPath;
		StyleBankModel loaded;
		try {
			modelPath = DefaultModel.resolve(modelText, settings.modelsFolder());
			loaded = Engines.withPluginClassLoader(() -> StyleBankModel.load(modelPath));
		}
		catch (Exception e) {
			throw new IllegalArgumentException("Cannot use this model:\n" + e.getMessage(), e);
		}
		List<String> choices = new ArrayList<>();
		for (StyleBankModel.Style s : loaded.styles()) choices.add(s.id());
		choices.add(StyleMix.RECONSTRUCTION);
		String lastStyle = Prefs.get(PREF + "style", choices.get(0));
		GenericDialog gd2 = new GenericDialog(TITLE + ": " + loaded.name());
		gd2.addChoice("style", choices.toArray(new String[0]), choices.contains(lastStyle) ? lastStyle : choices.get(0));
		java.awt.Choice styleChoice = (java.awt.Choice) gd2.getChoices().get(0);
		StylePreview[] preview = new StylePreview[1];
		java.awt.Checkbox[] previewBox = new java.awt.Checkbox[1];
		gd2.addStringField("mix", Prefs.get(PREF + "mix", ""), 30);
		java.awt.TextField mixField = (java.awt.TextField) gd2.getStringFields().get(0);
		Runnable refresh = () -> {
			if (previewBox[0] == null || !previewBox[0].getState()) return;
			if (preview[0] == null) preview[0] = new StylePreview(imp, gd2);
			String m = mixField.getText().trim();
			preview[0].request(new StyleBankRunner.Request(modelPath, m.isEmpty() ? styleChoice.getSelectedItem() : m,
				Engines.DeviceChoice.AUTO, settings));
		};
		gd2.addPanel(StylePicker.panel(new StylePicker(loaded, true, styleChoice, refresh)));
		gd2.addMessage("mix (optional) fuses styles linearly, e.g. " + example(choices) + ";\n"
			+ "weights are normalised to sum 1. Leave it empty to use 'style'.");
		gd2.addChoice("device", new String[] { "auto", "cpu", "gpu" }, Prefs.get(PREF + "device", settings.device().name().toLowerCase(Locale.ROOT)));
		gd2.addCheckbox("in_place", false); // never remembered: replacing pixels is asked for each time
		gd2.addCheckbox("preview", false);
		java.util.Vector<?> boxes = gd2.getCheckboxes();
		previewBox[0] = (java.awt.Checkbox) boxes.get(boxes.size() - 1);
		gd2.addDialogListener((d, e) -> {
			// ImageJ records a dialog with listeners through its first listener (called with e == null when
			// the dialog closes), so read every recorded field here, in order; 'preview' is left unread on purpose
			d.getNextChoice();
			d.getNextString();
			d.getNextChoice();
			d.getNextBoolean();
			if (e == null) return true;
			if (e.getSource() == previewBox[0] && !previewBox[0].getState() && preview[0] != null) {
				preview[0].close();
				preview[0] = null;
			}
			refresh.run();
			return true;
		});
		gd2.addHelp(help);
		try {
			gd2.showDialog();
		}
		finally {
			if (preview[0] != null) preview[0].close();
		}
		if (gd2.wasCanceled()) return null;
		Map<String, String> v = new LinkedHashMap<>();
		v.put("model", modelText);
		v.put("style", gd2.getNextChoice());
		v.put("mix", gd2.getNextString().trim());
		v.put("device", gd2.getNextChoice());
		v.put("in_place", String.valueOf(gd2.getNextBoolean()));
		// the preview checkbox is deliberately not read: it is not part of the recorded command
		if (!macro) {
			Prefs.set(PREF + "model", modelText);
			Prefs.set(PREF + "style", v.get("style"));
			Prefs.set(PREF + "mix", v.get("mix"));
			Prefs.set(PREF + "device", v.get("device"));
		}
		return Options.of(v, KEYS);
	}

	private static String example(List<String> ids) {
		if (ids.size() >= 3) return ids.get(0) + ":0.5," + ids.get(1) + ":0.5";
		return "style-a:0.3,style-b:0.7";
	}
}
