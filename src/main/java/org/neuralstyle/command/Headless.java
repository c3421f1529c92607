package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;

import org.neuralstyle.Progress;
import ij.gui.Roi;

import org.neuralstyle.imagej.ImageJProgress;
import org.neuralstyle.imagej.RegionStyleRunner;
import org.neuralstyle.imagej.RoiFiles;
import org.neuralstyle.imagej.ResultFiles;
import org.neuralstyle.imagej.StyleBankRunner;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.StyleBankNetwork;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Entry points for macros run with {@code call("org.neuralstyle.command.Headless.stylize", args)}:
 * they need no menus, so they work in ImageJ's -batch mode without a display, in Fiji and in
 * plain ImageJ alike. Each returns a one-line report; a failure returns a line that starts with
 * "Error:". In a -batch process, where ImageJ always exits with 0, a failure ends the process
 * with exit status 1 after printing the message to stderr.
 */
public final class Headless {

	static final Set<String> STYLIZE_ARGS = Set.of("input", "model", "style", "output", "device");

	private Headless() {}

	public static String stylize(String args) {
		return run(() -> {
			MacroArgs a = MacroArgs.parse(args, STYLIZE_ARGS);
			Path input = Path.of(a.require("input", "the image to stylize"));
			Path output = Path.of(a.require("output", "where to write the result, .png or .tif"));
			Path model = org.neuralstyle.stylebank.DefaultModel.resolve(a.get("model", ""));
			String style = a.require("style", "a style id, 'id1:w1,id2:w2' for a mix, or 'reconstruction'");
			Engines.DeviceChoice device = Engines.DeviceChoice.parse(a.get("device", "auto"));
			ResultFiles.checkWritable(output);
			ImagePlus imp = ResultFiles.open(input);
			long t0 = System.nanoTime();
			ImagePlus result = StyleBankRunner.apply(imp, new StyleBankRunner.Request(model, style, device),
				progress());
			ResultFiles.save(result, output);
			return String.format(Locale.ROOT, "Wrote %s (%d x %d, %d slice(s), %s) in %.1f s", output,
				result.getWidth(), result.getHeight(), result.getStackSize(), result.getTitle(), (System.nanoTime() - t0) / 1e9);
		});
	}

	static final Set<String> REGION_ARGS = Set.of("input", "model", "rois", "styles", "outside", "feather", "fusion",
		"output", "device");

	/**
	 * {@code input= model= rois=FILE.roi|RoiSet.zip [styles=NAME:ID,...] [outside=keep|reconstruct|ID]
	 * [feather=R] [fusion=region-aware|paper] output= [device=]}.
	 */
	public static String stylizeRegions(String args) {
		return run(() -> {
			MacroArgs a = MacroArgs.parse(args, REGION_ARGS);
			Path input = Path.of(a.require("input", "the image to stylize"));
			Path output = Path.of(a.require("output", "where to write the result, .png or .tif"));
			Path model = org.neuralstyle.stylebank.DefaultModel.resolve(a.get("model", ""));
			Path roiFile = Path.of(a.require("rois", "a .roi file or a RoiSet .zip saved by the ROI Manager"));
			double feather;
			try {
				feather = Double.parseDouble(a.get("feather", String.valueOf(RegionStyleRunner.DEFAULT_FEATHER)));
			}
			catch (NumberFormatException e) {
				throw new IllegalArgumentException("feather must be a number of pixels, got '" + a.get("feather", "") + "'");
			}
			var request = new RegionStyleRunner.Request(model, a.get("styles", ""), a.get("outside", "keep"), feather,
				StyleBankNetwork.Fusion.parse(a.get("fusion", "region-aware")), Engines.DeviceChoice.parse(a.get("device", "auto")));
			ResultFiles.checkWritable(output);
			List<Roi> rois = RoiFiles.read(roiFile);
			ImagePlus imp = ResultFiles.open(input);
			long t0 = System.nanoTime();
			ImagePlus result = RegionStyleRunner.apply(imp, rois, request, progress());
			ResultFiles.save(result, output);
			return String.format(Locale.ROOT, "Wrote %s (%d x %d, %d slice(s), %d region(s)) in %.1f s", output,
				result.getWidth(), result.getHeight(), result.getStackSize(), rois.size(), (System.nanoTime() - t0) / 1e9);
		});
	}

