package org.neuralstyle.command;

import ij.ImagePlus;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.GatysRunner;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.RoiMasks;
import org.neuralstyle.imagej.Settings;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SciJava door to Gatys style transfer, for scripts and CommandService. No menu path: the
 * menu entry is {@link GatysPlugin}. Settings beyond the main ones go in {@code options} as
 * {@code key=value} pairs (keys of {@link GatysRunner.Request#KEYS}).
 */
@Plugin(type = Command.class, headless = true, label = "Gatys Style Transfer",
	description = "Optimise an image so that its VGG features match the content image and its Gram matrices the style image.")
public class GatysCommand extends StyleCommand {

	@Parameter(label = "Content image", persist = false)
	private ImagePlus image;

	@Parameter(label = "Style image", persist = false)
	private ImagePlus style;

	@Parameter(label = "Second style image", required = false, persist = false)
	private ImagePlus style2;

	@Parameter(label = "Iterations", min = "1", required = false, persist = false)
	private int iterations = 200;

	@Parameter(label = "Size (long side, pixels)", min = "16", required = false, persist = false)
	private int size = 384;

	@Parameter(label = "Tile size (pixels, 0 = automatic by the memory budget)", min = "0", required = false, persist = false)
	private int tile = 0;

	@Parameter(label = "Network", choices = { "auto", "vgg19", "vgg16", "offline", "random-vgg" }, required = false, persist = false)
	private String network = "auto";

	@Parameter(label = "Download missing VGG weights", required = false, persist = false)
	private boolean download = false;

	@Parameter(label = "Regions", choices = { "none", "selection", "roi manager", "overlay" }, required = false, persist = false)
	private String regions = "none";

	@Parameter(label = "Region styles (ROI_NAME:N,...)", required = false, persist = false)
	private String styles = "";

	@Parameter(label = "Keep original pixels outside the regions", required = false, persist = false)
	private boolean keepOutside = false;

	@Parameter(label = "Other settings (key=value ...)", required = false, persist = false)
	private String options = "";

	@Parameter(label = "Device", choices = { "auto", "cpu", "gpu" }, required = false, persist = false)
	private String device = "auto";

	@Override
	ImagePlus compute(Progress progress) throws Exception {
		Map<String, String> v = new LinkedHashMap<>();
		v.put("iterations", String.valueOf(iterations));
		v.put("size", String.valueOf(size));
		v.put("tile", String.valueOf(tile));
		v.put("network", network);
		v.put("download", String.valueOf(download));
		v.put("styles", styles);
		v.put("outside", keepOutside ? "keep" : "content");
		v.put("device", device);
		Options o = Options.of(v, GatysRunner.Request.KEYS).with(options);
		List<ImagePlus> st = new ArrayList<>();
		st.add(style);
		if (style2 != null) st.add(style2);
		GatysRunner.Request request = GatysRunner.Request.from(o, st.size(), Settings.current());
		return GatysRunner.apply(image, st, regions.equals("none") ? List.of() : RoiMasks.rois(image, RoiMasks.Source.parse(regions)),
			request, progress, null, this::info);
	}
}
