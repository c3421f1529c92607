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

	static final String TITLE = "Apply StyleBank Style";

	static final String[][] FIELDS = {
		{ "model", "A StyleBank model: a NAME.stylebank folder or a .zip of one; \"default\" is the small model shipped with the plugin." },
		{ "style", "The style to apply; click a picture or choose from the list. 'reconstruction' runs the autoencoder alone." },
		{ "mix", "Optional linear fusion of styles, e.g. a:0.3,b:0.7 (weights are normalised to sum 1). Empty = 'style'." },
		{ "device", "auto (a GPU when DJL finds one, else the CPU), cpu or gpu." },
		{ "in_place", "Replace the image's pixels (it becomes RGB) instead of opening a new image. Edit > Undo restores a single image; stacks cannot be undone." },
		{ "preview", "Shows the style on a copy of the visible plane reduced to 256 pixels, updated as you change the fields. Not recorded." },
	};

	@Override
	public void run(String arg) {
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) {
			IJ.noImage();
			return;
		}
		org.neuralstyle.imagej.Settings.apply();
		String options = Macro.getOptions();
		boolean macro = options != null;
		String modelText, style, mix, device;
		boolean inPlace;
		if (Ij1Doors.headlessMacro(options)) {
			// GenericDialog needs AWT; headless macros (Fiji --headless, tests) give every value
			modelText = Macro.getValue(options, "model", "");
			style = Macro.getValue(options, "style", "");
			mix = Macro.getValue(options, "mix", "");
			device = Macro.getValue(options, "device", "auto");
			inPlace = Ij1Doors.flag(options, "in_place");
		}
		else {
			String help = Help.html(TITLE, FIELDS, "In ImageJ and Fiji", "The default model"); // both dialogs show it
			GenericDialog gd = new GenericDialog(TITLE);
			gd.addFileField("model", Prefs.get(PREF + "model", "default"), 40);
			gd.addMessage("A StyleBank model folder (NAME.stylebank) or .zip; \"default\" = the small model shipped with the plugin");
			gd.addHelp(help);
			gd.showDialog();
			if (gd.wasCanceled()) return;
			modelText = gd.getNextString().trim();
			StyleBankModel loaded;
			Path modelPath;
			try {
				modelPath = org.neuralstyle.stylebank.DefaultModel.resolve(modelText);
				loaded = Engines.withPluginClassLoader(() -> StyleBankModel.load(modelPath));
			}
			catch (Exception e) {
				IJ.error(TITLE, "Cannot use this model:\n" + e.getMessage());
				if (macro) Macro.abort();
				return;
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
				preview[0].request(modelPath, m.isEmpty() ? styleChoice.getSelectedItem() : m, Engines.DeviceChoice.AUTO);
			};
			gd2.addPanel(panel(new StylePicker(loaded, true, styleChoice, refresh)));
			gd2.addMessage("mix (optional) fuses styles linearly, e.g. " + example(choices) + ";\n"
				+ "weights are normalised to sum 1. Leave it empty to use 'style'.");
			gd2.addChoice("device", new String[] { "auto", "cpu", "gpu" }, Prefs.get(PREF + "device", org.neuralstyle.imagej.Settings.device()));
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
			if (gd2.wasCanceled()) return;
			style = gd2.getNextChoice();
			mix = gd2.getNextString().trim();
			device = gd2.getNextChoice();
			inPlace = gd2.getNextBoolean();
			// the preview checkbox is deliberately not read: it is not part of the recorded command
			if (!macro) {
				Prefs.set(PREF + "model", modelText);
				Prefs.set(PREF + "style", style);
				Prefs.set(PREF + "mix", mix);
				Prefs.set(PREF + "device", device);
			}
		}
		Path model;
		try {
			model = org.neuralstyle.stylebank.DefaultModel.resolve(modelText);
		}
		catch (java.io.IOException e) {
			IJ.error(TITLE, e.getMessage());
			if (macro) Macro.abort();
			return;
		}
		String styleText = mix.isBlank() ? style : mix.trim();
		Ij1Doors.runAndShow(TITLE, macro, inPlace ? imp : null, progress -> StyleBankRunner.apply(imp,
			new StyleBankRunner.Request(model, styleText, Engines.DeviceChoice.parse(device)), progress));
	}

	/** A picker in a panel for {@link GenericDialog#addPanel}. */
	static java.awt.Panel panel(java.awt.Component c) {
		java.awt.Panel p = new java.awt.Panel(new java.awt.FlowLayout(java.awt.FlowLayout.LEFT, 0, 0));
		p.add(c);
		return p;
	}

	private static String example(List<String> ids) {
		if (ids.size() >= 3) return ids.get(0) + ":0.5," + ids.get(1) + ":0.5";
		return "style-a:0.3,style-b:0.7";
	}
}