	static final Set<String> GATYS_ARGS;
	static {
		java.util.Set<String> k = new java.util.HashSet<>(GatysArgs.KEYS);
		k.addAll(List.of("input", "style", "style_weights", "output", "rois", "styles", "outside", "feather", "download", "device"));
		GATYS_ARGS = Set.copyOf(k);
	}

	/**
	 * {@code input= style=A.jpg[,B.jpg] output= [style_weights=0.5,0.5] [rois=RoiSet.zip styles=NAME:N,...
	 * outside=keep|content feather=R] [download=true] [device=]} and the settings of {@link GatysArgs}.
	 */
	public static String gatys(String args) {
		return run(() -> {
			MacroArgs a = MacroArgs.parse(args, GATYS_ARGS);
			Path input = Path.of(a.require("input", "the content image"));
			Path output = Path.of(a.require("output", "where to write the result, .png or .tif"));
			String styleList = a.require("style", "one or more style images, separated by commas");
			var settings = GatysArgs.settings(k -> a.get(k, null));
			ResultFiles.checkWritable(output);
			ImagePlus content = ResultFiles.open(input);
			List<ImagePlus> styles = new java.util.ArrayList<>();
			for (String s : styleList.split(",")) styles.add(ResultFiles.open(Path.of(s.trim())));
			List<Roi> rois = a.get("rois", null) == null ? List.of() : RoiFiles.read(Path.of(a.get("rois", null)));
			String outside = a.get("outside", "content").trim().toLowerCase(Locale.ROOT);
			if (!outside.equals("keep") && !outside.equals("content")) {
				throw new IllegalArgumentException("outside must be keep (original pixels) or content (content loss only), got '" + outside + "'");
			}
			double feather = GatysArgs.number(k -> a.get(k, null), "feather", RegionStyleRunner.DEFAULT_FEATHER);
			var request = new org.neuralstyle.imagej.GatysRunner.Request(a.get("network", "auto"), GatysArgs.pooling(a.get("pooling", null)),
				Boolean.parseBoolean(a.get("download", "false")), settings, GatysArgs.weights(a.get("style_weights", null), styles.size()),
				a.get("styles", ""), outside.equals("keep"), feather, Engines.DeviceChoice.parse(a.get("device", "auto")));
			long t0 = System.nanoTime();
			ImagePlus result = org.neuralstyle.imagej.GatysRunner.apply(content, styles, rois, request, progress(), null,
				line -> System.err.println("[style transfer] " + line));
			ResultFiles.save(result, output);
			return String.format(Locale.ROOT, "Wrote %s (%d x %d, %s) in %.1f s", output, result.getWidth(), result.getHeight(),
				result.getProperty("Info"), (System.nanoTime() - t0) / 1e9);
		});
	}

	static final Set<String> TRAIN_ARGS;
	static final Set<String> LEARN_ARGS;
	static {
		java.util.Set<String> k = new java.util.HashSet<>(TrainArgs.KEYS);
		k.addAll(List.of("content", "styles", "output", "name", "network", "download", "device", "checkpoint", "resume", "preview_every"));
		TRAIN_ARGS = Set.copyOf(k);
		java.util.Set<String> l = new java.util.HashSet<>(TrainArgs.KEYS);
		l.addAll(List.of("model", "style", "id", "name", "content", "network", "download", "device", "output"));
		LEARN_ARGS = Set.copyOf(l);
	}

	/**
	 * {@code content=FOLDER styles=FOLDER output=MODEL.stylebank[.zip] [name=] [network=auto|vgg16|offline]
	 * [download=true] [checkpoint=DIR] [resume=true] [device=]} and the settings of {@link TrainArgs}.
	 */
	public static String train(String args) {
		return run(() -> train(args, null));
	}

