package org.neuralstyle.command;

import ij.ImagePlus;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.InPlace;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.RegionStyleRunner;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.RoiMasks;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SciJava door to region styles, for scripts and CommandService. No menu path: the menu
 * entry is {@link ApplyRegionStylesPlugin} (see README, "One menu entry, two menu systems").
 */
@Plugin(type = Command.class, headless = true, label = "Apply Styles to Regions",
	description = "Give each ImageJ region its own StyleBank style, fused in feature space.")
public class ApplyRegionStylesCommand extends StyleCommand {

	@Parameter(label = "Image", persist = false)
	private ImagePlus image;

	@Parameter(label = "Model", description = "A StyleBank model folder (NAME.stylebank) or .zip; empty: the default model", style = "both", required = false, persist = false)
	private File model;

	@Parameter(label = "Regions", choices = { "selection", "roi manager", "overlay" }, persist = false)
	private String regions = "roi manager";

	@Parameter(label = "Styles", required = false, description = "ROI_NAME:STYLE,...; empty: each ROI's 'style' property or name", persist = false)
	private String styles = "";

	@Parameter(label = "Outside", required = false, description = "keep, reconstruct, or a style id", persist = false)
	private String outside = "keep";

	@Parameter(label = "Feather (pixels)", min = "0", required = false, persist = false)
	private double feather = RegionStyleRunner.DEFAULT_FEATHER;

	@Parameter(label = "Fusion", choices = { "whole-image", "region-aware", "paper" }, required = false, persist = false)
	private String fusion = "whole-image";

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
		v.put("styles", styles);
		v.put("outside", outside);
		v.put("feather", Double.toString(feather));
		v.put("fusion", fusion);
		v.put("device", device);
		Options o = Options.of(v, RegionStyleRunner.Request.KEYS).with(options);
		RegionStyleRunner.Request request = RegionStyleRunner.Request.from(o, Settings.current());
		if (inPlace && image != null) InPlace.check(image);
		ImagePlus r = RegionStyleRunner.apply(image, image == null ? null : RoiMasks.rois(image, RoiMasks.Source.parse(regions)), request,
			progress);
		if (!inPlace) return r;
		InPlace.replace(image, r);
		return image;
	}
}
