package org.neuralstyle.command;

import ij.IJ;
import ij.Macro;
import ij.Prefs;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.FolderRunner;
import org.neuralstyle.imagej.ImageJProgress;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plugins > Style Transfer > Stylize Folder (ImageJ 1.x entry, plugins.config): every image of
 * a folder through one model, written to another folder; Esc stops after the current file. The
 * dialog is a GenericDialog, so it records as a macro line:
 * {@code run("Stylize Folder", "input=... output=... model=... style=...")}.
 */
public class StylizeFolderPlugin implements PlugIn {

	static final String TITLE = "Stylize Folder";
	static final String PREF = "neuralstyle.folder.";

	static final String[][] FIELDS = {
		{ "input", "The folder of images to stylize (not its subfolders)." },
		{ "output", "The folder for the results (created if missing; must not be the input folder). It also gets stylize-log.csv." },
		{ "model", "A StyleBank model: a NAME.stylebank folder or a .zip of one; \"default\" is the small model shipped with the plugin." },
		{ "style", "A style id or name, 'id1:w1,id2:w2' for a mix, or 'reconstruction'. With rois: the style of images without a RoiSet (may be empty)." },
		{ "pattern", "Which files to take, e.g. *.tif or *.{png,jpg} (case-insensitive). Default: every image type ImageJ opens." },
		{ "overwrite", "Replace outputs that already exist. Off: they are skipped, so a stopped run continues where it stopped." },
		{ "rois", "Optional folder of RoiSets, NAME.zip or NAME.roi for image NAME.ext: those images are stylized per region." },
		{ "format", "tif (default; also stacks) or png, the results' file type; a result is named after its input." },
	};

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		boolean macro = options != null;
		FolderRunner.Request request;
		try {
			Options o = Ij1Doors.macroOptions(options, FolderRunner.Request.KEYS);
			if (!Ij1Doors.headlessMacro(options)) o = dialog(macro);
			if (o == null) return; // cancelled
			request = FolderRunner.Request.from(o, Settings.current());
		}
		catch (Exception e) {
			Ij1Doors.refuse(TITLE, macro, e);
			return;
		}
		try {
			Progress progress = new ImageJProgress(IJ.getInstance() == null);
			FolderRunner.Summary summary = FolderRunner.run(request, progress);
			String line = summary.line(request.output());
			IJ.log(line);
			if (summary.failed()) {
				IJ.error(TITLE, line);
				if (macro) Macro.abort();
			}
			else {
				IJ.showStatus(line);
			}
		}
		catch (Exception | OutOfMemoryError e) {
			IJ.showProgress(1.0);
			IJ.error(TITLE, e.getMessage() != null ? e.getMessage() : e.toString());
			if (macro) Macro.abort();
		}
	}

	private static Options dialog(boolean macro) {
		GenericDialog gd = new GenericDialog(TITLE);
		gd.addDirectoryField("input", Prefs.get(PREF + "input", ""), 40);
		gd.addDirectoryField("output", Prefs.get(PREF + "output", ""), 40);
		gd.addFileField("model", Prefs.get(PREF + "model", "default"), 40);
		gd.addStringField("style", Prefs.get(PREF + "style", ""), 30);
		gd.addStringField("pattern", Prefs.get(PREF + "pattern", FolderRunner.DEFAULT_PATTERN), 30);
		gd.addCheckbox("overwrite", false); // never remembered: replacing results is asked for each time
		gd.addDirectoryField("rois", "", 40);
		gd.addChoice("format", new String[] { "tif", "png" }, Prefs.get(PREF + "format", "tif"));
		gd.addMessage("Esc stops after the current file; running again continues where it stopped.");
		gd.addHelp(Help.html(TITLE, FIELDS, "Collections"));
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		Map<String, String> v = new LinkedHashMap<>();
		for (String k : new String[] { "input", "output", "model", "style", "pattern" }) v.put(k, gd.getNextString().trim());
		v.put("overwrite", String.valueOf(gd.getNextBoolean()));
		v.put("rois", gd.getNextString().trim());
		v.put("format", gd.getNextChoice());
		if (!macro) {
			for (String k : new String[] { "input", "output", "model", "style", "pattern", "format" }) Prefs.set(PREF + k, v.get(k));
		}
		return Options.of(v, FolderRunner.Request.KEYS);
	}
}