	/** Training with an extra listener (the GUI's loss plot); throws on failure. */
	static String train(String args, org.neuralstyle.stylebank.Trainer.Listener watcher) throws Exception {
		MacroArgs a = MacroArgs.parse(args, TRAIN_ARGS);
		Path contentDir = Path.of(a.require("content", "a folder of content images"));
		Path styleDir = Path.of(a.require("styles", "a folder with one image per style"));
		Path output = Path.of(a.require("output", "where to write the model: NAME.stylebank or NAME.stylebank.zip"));
		var settings = TrainArgs.settings(k -> a.get(k, null));
		Path checkpoint = Path.of(a.get("checkpoint", output + ".checkpoint"));
		ResultFiles.checkModelWritable(output);
		var device = Engines.device(Engines.DeviceChoice.parse(a.get("device", "auto")));
		var styles = org.neuralstyle.imagej.TrainingInputs.styles(styleDir);
		var content = org.neuralstyle.imagej.TrainingInputs.content(contentDir, settings.cropSize());
		long t0 = System.nanoTime();
		return Engines.withPluginClassLoader(() -> {
			var vgg = trainingNetwork(a);
			boolean resume = Boolean.parseBoolean(a.get("resume", "false"));
			try (var trainer = resume ? org.neuralstyle.stylebank.Trainer.resume(checkpoint, settings, vgg, styles, device)
				: org.neuralstyle.stylebank.Trainer.fresh(settings, vgg, styles, device))
			{
				int previewEvery = (int) GatysArgs.number(k -> a.get(k, null), "preview_every", watcher != null ? 500 : 0);
				if (previewEvery > 0) trainer.setPreview(previewEvery, content.get(0));
				trainer.train(content, checkpoint, trainingListener(watcher));
				java.util.Map<String, byte[]> thumbs = new java.util.HashMap<>();
				for (var s : styles) thumbs.put(s.id(), org.neuralstyle.imagej.TrainingInputs.thumbnail(s));
				var model = trainer.toModel(a.get("name", output.getFileName().toString().replaceAll("\\.stylebank(\\.zip)?$", "")), thumbs);
				model.save(output);
				return String.format(Locale.ROOT, "Wrote model %s (%d styles, %d iterations, feature network %s) in %.1f min", output,
					styles.size(), trainer.iteration(), vgg.description(), (System.nanoTime() - t0) / 6e10);
			}
		});
	}

	/**
	 * {@code model=DIR style=IMAGE id=ID content=FOLDER iterations=N size=S [name=] [output=]}: adds
	 * style ID to the model (or writes the result to output=), the autoencoder untouched.
	 */
	public static String learnStyle(String args) {
		return run(() -> learnStyle(args, null));
	}

	/** Incremental learning with an extra listener (the GUI's loss plot); throws on failure. */
	static String learnStyle(String args, org.neuralstyle.stylebank.Trainer.Listener watcher) throws Exception {
		MacroArgs a = MacroArgs.parse(args, LEARN_ARGS);
		Path modelPath = Path.of(a.require("model", "the StyleBank model to add the style to"));
		Path styleFile = Path.of(a.require("style", "the style image"));
		Path contentDir = Path.of(a.require("content", "a folder of content images"));
		Path output = Path.of(a.get("output", modelPath.toString()));
		var d = TrainArgs.settings(k -> a.get(k, null));
		// incremental learning defaults: fewer iterations, no decay by default
		var settings = d.withIterations(a.get("iterations", null) == null ? 2000 : d.iterations(), 0);
		var device = Engines.device(Engines.DeviceChoice.parse(a.get("device", "auto")));
		var style = org.neuralstyle.imagej.TrainingInputs.style(styleFile, a.get("id", null), a.get("name", null));
		var content = org.neuralstyle.imagej.TrainingInputs.content(contentDir, settings.cropSize());
		ResultFiles.checkModelWritable(output);
		long t0 = System.nanoTime();
		return Engines.withPluginClassLoader(() -> {
			var base = org.neuralstyle.stylebank.StyleBankModel.load(modelPath);
			var vgg = trainingNetwork(a);
			try (var trainer = org.neuralstyle.stylebank.Trainer.incremental(base, settings, vgg, style, device)) {
				trainer.train(content, null, trainingListener(watcher));
				var model = trainer.toModel(base.name(), java.util.Map.of(style.id(), org.neuralstyle.imagej.TrainingInputs.thumbnail(style)));
				model.save(output);
				return String.format(Locale.ROOT, "Added style '%s' to %s (%d iterations, feature network %s) in %.1f min", style.id(), output,
					trainer.iteration(), vgg.description(), (System.nanoTime() - t0) / 6e10);
			}
		});
	}

