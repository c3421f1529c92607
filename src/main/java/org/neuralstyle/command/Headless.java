package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;

import org.neuralstyle.Progress;
import ij.gui.Roi;

import org.neuralstyle.imagej.FolderRunner;
import org.neuralstyle.imagej.GatysRunner;
import org.neuralstyle.imagej.ImageJProgress;
import org.neuralstyle.imagej.ImportRunner;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.RegionStyleRunner;
import org.neuralstyle.imagej.RoiFiles;
import org.neuralstyle.imagej.ResultFiles;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.StyleBankRunner;
import org.neuralstyle.imagej.StyleLibraryRunner;
import org.neuralstyle.imagej.TrainingRunner;
import org.neuralstyle.imagej.VggWeightsRunner;

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

	static final Set<String> STYLIZE_KEYS = Options.keys(StyleBankRunner.Request.KEYS, Set.of("input", "output"));
	static final Set<String> REGION_KEYS = Options.keys(RegionStyleRunner.Request.KEYS, Set.of("input", "rois", "output"));
	static final Set<String> GATYS_KEYS = Options.keys(GatysRunner.Request.KEYS, Set.of("input", "style", "output", "rois"));

	private Headless() {}

	/** {@code input= output= [model=] style= [mix=] [device=]}. */
	public static String stylize(String args) {
		return run(() -> {
			Options o = Options.parse(args, STYLIZE_KEYS);
			Path input = o.path("input", "the image to stylize");
			Path output = o.path("output", "where to write the result, .png or .tif");
			StyleBankRunner.Request request = StyleBankRunner.Request.from(o, Settings.current());
			ResultFiles.checkWritable(output);
			ImagePlus imp = ResultFiles.open(input);
			long t0 = System.nanoTime();
			ImagePlus result = StyleBankRunner.apply(imp, request, progress());
			ResultFiles.save(result, output);
			Object tiling = result.getProperty(StyleBankRunner.TILING);
			return String.format(Locale.ROOT, "Wrote %s (%d x %d, %d slice(s), %s%s) in %.1f s", output, result.getWidth(),
				result.getHeight(), result.getStackSize(), result.getTitle(), tiling == null ? "" : ", " + tiling, (System.nanoTime() - t0) / 1e9);
		});
	}

	/**
	 * {@code input=FOLDER output=FOLDER [model=] style= [pattern=*.tif] [overwrite=false] [rois=FOLDER] [format=tif|png]}:
	 * every matching image, the model loaded once; a failed file is recorded in OUTPUT/stylize-log.csv
	 * and the rest go on. Any failure makes the result an error line (exit status 1 in -batch).
	 */
	public static String stylizeFolder(String args) {
		return run(() -> {
			FolderRunner.Request request = FolderRunner.Request.from(Options.parse(args, FolderRunner.Request.KEYS), Settings.current());
			FolderRunner.Summary summary = FolderRunner.run(request, progress());
			String line = summary.line(request.output());
			if (summary.failed()) throw new IllegalArgumentException(line);
			return line;
		});
	}

	/**
	 * {@code input= model= rois=FILE.roi|RoiSet.zip [styles=NAME:ID,...] [outside=keep|reconstruct|ID]
	 * [feather=R] [fusion=whole-image|region-aware|paper] output= [device=]}.
	 */
	public static String stylizeRegions(String args) {
		return run(() -> {
			Options o = Options.parse(args, REGION_KEYS);
			Path input = o.path("input", "the image to stylize");
			Path output = o.path("output", "where to write the result, .png or .tif");
			Path roiFile = o.path("rois", "a .roi file or a RoiSet .zip saved by the ROI Manager");
			RegionStyleRunner.Request request = RegionStyleRunner.Request.from(o, Settings.current());
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

	/**
	 * {@code input= style=A.jpg[,B.jpg] output= [style_weights=0.5,0.5] [rois=RoiSet.zip styles=NAME:N,...
	 * outside=keep|content feather=R] [download=true] [device=]} and the settings of {@link GatysRunner.Request#KEYS}.
	 */
	public static String gatys(String args) {
		return run(() -> {
			Options o = Options.parse(args, GATYS_KEYS);
			Path input = o.path("input", "the content image");
			Path output = o.path("output", "where to write the result, .png or .tif");
			String[] styleFiles = o.require("style", "one or more style images, separated by commas").split(",");
			GatysRunner.Request request = GatysRunner.Request.from(o, styleFiles.length, Settings.current());
			ResultFiles.checkWritable(output);
			ImagePlus content = ResultFiles.open(input);
			List<ImagePlus> styles = new java.util.ArrayList<>();
			for (String s : styleFiles) styles.add(ResultFiles.open(Path.of(s.trim())));
			List<Roi> rois = o.has("rois") ? RoiFiles.read(o.path("rois", "")) : List.of();
			long t0 = System.nanoTime();
			ImagePlus result = GatysRunner.apply(content, styles, rois, request, progress(), null,
				line -> System.err.println("[style transfer] " + line));
			ResultFiles.save(result, output);
			return String.format(Locale.ROOT, "Wrote %s (%d x %d, %s) in %.1f s", output, result.getWidth(), result.getHeight(),
				result.getProperty("Info"), (System.nanoTime() - t0) / 1e9);
		});
	}

	/**
	 * {@code content=FOLDER styles=FOLDER output=MODEL.stylebank[.zip] [name=] [network=auto|vgg16|offline]
	 * [download=true] [checkpoint=DIR] [resume=true] [targets=FOLDER] [device=]} and the settings of {@link TrainingRunner#SETTINGS_KEYS}.
	 */
	public static String train(String args) {
		return run(() -> TrainingRunner.train(TrainingRunner.TrainRequest.from(Options.parse(args, TrainingRunner.TRAIN_KEYS),
			Settings.current()), progress(), null, Headless::log).message());
	}

	/**
	 * {@code model=DIR style=IMAGE id=ID content=FOLDER iterations=N size=S [name=] [output=] [targets=FOLDER]}:
	 * adds style ID to the model (or writes the result to output=), the autoencoder untouched.
	 */
	public static String learnStyle(String args) {
		return run(() -> TrainingRunner.learn(TrainingRunner.LearnRequest.from(Options.parse(args, TrainingRunner.LEARN_KEYS),
			Settings.current()), progress(), null, Headless::log).message());
	}

	/**
	 * Manages a model's styles: {@code model=M action=list}, {@code action=rename style=ID name=NEW},
	 * {@code action=remove style=ID}, {@code action=export style=ID file=OUT.stylebank-style.safetensors},
	 * {@code action=import file=IN.stylebank-style.safetensors}. Changes are saved into the model
	 * (or to output=); the autoencoder file is never rewritten.
	 */
	public static String manageStyles(String args) {
		return run(() -> StyleLibraryRunner.run(StyleLibraryRunner.request(Options.parse(args, StyleLibraryRunner.KEYS),
			Settings.current())));
	}

	/**
	 * {@code source=CHECKPOINT.pth|FOLDER output=NAME.stylebank[.zip] [name=]}: converts a PyTorch
	 * StyleBank checkpoint (read without running it) into a model, written only once it reads back.
	 */
	public static String importStyleBank(String args) {
		return run(() -> ImportRunner.run(ImportRunner.Request.from(Options.parse(args, ImportRunner.Request.KEYS), Settings.current()),
			progress()));
	}

	/**
	 * {@code [network=vgg19|vgg16|both] [file=vgg19-dcbb9e9d.pth] [torch_hub=true]}: installs VGG
	 * weights from a local torchvision file, from torch hub's cache, or (neither given) by download.
	 */
	public static String getVggWeights(String args) {
		return run(() -> VggWeightsRunner.run(VggWeightsRunner.Request.from(Options.parse(args, VggWeightsRunner.Request.KEYS),
			Settings.current()), progress(), Headless::log));
	}

	private static void log(String line) {
		System.err.println("[style transfer] " + line);
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
