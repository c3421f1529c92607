package org.neuralstyle.imagej;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import ij.ImagePlus;
import ij.ImageStack;

import org.neuralstyle.Progress;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.NativeMemory;
import org.neuralstyle.stylebank.ModelCache;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;
import org.neuralstyle.stylebank.TiledInference;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Applies a StyleBank style (or a fusion of styles) to every plane of an image and returns a
 * new RGB image titled after the source and the style, with the source's calibration and
 * dimensions. The source image is only read.
 */
public final class StyleBankRunner {

	/** What to run: model file or folder, style text (see {@link StyleMix}), device. */
	public record Request(Path model, String style, Engines.DeviceChoice device) {
		public Request {
			if (model == null) throw new IllegalArgumentException("no model given: choose a StyleBank model folder or .zip");
			if (style == null) style = "";
			if (device == null) device = Engines.DeviceChoice.AUTO;
		}
	}

	private StyleBankRunner() {}

	public static ImagePlus apply(ImagePlus source, Request request, Progress progress) throws Exception {
		if (source == null) throw new IllegalArgumentException("no image: open an image first");
		if (!Files.exists(request.model())) {
			throw new IllegalArgumentException("model not found: " + request.model()
				+ " (choose a StyleBank model folder or .zip)");
		}
		MemoryBudget.checkHeap(source.getWidth(), source.getHeight());
		return Engines.withPluginClassLoader(() -> run(source, request, progress));
	}

	private static ImagePlus run(ImagePlus source, Request request, Progress progress) throws Exception {
		progress.report(0, 1, "Loading model " + request.model().getFileName());
		Device device = Engines.device(request.device());
		StyleBankNetwork net = ModelCache.network(request.model(), device);
		StyleMix mix = StyleMix.parse(request.style(), net.model());
		int tile = MemoryBudget.tileSize(source.getWidth(), source.getHeight(), net.model().channels()[0], device);
		int n = source.getStackSize();
		ImageStack in = source.getStack();
		ImageStack out = new ImageStack(source.getWidth(), source.getHeight());
		try (NDManager manager = Engines.pytorch().newBaseManager(Device.cpu())) {
			for (int i = 1; i <= n; i++) {
				progress.checkCancelled();
				progress.report(i - 1, n, "Stylizing " + (n > 1 ? "slice " + i + "/" + n + " " : "") + "with " + mix.label());
				try (NDManager slice = manager.newSubManager()) {
					NDArray x = ImagePlanes.toTensor(source, i, slice);
					out.addSlice(in.getSliceLabel(i), ImagePlanes.toColorProcessor(stylize(net, x, null, List.of(mix),
						StyleBankNetwork.Fusion.PAPER, tile, progress)));
				}
			}
		}
		NativeMemory.trim(); // the freed maps back to the system (see NativeMemory)
		progress.report(n, n, "Stylized with " + mix.label());
		return resultImage(source, out, source.getShortTitle() + "-" + mix.label());
	}

	/** For tests: a pass over more input pixels than this fails as if out of memory (0 = off). */
	static volatile long simulatedMemoryLimitPixels;

	/**
	 * One plane (1 x 3 x H x W) through the network: whole when {@code tile} is 0, else in exact
	 * tiles. Out of memory (Java or native) in a pass makes the tiles smaller and tries again
	 * (1024, 512, ... 64 pixels); only when even 64-pixel tiles fail does the user see one message.
	 * {@code masks} (full-size, normalised) with one mix each, or null for {@code mixes.get(0)} everywhere.
	 */
	static NDArray stylize(StyleBankNetwork net, NDArray x, List<float[]> masks, List<StyleMix> mixes, StyleBankNetwork.Fusion fusion,
		int tile, Progress progress)
	{
		int h = (int) x.getShape().get(2), w = (int) x.getShape().get(3);
		int t = tile;
		if (t == 0) {
			try {
				simulateMemory((long) w * h);
				if (masks == null) return net.apply(x, mixes.get(0));
				List<NDArray> m = new ArrayList<>();
				for (float[] mask : masks) m.add(x.getManager().create(mask, new Shape(1, 1, h, w)));
				return net.applyRegions(x, m, mixes, fusion);
			}
			catch (OutOfMemoryError | EngineException e) {
				if (!outOfMemory(e)) throw e;
				t = 1024;
				progress.report(0, 1, "Out of memory for the whole image; retrying in tiles of " + t + " pixels");
			}
		}
		float[] in = x.toFloatArray();
		while (true) {
			try {
				simulateMemory((long) (t + 2 * TiledInference.MARGIN) * (t + 2 * TiledInference.MARGIN));
				float[] y = MemoryBudget.fastTiling()
					? TiledInference.applyFast(net, in, w, h, masks, mixes, fusion, t, MemoryBudget.FAST_STATISTICS_SIDE, progress)
					: TiledInference.apply(net, in, w, h, masks, mixes, fusion, t, progress);
				return x.getManager().create(y, new Shape(1, 3, h, w));
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

	private static void simulateMemory(long pixels) {
		long limit = simulatedMemoryLimitPixels;
		if (limit > 0 && pixels > limit) throw new OutOfMemoryError("simulated: " + pixels + " pixels in one pass");
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