	/** The loss network for training: VGG-16 if installed (or downloaded with download=true), else the offline network. */
	private static org.neuralstyle.nn.Vgg trainingNetwork(MacroArgs a) throws java.io.IOException {
		String net = a.get("network", "auto");
		if (net.equalsIgnoreCase("auto")) {
			net = org.neuralstyle.gatys.VggWeights.present(org.neuralstyle.nn.Vgg.Arch.VGG16) ? "vgg16" : "offline";
		}
		String chosen = net;
		return org.neuralstyle.gatys.FeatureNetworks.get(chosen, org.neuralstyle.nn.Vgg.Pooling.MAX,
			Boolean.parseBoolean(a.get("download", "false")), ai.djl.Device.cpu(), progress(),
			line -> System.err.println("[style transfer] " + line));
	}

	private static org.neuralstyle.stylebank.Trainer.Listener trainingListener(org.neuralstyle.stylebank.Trainer.Listener watcher) {
		Progress p = progress();
		return new org.neuralstyle.stylebank.Trainer.Listener() {
			@Override
			public void iteration(int iteration, int all, String branch, double loss, double content, double style) {
				p.report(iteration, all, String.format(Locale.ROOT, "training iteration %d/%d, %s loss %.4g (content %.3g, style %.3g)",
					iteration, all, branch, loss, content, style));
				if (watcher != null) watcher.iteration(iteration, all, branch, loss, content, style);
			}

			@Override
			public boolean cancelled() {
				return p.isCancelled() || (watcher != null && watcher.cancelled());
			}

			@Override
			public void checkpoint(int iteration, Path dir) {
				System.err.println("[style transfer] checkpoint at iteration " + iteration + ": " + dir);
			}

			@Override
			public void preview(int iteration, List<String> ids, List<float[]> images, int w, int h) {
				if (watcher != null) watcher.preview(iteration, ids, images, w, h);
			}
		};
	}

	static final Set<String> STYLES_ARGS = Set.of("model", "action", "style", "name", "file", "output");

