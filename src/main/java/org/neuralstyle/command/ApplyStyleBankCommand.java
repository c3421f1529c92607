package org.neuralstyle.command;

import ij.ImagePlus;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.StyleBankRunner;
import org.neuralstyle.nn.Engines;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;

/**
 * The SciJava door to StyleBank inference, for scripts and CommandService:
 * {@code commandService.run(ApplyStyleBankCommand.class, true, "image", imp, "model", file, "style", "id")}.
 * It has no menu path on purpose: the menu entry in both ImageJ 1.x and Fiji is the ImageJ 1.x
 * plugin of plugins.config ({@link ApplyStyleBankPlugin}), so no Fiji user sees it twice.
 */
@Plugin(type = Command.class, headless = true, label = "Apply StyleBank Style",
	description = "Stylize an image with a StyleBank model; the result is a new image.")
public class ApplyStyleBankCommand extends StyleCommand {

	@Parameter(label = "Image")
	private ImagePlus image;

	@Parameter(label = "Model", description = "A StyleBank model folder (NAME.stylebank) or .zip; empty: the default model", style = "both", required = false)
	private File model;

	@Parameter(label = "Style", description = "A style id or name, 'id1:w1,id2:w2' for a linear mix, or 'reconstruction'")
	private String style;

	@Parameter(label = "Device", choices = { "auto", "cpu", "gpu" }, required = false)
	private String device = "auto";

	@Parameter(label = "In place", description = "Replace the image's pixels instead of returning a new image (Edit > Undo restores a single image)", required = false, persist = false)
	private boolean inPlace;

	@Override
	ImagePlus compute(Progress progress) throws Exception {
		if (inPlace && image != null) org.neuralstyle.imagej.InPlace.check(image);
		ImagePlus r = StyleBankRunner.apply(image,
			new StyleBankRunner.Request(org.neuralstyle.stylebank.DefaultModel.resolve(model == null ? "" : model.getPath()), style, Engines.DeviceChoice.parse(device)), progress);
		if (!inPlace) return r;
		org.neuralstyle.imagej.InPlace.replace(image, r);
		return image;
	}
}
