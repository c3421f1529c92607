package org.neuralstyle.command;

import ij.IJ;
import ij.Macro;
import ij.Prefs;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.ImageJProgress;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.StyleLibraryRunner;
import org.neuralstyle.imagej.TrainingPlot;
import org.neuralstyle.imagej.TrainingRunner;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.stylebank.StyleLibrary;

import java.awt.GraphicsEnvironment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The ImageJ 1.x entries for training (plugins.config passes the function as the argument):
 * "train" (Train StyleBank Model), "learn" (Learn New StyleBank Style) and "styles" (Manage
 * StyleBank Styles). Their macro options are the keys of the headless macros train.ijm,
 * learn_style.ijm and manage_styles.ijm; in the GUI a loss plot follows training and Esc stops
 * it (training saves a checkpoint first).
 */
public class TrainingPlugins implements PlugIn {

	static final String PREF = "neuralstyle.train.";

	/** The styles' thumbnails as a labelled stack (the list action in the GUI). */
	static void showThumbnails(java.nio.file.Path modelPath) throws Exception {
		var model = org.neuralstyle.stylebank.StyleBankModel.load(modelPath);
		ij.ImageStack stack = new ij.ImageStack(96, 96);
		for (var st : model.styles()) {
			byte[] png = model.thumbnail(st.id());
			ij.process.ColorProcessor cp = new ij.process.ColorProcessor(96, 96);
			cp.setColor(java.awt.Color.WHITE);
			cp.fill();
			if (png != null) {
				java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
				if (img != null) cp.insert(new ij.process.ColorProcessor(img), (96 - img.getWidth()) / 2, (96 - img.getHeight()) / 2);
			}
			stack.addSlice(st.id() + " (" + st.name() + ")", cp);
		}
		if (stack.getSize() > 0) new ij.ImagePlus("Styles of " + model.name(), stack).show();
	}

	/** One line of help per dialog field. */
	static String[][] fields(String arg) {
		String[] more = { "more", "Further training settings as key=value pairs: lr, decay, decay_every, style_weight, content_weight, "
			+ "tv_weight, t, lambda, seed, deterministic, network, download, checkpoint_every, preview_every, channels, bank_kernel; targets=FOLDER to train each style towards target images such as "
			+ "Gatys results (FOLDER/STYLE_ID/CONTENT_NAME.png), with pixel_weight (see the README)." };
		String[] iterations = { "iterations", "Training steps. Each takes a few seconds on a CPU at 256 pixels, batch 4." };
		String[] size = { "size", "Side of the square training crops in pixels (256 in the paper)." };
		return switch (arg) {
			case "learn" -> new String[][] {
				{ "model", "The StyleBank model folder that gets the new style (its autoencoder stays frozen and byte-identical)." },
				{ "style", "The style image (a painting, a texture)." },
				{ "id", "Id of the new style (letters, digits, - and _); empty = from the file name." },
				{ "content", "A folder of content images (photographs, micrographs) to learn on." }, iterations, size, more };
			case "styles" -> new String[][] {
				{ "model", "The StyleBank model folder (or .zip, for list and export)." },
				{ "action", "list (thumbnails), rename (style + name), remove (style), export (style + file), import (file)." },
				{ "style", "The id of the style to rename, remove or export." },
				{ "name", "New display name (rename)." },
				{ "file", "export: where to write ID.stylebank-style.safetensors; import: the file to add." } };
			default -> new String[][] {
				{ "content", "A folder of content images." },
				{ "styles", "A folder with one image per style; the file names become the style ids." },
				{ "output", "The new model folder NAME.stylebank (must not exist unless resume is ticked)." }, iterations, size,
				{ "batch", "Crops per step (4 in the paper); more is slower per step but smoother." },
				{ "resume", "Continue from OUTPUT.checkpoint (written every checkpoint_every steps and when you press Esc)." }, more };
		};
	}

	static Set<String> keys(String arg) {
		return switch (arg) {
			case "learn" -> Options.keys(TrainingRunner.LEARN_KEYS, Set.of("more"));
			case "styles" -> StyleLibraryRunner.KEYS;
			default -> Options.keys(TrainingRunner.TRAIN_KEYS, Set.of("more"));
		};
	}

