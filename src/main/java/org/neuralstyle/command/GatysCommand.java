package org.neuralstyle.command;

import ij.ImagePlus;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.GatysRunner;
import org.neuralstyle.imagej.RegionStyleRunner;
import org.neuralstyle.imagej.RoiMasks;
import org.neuralstyle.nn.Engines;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.util.ArrayList;
import java.util.List;

/**
 * The SciJava door to Gatys style transfer, for scripts and CommandService. No menu path: the
 * menu entry is {@link GatysPlugin}. Settings beyond the main ones go in {@code options} as
 * {@code key=value} pairs (keys of {@link GatysArgs}).
 */
@Plugin(type = Command.class, headless = true, label = "Gatys Style Transfer",
	description = "Optimise an image so that its VGG features match the content image and its Gram matrices the style image.")
public class GatysCommand extends StyleCommand {

	@Parameter(label = "Content image")
	private ImagePlus image;

	@Parameter(label = "Style image")
	private ImagePlus style;

	@Parameter(label = "Second style image", required = false)
	private ImagePlus style2;

	@Parameter(label = "Iterations", min = "1", required = false)
	private int iterations = 200;

	@Parameter(label = "Size (long side, pixels)", min = "16", required = false)
	private int size = 384;

	@Parameter(label = "Tile size (pixels, 0 = automatic by the memory budget)", min = "0", required = false)
	private int tile = 0;

	@Parameter(label = "Network", choices = { "auto", "vgg19", "vgg16", "offline" }, required = false)
	private String network = "auto";

	@Parameter(label = "Download missing VGG weights", required = false)
	private boolean download = false;

	@Parameter(label = "Regions", choices = { "none", "selection", "roi manager", "overlay" }, required = false)
	private String regions = "none";

	@Parameter(label = "Region styles (ROI_NAME:N,...)", required = false)
	private String styles = "";

	@Parameter(label = "Keep original pixels outside the regions", required = false)
	private boolean keepOutside = false;

	@Parameter(label = "Other settings (key=value ...)", required = false)
	private String options = "";

	@Parameter(label = "Device", choices = { "auto", "cpu", "gpu" }, required = false)
	private String device = "auto";

	@Override
	ImagePlus compute(Progress progress) throws Exception {
		MacroArgs extra = MacroArgs.parse(options, java.util.Set.copyOf(GatysPlugin.keys()));
		var settings = GatysArgs.settings(k -> switch (k) {
			case "iterations" -> String.valueOf(iterations);
			case "size" -> String.valueOf(size);
			case "tile" -> String.valueOf(tile);
			default -> extra.get(k, null);
		});
		List<ImagePlus> st = new ArrayList<>();
		st.add(style);
		if (style2 != null) st.add(style2);
		var request = new GatysRunner.Request(network, GatysArgs.pooling(extra.get("pooling", null)), download, settings,
			GatysArgs.weights(extra.get("style_weights", null), st.size()), styles, keepOutside,
			GatysArgs.number(k -> extra.get(k, null), "feather", RegionStyleRunner.DEFAULT_FEATHER),
			Engines.DeviceChoice.parse(device));
		return GatysRunner.apply(image, st, regions.equals("none") ? List.of() : RoiMasks.rois(image, RoiMasks.Source.parse(regions)),
			request, progress, null, this::info);
	}
}
