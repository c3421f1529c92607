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
			Path model = Path.of(a.require("model", "a StyleBank model folder or .zip"));
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
			Path model = Path.of(a.require("model", "a StyleBank model folder or .zip"));
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
		catch (IllegalArgumentException | java.io.IOException e) {
			message = e.getMessage();
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