	@Override
	public void run(String arg) {
		EngineSettings settings = Settings.current();
		String options = Macro.getOptions();
		boolean macro = options != null;
		String title = switch (arg) {
			case "learn" -> "Learn New StyleBank Style";
			case "styles" -> "Manage StyleBank Styles";
			default -> "Train StyleBank Model";
		};
		Options o;
		try {
			o = Ij1Doors.macroOptions(options, keys(arg));
			if (!Ij1Doors.headlessMacro(options)) o = dialog(arg, title, macro);
			if (o == null) return; // cancelled
			if (o.has("more")) {
				// the dialog's free field: more settings as key=value, checked like the rest
				Map<String, String> rest = new LinkedHashMap<>();
				for (String k : keys(arg)) if (!k.equals("more") && o.raw(k) != null) rest.put(k, o.raw(k));
				o = Options.of(rest, keys(arg)).with(o.get("more", ""));
			}
		}
		catch (Exception e) {
			Ij1Doors.refuse(title, macro, e);
			return;
		}
		try {
			TrainingPlot plot = GraphicsEnvironment.isHeadless() || arg.equals("styles") ? null : new TrainingPlot(title + ": loss");
			Progress progress = new ImageJProgress(IJ.getInstance() == null);
			String message;
			switch (arg) {
				case "learn" -> message = TrainingRunner.learn(TrainingRunner.LearnRequest.from(o, settings), progress, plot, IJ::log).message();
				case "styles" -> {
					var request = StyleLibraryRunner.request(o, settings);
					message = StyleLibraryRunner.run(request);
					if (request.action() == StyleLibrary.Action.LIST && !GraphicsEnvironment.isHeadless()) showThumbnails(request.model());
				}
				default -> message = TrainingRunner.train(TrainingRunner.TrainRequest.from(o, settings), progress, plot, IJ::log).message();
			}
			IJ.log(message);
			IJ.showStatus(message.lines().findFirst().orElse(""));
		}
		catch (Progress.CancelledException e) {
			IJ.log(title + ": cancelled" + (arg.equals("train") || arg.isEmpty() ? " (a checkpoint was saved; resume=true continues)" : ""));
		}
		catch (Exception | OutOfMemoryError e) {
			IJ.showProgress(1.0);
			IJ.error(title, e.getMessage() != null ? e.getMessage() : e.toString());
			if (macro) Macro.abort();
		}
	}

	/** The dialog of each function; its fields (and "more") as options, or null when cancelled. */
	private static Options dialog(String arg, String title, boolean macro) {
		GenericDialog gd = new GenericDialog(title);
		switch (arg) {
			case "learn" -> {
				gd.addDirectoryField("model", Prefs.get(PREF + "model", ""), 40);
				gd.addFileField("style", "", 40);
				gd.addStringField("id", "", 20);
				gd.addDirectoryField("content", Prefs.get(PREF + "content", ""), 40);
				gd.addNumericField("iterations", 2000, 0);
				gd.addNumericField("size", 256, 0, 6, "pixels (crop size)");
			}
			case "styles" -> {
				gd.addFileField("model", Prefs.get(PREF + "model", ""), 40);
				gd.addChoice("action", new String[] { "list", "rename", "remove", "export", "import" }, "list");
				gd.addStringField("style", "", 20);
				gd.addStringField("name", "", 30);
				gd.addFileField("file", "", 40);
				gd.addMessage("rename: style + name; remove/export: style (export writes file);\nimport: file (a .stylebank-style.safetensors)");
			}
			default -> {
				gd.addDirectoryField("content", Prefs.get(PREF + "content", ""), 40);
				gd.addDirectoryField("styles", Prefs.get(PREF + "styles", ""), 40);
				gd.addFileField("output", Prefs.get(PREF + "output", ""), 40);
				gd.addNumericField("iterations", 20000, 0);
				gd.addNumericField("size", 256, 0, 6, "pixels (crop size)");
				gd.addNumericField("batch", 4, 0);
				gd.addCheckbox("resume", false);
			}
		}
		if (!arg.equals("styles")) {
			gd.addStringField("more", Prefs.get(PREF + arg + ".more", ""), 40);
			gd.addMessage("more: further settings as key=value (see README), e.g. lr=0.01 style_weight=200 t=2 lambda=1");
		}
		gd.addHelp(Help.html(title, fields(arg), "Training StyleBank models"));
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		Map<String, String> v = new LinkedHashMap<>();
		switch (arg) {
			case "learn" -> {
				v.put("model", gd.getNextString());
				v.put("style", gd.getNextString());
				v.put("id", gd.getNextString().trim());
				v.put("content", gd.getNextString());
				v.put("iterations", String.valueOf((int) gd.getNextNumber()));
				v.put("size", String.valueOf((int) gd.getNextNumber()));
			}
			case "styles" -> {
				v.put("model", gd.getNextString());
				v.put("action", gd.getNextChoice());
				v.put("style", gd.getNextString().trim());
				v.put("name", gd.getNextString().trim());
				v.put("file", gd.getNextString().trim());
			}
			default -> {
				v.put("content", gd.getNextString());
				v.put("styles", gd.getNextString());
				v.put("output", gd.getNextString());
				v.put("iterations", String.valueOf((int) gd.getNextNumber()));
				v.put("size", String.valueOf((int) gd.getNextNumber()));
				v.put("batch", String.valueOf((int) gd.getNextNumber()));
				if (gd.getNextBoolean()) v.put("resume", "true");
				if (!macro) {
					Prefs.set(PREF + "content", v.get("content"));
					Prefs.set(PREF + "styles", v.get("styles"));
					Prefs.set(PREF + "output", v.get("output"));
				}
			}
		}
		if (!arg.equals("styles")) {
			String more = gd.getNextString();
			v.put("more", more);
			if (!macro) Prefs.set(PREF + arg + ".more", more);
		}
		return Options.of(v, keys(arg));
	}
}
