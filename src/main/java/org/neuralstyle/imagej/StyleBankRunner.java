package org.neuralstyle.imagej;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import ij.ImagePlus;
import ij.ImageStack;

import org.neuralstyle.Progress;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.MemoryBudget;
import org.neuralstyle.nn.NativeMemory;
import org.neuralstyle.stylebank.DefaultModel;
import org.neuralstyle.stylebank.ModelCache;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;
import org.neuralstyle.stylebank.TiledInference;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Applies a StyleBank style (or a fusion of styles) to every plane of an image and returns a
 * new RGB image titled after the source and the style, with the source's calibration and
 * dimensions. The source image is only read.
 */
public final class StyleBankRunner {

	/** What to run: model file or folder, style text (see {@link StyleMix}), device, and the plugin's settings. */
	public record Request(Path model, String style, Engines.DeviceChoice device, EngineSettings settings) {
		/** The options every door reads for this function (doors add their own: input and output files, in_place). */
		public static final Set<String> KEYS = Set.of("model", "style", "mix", "device");

		public Request {
			if (model == null) throw new IllegalArgumentException("no model given: choose a StyleBank model folder or .zip");
			if (style == null) style = "";
			if (device == null) device = Engines.DeviceChoice.AUTO;
			if (settings == null) throw new IllegalArgumentException("no settings");
		}

		/** With the settings in effect now ({@link Settings#current()}). */
		public Request(Path model, String style, Engines.DeviceChoice device) {
			this(model, style, device, Settings.current());
		}

		/**
		 * model (a folder or .zip; empty or "default": the default model), style (an id or name,
		 * 'id1:w1,id2:w2' or 'reconstruction'), mix (a fusion; when given it replaces style), device.
		 */
		public static Request from(Options o, EngineSettings settings) throws java.io.IOException {
			String mix = o.get("mix", "").trim();
			String style = mix.isEmpty() ? o.require("style", "a style id, 'id1:w1,id2:w2' for a mix, or 'reconstruction'") : mix;
			return new Request(DefaultModel.resolve(o.get("model", ""), settings.modelsFolder()), style, o.device(settings.device()),
				settings);
		}
	}

	/** The result image's property that says how it was tiled (absent when untiled). */
	public static final String TILING = "neuralstyle.tiling";

	private StyleBankRunner() {}

	public static ImagePlus apply(ImagePlus source, Request request, Progress progress) throws Exception {
		if (source == null) throw new IllegalArgumentException("no image: open an image first");
		if (!Files.exists(request.model())) {
			throw new IllegalArgumentException("model not found: " + request.model()
				+ " (choose a StyleBank model folder or .zip)");
		}
		MemoryBudget.checkHeap(source.getWidth(), source.getHeight());
		Engines.configure(request.settings());
		return Engines.withPluginClassLoader(() -> run(source, request, progress));
	}

	private static ImagePlus run(ImagePlus source, Request request, Progress progress) throws Exception {
		progress.report(0, 1, "Loading model " + request.model().getFileName());
		Device device = Engines.device(request.device());
		StyleBankNetwork net = ModelCache.network(request.model(), device, request.settings().half().on(device));
		StyleMix mix = StyleMix.parse(request.style(), net.model());
		int w = source.getWidth(), h = source.getHeight();
		long budget = MemoryBudget.forImage(device, request.settings(), w, h);
		int c1 = net.model().channels()[0];
		int tile = TiledInference.tileSize(w, h, c1, budget, device.isGpu());
		// fast tiling where tiles are needed for memory; tiles chosen for speed alone stay exact
		boolean fast = request.settings().tiling() == EngineSettings.Tiling.FAST && TiledInference.needsTiles(w, h, c1, budget);
		int n = source.getStackSize();
		ImageStack in = source.getStack();
		ImageStack out = new ImageStack(w, h);
		for (int i = 1; i <= n; i++) {
			progress.checkCancelled();
			progress.report(i - 1, n, "Stylizing " + (n > 1 ? "slice " + i + "/" + n + " " : "") + "with " + mix.label());
			float[] y = stylize(net, ImagePlanes.rgb(source, i), w, h, null, List.of(mix), StyleBankNetwork.Fusion.PAPER, tile, budget, fast,
				progress);
			out.addSlice(in.getSliceLabel(i), ImagePlanes.toColorProcessor(y, w, h));
		}
		NativeMemory.trim(); // the freed maps back to the system (see NativeMemory)
		progress.report(n, n, "Stylized with " + mix.label());
		ImagePlus result = resultImage(source, out, source.getShortTitle() + "-" + mix.label());
		if (tile > 0) result.setProperty(TILING, "tiles of " + tile + " px (" + (fast ? "fast" : "exact") + " tiling)");
		return result;
	}

