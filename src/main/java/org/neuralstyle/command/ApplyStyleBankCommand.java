package org.neuralstyle.command;

import ij.ImagePlus;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.InPlace;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.StyleBankRunner;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SciJava door to StyleBank inference, for scripts and CommandService:
 * {@code commandService.run(ApplyStyleBankCommand.class, true, "image", imp, "model", file, "style", "id")}.
 * It has no menu path on purpose: the menu entry in both ImageJ 1.x and Fiji is the ImageJ 1.x
 * plugin of plugins.config ({@link ApplyStyleBankPlugin}), so no Fiji user sees it twice.
 */
@Plugin(type = Command.class, headless = true, label = "Apply StyleBank Style",
	description = "Stylize an image with a StyleBank model; the result is a new image.")
public class ApplyStyleBankCommand extends StyleCommand {

	@Parameter(label = "Image", persist = false)
	private ImagePlus image;

	@Parameter(label = "Model", description = "A StyleBank model folder (NAME.stylebank) or .zip; empty: the default model", style = "both", required = false, persist = false)
	private File model;

	@Parameter(label = "Style", description = "A style id or name, 'id1:w1,id2:w2' for a linear mix, or 'reconstruction'", persist = false)
	private String style;

	@Parameter(label = "Device", choices = { "auto", "cpu", "gpu" }, required = false, persist = false)
	private String device = "auto";

	@Parameter(label = "In place", description = "Replace the image's pixels instead of returning a new image (Edit > Undo restores a single image)", required = false, persist = false)
	private boolean inPlace;

	@Parameter(label = "Other options (key=value ..., as in the macro)", required = false, persist = false)
	private String options = "";

	@Override
	ImagePlus compute(Progress progress) throws Exception {
		Map<String, String> v = new LinkedHashMap<>();
		v.put("model", model == null ? "" : model.getPath());
		v.put("style", style);
		v.put("device", device);
		Options o = Options.of(v, StyleBankRunner.Request.KEYS).with(options);
		StyleBankRunner.Request request = StyleBankRunner.Request.from(o, Settings.current());
		if (inPlace && image != null) InPlace.check(image);
		ImagePlus r = StyleBankRunner.apply(image, request, progress);
		if (!inPlace) return r;
		InPlace.replace(image, r);
		return image;
	}
}
