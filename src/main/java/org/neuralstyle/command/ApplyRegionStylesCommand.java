package org.neuralstyle.command;

import ij.ImagePlus;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.RegionStyleRunner;
import org.neuralstyle.imagej.RoiMasks;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;

/**
 * The SciJava door to region styles, for scripts and CommandService. No menu path: the menu
 * entry is {@link ApplyRegionStylesPlugin} (see README, "One menu entry, two menu systems").
 */
@Plugin(type = Command.class, headless = true, label = "Apply Styles to Regions",
	description = "Give each ImageJ region its own StyleBank style, fused in feature space.")
public class ApplyRegionStylesCommand extends StyleCommand {

	@Parameter(label = "Image")
	private ImagePlus image;

	@Parameter(label = "Model", description = "A StyleBank model folder (NAME.stylebank) or .zip; empty: the default model", style = "both", required = false)
	private File model;

	@Parameter(label = "Regions", choices = { "selection", "roi manager", "overlay" })
	private String regions = "roi manager";

	@Parameter(label = "Styles", required = false, description = "ROI_NAME:STYLE,...; empty: each ROI's 'style' property or name")
	private String styles = "";

	@Parameter(label = "Outside", required = false, description = "keep, reconstruct, or a style id")
	private String outside = "keep";

	@Parameter(label = "Feather (pixels)", min = "0", required = false)
	private double feather = RegionStyleRunner.DEFAULT_FEATHER;

	@Parameter(label = "Fusion", choices = { "region-aware", "paper" }, required = false)
	private String fusion = "region-aware";

	@Parameter(label = "Device", choices = { "auto", "cpu", "gpu" }, required = false)
	private String device = "auto";

	@Parameter(label = "In place", description = "Replace the image's pixels instead of returning a new image (Edit > Undo restores a single image)", required = false, persist = false)
	private boolean inPlace;

	@Override
	ImagePlus compute(Progress progress) throws Exception {
		if (inPlace && image != null) org.neuralstyle.imagej.InPlace.check(image);
		ImagePlus r = RegionStyleRunner.apply(image, image == null ? null : RoiMasks.rois(image, RoiMasks.Source.parse(regions)),
			new RegionStyleRunner.Request(org.neuralstyle.stylebank.DefaultModel.resolve(model == null ? "" : model.getPath()), styles, outside, feather,
				StyleBankNetwork.Fusion.parse(fusion), Engines.DeviceChoice.parse(device)),
			progress);
		if (!inPlace) return r;
		org.neuralstyle.imagej.InPlace.replace(image, r);
		return image;
	}
}
