package org.neuralstyle.command;

import ij.IJ;
import ij.Macro;
import ij.Prefs;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.TrainingPlot;

import java.awt.GraphicsEnvironment;
import java.util.Locale;

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
	static void showThumbnails(String args) throws Exception {
		String modelText = Macro.getValue(args, "model", "");
		var model = org.neuralstyle.stylebank.StyleBankModel.load(org.neuralstyle.stylebank.DefaultModel.resolve(modelText));
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
			+ "tv_weight, t, lambda, seed, deterministic, network, download, checkpoint_every, preview_every, channels, bank_kernel (see the README)." };
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

	@Override
	public void run(String arg) {
		org.neuralstyle.imagej.Settings.apply();
		String options = Macro.getOptions();
		boolean macro = options != null;
		String title = switch (arg) {
			case "learn" -> "Learn New StyleBank Style";
			case "styles" -> "Manage StyleBank Styles";
			default -> "Train StyleBank Model";
		};
		String args;
		if (Ij1Doors.headlessMacro(options)) {
			args = options;
		}
		else {
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
				gd.addMessage("more: further settings as key=value (see README), e.g. lr=0.01 style_weight=1e5 t=2 lambda=1");
			}
			gd.addHelp(Help.html(title, fields(arg), "Training StyleBank models"));
			gd.showDialog();
			if (gd.wasCanceled()) return;
			StringBuilder sb = new StringBuilder();
			switch (arg) {
				case "learn" -> {
					sb.append("model=[").append(gd.getNextString()).append("] style=[").append(gd.getNextString()).append("]");
					String id = gd.getNextString().trim();
					if (!id.isEmpty()) sb.append(" id=").append(id);
					sb.append(" content=[").append(gd.getNextString()).append("]");
					sb.append(String.format(Locale.ROOT, " iterations=%d size=%d", (int) gd.getNextNumber(), (int) gd.getNextNumber()));
				}
				case "styles" -> {
					sb.append("model=[").append(gd.getNextString()).append("] action=").append(gd.getNextChoice());
					String style = gd.getNextString().trim(), name = gd.getNextString().trim(), file = gd.getNextString().trim();
					if (!style.isEmpty()) sb.append(" style=").append(style);
					if (!name.isEmpty()) sb.append(" name=[").append(name).append("]");
					if (!file.isEmpty()) sb.append(" file=[").append(file).append("]");
				}
				default -> {
					String content = gd.getNextString(), styles = gd.getNextString(), output = gd.getNextString();
					sb.append("content=[").append(content).append("] styles=[").append(styles).append("] output=[").append(output).append("]");
					sb.append(String.format(Locale.ROOT, " iterations=%d size=%d batch=%d", (int) gd.getNextNumber(), (int) gd.getNextNumber(),
						(int) gd.getNextNumber()));
					if (gd.getNextBoolean()) sb.append(" resume=true");
					if (!macro) {
						Prefs.set(PREF + "content", content);
						Prefs.set(PREF + "styles", styles);
						Prefs.set(PREF + "output", output);
					}
				}
			}
			if (!arg.equals("styles")) {
				String more = gd.getNextString();
				sb.append(' ').append(more);
				if (!macro) Prefs.set(PREF + arg + ".more", more);
			}
			args = sb.toString();
		}
		try {
			TrainingPlot plot = GraphicsEnvironment.isHeadless() ? null : new TrainingPlot(title + ": loss");
			String message = switch (arg) {
				case "learn" -> Headless.learnStyle(args, plot);
				case "styles" -> Headless.manageStyles(args);
				default -> Headless.train(args, plot);
			};
			if (message.startsWith("Error: ")) throw new IllegalArgumentException(message.substring(7));
			IJ.log(message);
			IJ.showStatus(message.lines().findFirst().orElse(""));
			if (arg.equals("styles") && args.contains("action=list") && !GraphicsEnvironment.isHeadless()) showThumbnails(args);
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
}
