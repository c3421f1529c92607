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

import java.lang.management.ManagementFactory;
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
		checkMemory(source);
		return Engines.withPluginClassLoader(() -> run(source, request, progress));
	}

	private static ImagePlus run(ImagePlus source, Request request, Progress progress) throws Exception {
		progress.report(0, 1, "Loading model " + request.model().getFileName());
		Device device = Engines.device(request.device());
		StyleBankNetwork net = ModelCache.network(request.model(), device);
		StyleMix mix = StyleMix.parse(request.style(), net.model());
		int n = source.getStackSize();
		ImageStack in = source.getStack();
		ImageStack out = new ImageStack(source.getWidth(), source.getHeight());
		try (NDManager manager = Engines.pytorch().newBaseManager(Device.cpu())) {
			for (int i = 1; i <= n; i++) {
				progress.checkCancelled();
				progress.report(i - 1, n, "Stylizing " + (n > 1 ? "slice " + i + "/" + n + " " : "") + "with " + mix.label());
				try (NDManager slice = manager.newSubManager()) {
					NDArray x = ImagePlanes.toTensor(source, i, slice);
					NDArray y = net.apply(x, mix);
					out.addSlice(in.getSliceLabel(i), ImagePlanes.toColorProcessor(y));
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
	 * Declines images whose activations would not fit in memory, with advice, instead of
	 * failing deep inside libtorch. The largest tensors are the c1-channel full-size maps.
	 */
	static void checkMemory(ImagePlus source) {
		long pixels = (long) source.getWidth() * source.getHeight();
		long available = physicalMemory();
		long needed = pixels * 4L * 32 * 4; // four live 32-channel float maps (paper width)
		if (available > 0 && needed > available * 3 / 4) {
			throw new IllegalArgumentException(String.format(
				"the image is %d x %d pixels; stylizing it at once needs about %.1f GB but this machine has %.1f GB. "
					+ "Scale it down (Image > Scale) or crop it, and try again.",
				source.getWidth(), source.getHeight(), needed / 1e9, available / 1e9));
		}
	}

	private static long physicalMemory() {
		try {
			var os = ManagementFactory.getOperatingSystemMXBean();
			if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getTotalMemorySize();
		}
		catch (RuntimeException | LinkageError e) {
			// not a HotSpot JVM: no estimate
		}
		return -1;
	}
}
