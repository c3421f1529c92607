package org.neuralstyle.command;

import ij.IJ;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.ImageJProgress;
import org.neuralstyle.imagej.ImportRunner;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plugins > Style Transfer > Import PyTorch StyleBank: converts a StyleBank network trained with
 * PyTorch (.pth checkpoints, read without running them) into a StyleBank model. Macro:
 * {@code run("Import PyTorch StyleBank", "source=PATH output=NAME.stylebank [name=...]")}.
 */
public class ImportStyleBankPlugin implements PlugIn {

	static final String TITLE = "Import PyTorch StyleBank";

	static final String[][] FIELDS = {
		{ "source", "The PyTorch checkpoint (.pth, .pt) holding encoder, decoder and banks, or the folder with encoder.pth, decoder.pth "
			+ "and a bank/ folder of one file per style." },
		{ "output", "The model to write: NAME.stylebank (a folder) or NAME.stylebank.zip. It must not exist yet." },
		{ "name", "The model's display name (default: the output's name)." } };

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		boolean macro = options != null;
		Options o;
		try {
			o = Ij1Doors.macroOptions(options, ImportRunner.Request.KEYS);
			if (!Ij1Doors.headlessMacro(options)) {
				GenericDialog gd = new GenericDialog(TITLE);
				gd.addFileField("source", "", 40);
				gd.addFileField("output", "", 40);
				gd.addStringField("name", "", 30);
				gd.addMessage("source: a .pth checkpoint, or the folder of encoder.pth, decoder.pth and bank/.\n"
					+ "Only the weights are read; nothing in the file is run.");
				gd.addHelp(Help.html(TITLE, FIELDS, "Importing PyTorch StyleBank models"));
				gd.showDialog();
				if (gd.wasCanceled()) return;
				Map<String, String> v = new LinkedHashMap<>();
				v.put("source", gd.getNextString().trim());
				v.put("output", gd.getNextString().trim());
				v.put("name", gd.getNextString().trim());
				o = Options.of(v, ImportRunner.Request.KEYS);
			}
		}
		catch (Exception e) {
			Ij1Doors.refuse(TITLE, macro, e);
			return;
		}
		try {
			String message = ImportRunner.run(ImportRunner.Request.from(o, Settings.current()), new ImageJProgress(IJ.getInstance() == null));
			IJ.log(message);
			IJ.showStatus(TITLE + ": done");
		}
		catch (Progress.CancelledException e) {
			IJ.showStatus(TITLE + ": cancelled, nothing was written");
		}
		catch (Exception | OutOfMemoryError e) {
			IJ.showProgress(1.0);
			IJ.error(TITLE, e.getMessage() != null ? e.getMessage() : e.toString());
			if (macro) Macro.abort();
		}
	}
}