	/** What runs one pass of the network; tests put a fake here to simulate running out of memory (CSBDeep does the same). */
	interface Pass {
		NDArray run(StyleBankNetwork net, NDArray x, List<float[]> masks, List<StyleMix> mixes, StyleBankNetwork.Fusion fusion);
	}

	/** What runs a tiled pass (as {@link Pass}, on CHW arrays). */
	interface TiledPass {
		float[] run(StyleBankNetwork net, float[] chw, int w, int h, List<float[]> masks, List<StyleMix> mixes,
			StyleBankNetwork.Fusion fusion, int tile, TiledInference.Room room, boolean fast, Progress progress);
	}

	static Pass whole = StyleBankRunner::wholePass;
	static TiledPass tiled = StyleBankRunner::tiledPass;

	private static NDArray wholePass(StyleBankNetwork net, NDArray x, List<float[]> masks, List<StyleMix> mixes,
		StyleBankNetwork.Fusion fusion)
	{
		if (masks == null) return net.apply(x, mixes.get(0));
		int h = (int) x.getShape().get(2), w = (int) x.getShape().get(3);
		List<NDArray> m = new ArrayList<>();
		for (float[] mask : masks) m.add(x.getManager().create(mask, new Shape(1, 1, h, w)));
		return net.applyRegions(x, m, mixes, fusion);
	}

	private static float[] tiledPass(StyleBankNetwork net, float[] chw, int w, int h, List<float[]> masks, List<StyleMix> mixes,
		StyleBankNetwork.Fusion fusion, int tile, TiledInference.Room room, boolean fast, Progress progress)
	{
		return fast ? TiledInference.applyFast(net, chw, w, h, masks, mixes, fusion, tile, MemoryBudget.FAST_STATISTICS_SIDE, progress)
			: TiledInference.apply(net, chw, w, h, masks, mixes, fusion, tile, room, progress);
	}

	/**
	 * One plane (3 x h x w floats in [0, 1]) through the network: whole when {@code tile} is 0,
	 * else in exact tiles, which read and write the Java arrays directly (a large image never
	 * passes whole through native memory). Out of memory (Java or native) in a pass makes the
	 * tiles smaller and tries again ({@value TiledInference#MAX_TILE}, 256, ... 64 pixels); only
	 * when even 64-pixel tiles fail does the user see one message. {@code masks} (full-size,
	 * normalised) with one mix each, or null for {@code mixes.get(0)} everywhere; {@code budget}
	 * bounds what the tiles keep in memory between passes (the rest goes to temporary files).
	 */
	static float[] stylize(StyleBankNetwork net, float[] chw, int w, int h, List<float[]> masks, List<StyleMix> mixes,
		StyleBankNetwork.Fusion fusion, int tile, long budget, boolean fast, Progress progress)
	{
		int t = tile;
		if (t == 0) {
			try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
				return whole.run(net, m.create(chw, new Shape(1, 3, h, w)), masks, mixes, fusion).toFloatArray();
			}
			catch (OutOfMemoryError | EngineException e) {
				if (!outOfMemory(e)) throw e;
				t = TiledInference.MAX_TILE;
				progress.report(0, 1, "Out of memory for the whole image; retrying in tiles of " + t + " pixels");
			}
		}
		while (true) {
			try {
				return tiled.run(net, chw, w, h, masks, mixes, fusion, t, TiledInference.Room.forBudget(budget, t,
					net.model().channels()[0]), fast, progress);
			}
			catch (OutOfMemoryError | EngineException e) {
				if (!outOfMemory(e)) throw e;
				if (t <= 64) {
					throw new IllegalArgumentException("out of memory even in tiles of 64 pixels (" + e.getMessage() + "). Close other "
						+ "images or programs, give ImageJ more memory, or scale the image down, and try again.");
				}
				t /= 2;
				progress.report(0, 1, "Out of memory; retrying in tiles of " + t + " pixels");
			}
		}
	}

	/** Java's OutOfMemoryError, or libtorch's allocation failures (CPU "can't allocate", CUDA "out of memory"). */
	static boolean outOfMemory(Throwable e) {
		if (e instanceof OutOfMemoryError) return true;
		String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
		return m.contains("out of memory") || m.contains("can't allocate") || m.contains("cannot allocate") || m.contains("bad_alloc");
	}

	/** A new image with the source's calibration, dimensions and info. */
	static ImagePlus resultImage(ImagePlus source, ImageStack out, String title) {
		int n = out.getSize();
		ImagePlus result = new ImagePlus(title, out);
		result.setCalibration(source.getCalibration().copy());
		if (source.getNChannels() * source.getNSlices() * source.getNFrames() == n) {
			result.setDimensions(source.getNChannels(), source.getNSlices(), source.getNFrames());
			if (source.isHyperStack()) result.setOpenAsHyperStack(true);
		}
		Object info = source.getProperty("Info");
		if (info != null) result.setProperty("Info", info);
		return result;
	}
}