	/**
	 * Manages a model's styles: {@code model=M action=list}, {@code action=rename style=ID name=NEW},
	 * {@code action=remove style=ID}, {@code action=export style=ID file=OUT.stylebank-style.safetensors},
	 * {@code action=import file=IN.stylebank-style.safetensors}. Changes are saved into the model
	 * (or to output=); the autoencoder file is never rewritten.
	 */
	public static String manageStyles(String args) {
		return run(() -> {
			MacroArgs a = MacroArgs.parse(args, STYLES_ARGS);
			Path modelPath = org.neuralstyle.stylebank.DefaultModel.resolve(a.get("model", ""));
			String action = a.require("action", "list, rename, remove, export or import").toLowerCase(Locale.ROOT);
			var model = org.neuralstyle.stylebank.StyleBankModel.load(modelPath);
			Path output = Path.of(a.get("output", modelPath.toString()));
			switch (action) {
				case "list" -> {
					StringBuilder sb = new StringBuilder("Model '" + model.name() + "' (" + modelPath + "), autoencoder SHA-256 "
						+ model.autoencoderSha256() + ", " + model.styles().size() + " style(s):");
					for (var st : model.styles()) {
						sb.append("\n  ").append(st.id()).append(" | ").append(st.name());
						if (st.source() != null) sb.append(" | source ").append(st.source());
						if (st.thumbnailPath() != null) sb.append(" | thumbnail ").append(st.thumbnailPath());
					}
					return sb.toString();
				}
				case "rename" -> {
					String id = model.requireStyle(a.require("style", "the style to rename")).id();
					ResultFiles.checkModelWritable(output);
					model.renameStyle(id, a.require("name", "the new display name"));
					model.save(output);
					return "Renamed style '" + id + "' to '" + a.get("name", "") + "' in " + output;
				}
				case "remove" -> {
					String id = model.requireStyle(a.require("style", "the style to remove")).id();
					ResultFiles.checkModelWritable(output);
					model.removeStyle(id);
					model.save(output);
					return "Removed style '" + id + "' from " + output;
				}
				case "export" -> {
					String id = model.requireStyle(a.require("style", "the style to export")).id();
					Path file = Path.of(a.get("file", id + org.neuralstyle.stylebank.StyleFiles.EXTENSION));
					ResultFiles.writeFile(file, org.neuralstyle.stylebank.StyleFiles.export(model, id));
					return "Exported style '" + id + "' to " + file + " (for autoencoder " + model.autoencoderSha256().substring(0, 12) + "...)";
				}
				case "import" -> {
					Path file = Path.of(a.require("file", "a .stylebank-style.safetensors file"));
					if (!java.nio.file.Files.isRegularFile(file)) throw new IllegalArgumentException("style file not found: " + file);
					if (java.nio.file.Files.size(file) > (512L << 20)) throw new IllegalArgumentException(file + " is too large for a style file");
					ResultFiles.checkModelWritable(output);
					String id = org.neuralstyle.stylebank.StyleFiles.importInto(model, java.nio.file.Files.readAllBytes(file), file.toString());
					model.save(output);
					return "Imported style '" + id + "' into " + output;
				}
				default -> throw new IllegalArgumentException("action must be list, rename, remove, export or import, got '" + action + "'");
			}
		});
	}

	interface Task {
		String call() throws Exception;
	}

	static String run(Task task) {
		String message;
		try {
			return task.call();
		}
		catch (Progress.CancelledException e) {
			message = "cancelled";
		}
		catch (IllegalArgumentException | org.neuralstyle.nn.Autograd.BusyException e) {
			message = e.getMessage();
		}
		catch (java.io.IOException e) {
			message = describe(e);
		}
		catch (OutOfMemoryError e) {
			message = "out of memory; use a smaller image or give ImageJ more memory (Edit > Options > Memory)";
		}
		catch (Exception | LinkageError e) {
			message = e + (e.getCause() != null ? " (cause: " + e.getCause() + ")" : "");
			e.printStackTrace();
		}
		String line = "Error: " + message;
		if (isBatchProcess()) {
			System.err.println(line);
			System.out.flush();
			System.err.flush();
			System.exit(1);
		}
		return line;
	}

	/**
	 * A file-system error as a sentence: Java's own exceptions carry only a path as their message
	 * (an AccessDeniedException says "/a/b", nothing more), which alone tells the user nothing.
	 */
	static String describe(java.io.IOException e) {
		if (e instanceof java.nio.file.AccessDeniedException a) {
			return "no permission to write or read " + a.getFile() + "; choose another folder or fix its permissions";
		}
		if (e instanceof java.nio.file.NoSuchFileException n) return "no such file or folder: " + n.getFile();
		if (e instanceof java.nio.file.FileAlreadyExistsException f) {
			return "cannot create " + f.getFile() + ": a file of that name is in the way (a folder was expected)";
		}
		if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
			return "cannot write or read " + f.getFile() + ": " + f.getReason();
		}
		return e.getMessage() != null ? e.getMessage() : e.toString();
	}

	private static Progress progress() {
		return new ImageJProgress(IJ.getInstance() == null);
	}

	/** True in {@code java -jar ij.jar -batch ...}, where only the exit status reports failure. */
	static boolean isBatchProcess() {
		if (IJ.getInstance() != null) return false;
		String cmd = System.getProperty("sun.java.command", "");
		return (" " + cmd + " ").contains(" -batch ");
	}
}
