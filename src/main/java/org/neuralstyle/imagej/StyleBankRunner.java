package org.neuralstyle.imagej;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import ij.ImagePlus;
import ij.ImageStack;

import org.neuralstyle.Progress;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.ModelCache;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;
import org.neuralstyle.stylebank.TiledInference;

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
		int tile = MemoryBudget.tileSize(source.getWidth(), source.getHeight(), net.model().channels()[0]);
		int n = source.getStackSize();
		ImageStack in = source.getStack();
		ImageStack out = new ImageStack(source.getWidth(), source.getHeight());
		try (NDManager manager = Engines.pytorch().newBaseManager(Device.cpu())) {
			for (int i = 1; i <= n; i++) {
				progress.checkCancelled();
				progress.report(i - 1, n, "Stylizing " + (n > 1 ? "slice " + i + "/" + n + " " : "") + "with " + mix.label());
				try (NDManager slice = manager.newSubManager()) {
					NDArray x = ImagePlanes.toTensor(source, i, slice);
					if (tile > 0) {
						// larger than the memory budget: exact tiles (global statistics, several passes)
						float[] y = TiledInference.apply(net, x.toFloatArray(), source.getWidth(), source.getHeight(), mix, tile, progress);
						x.close();
						out.addSlice(in.getSliceLabel(i), ImagePlanes.toColorProcessor(slice.create(y,
							new ai.djl.ndarray.types.Shape(3, source.getHeight(), source.getWidth()))));
					}
					else {
						NDArray y = net.apply(x, mix);
						out.addSlice(in.getSliceLabel(i), ImagePlanes.toColorProcessor(y));
					}
				}
			}
		}
		progress.report(n, n, "Stylized with " + mix.label());
		return resultImage(source, out, source.getShortTitle() + "-" + mix.label());
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

	/**
	 * Declines images whose activations would not fit in the memory budget where no tiled path
	 * exists yet (region styles), with advice, instead of failing deep inside libtorch.
	 */
	static void checkMemory(ImagePlus source) {
		long needed = MemoryBudget.untiledBytes(source.getWidth(), source.getHeight(), 32);
		long budget = MemoryBudget.bytes();
		if (needed > budget) {
			throw new IllegalArgumentException(String.format(
				"the image is %d x %d pixels; styling regions at once needs about %.1f GB but the memory budget is %.1f GB "
					+ "(region styles are not tiled yet). Scale it down (Image > Scale) or crop it, or raise the budget "
					+ "(-Dneuralstyle.memory.mb=...), and try again.",
				source.getWidth(), source.getHeight(), needed / 1e9, budget / 1e9));
		}
	}
}
