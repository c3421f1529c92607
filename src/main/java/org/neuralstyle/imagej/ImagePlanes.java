package org.neuralstyle.imagej;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;

import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.img.basictypeaccess.array.IntArray;
import net.imglib2.type.numeric.ARGBType;

import org.neuralstyle.image.ImgTensors;

/**
 * ImageJ planes as ImgLib2 images (wrapping ImageJ's pixel arrays, no copy) and as network
 * input tensors. 8-bit greyscale maps 0..255 to [0, 1]; 16- and 32-bit map their display range;
 * an inverting LUT is honoured; indexed-colour (8-bit colour) images go through their LUT to RGB.
 * Other LUTs are display only: the network sees intensities.
 */
public final class ImagePlanes {

	private ImagePlanes() {}

	/** The network input for one plane of {@code imp}'s stack (1-based index). */
	public static NDArray toTensor(ImagePlus imp, int slice, NDManager manager) {
		ImageProcessor ip = imp.getStack().getProcessor(slice);
		return manager.create(rgb(imp, slice), new Shape(1, 3, ip.getHeight(), ip.getWidth()));
	}

	/** One plane as RGB in [0, 1] (CHW; greyscale through its display range), by the same rules as {@link #toTensor}. */
	public static float[] rgb(ImagePlus imp, int slice) {
		ImageProcessor ip = imp.getStack().getProcessor(slice);
		int w = ip.getWidth(), h = ip.getHeight();
		if (ip instanceof ColorProcessor cp) {
			return ImgTensors.chwFromArgb(ArrayImgs.argbs((int[]) cp.getPixels(), w, h));
		}
		if (ip instanceof ByteProcessor) {
			if (imp.getType() == ImagePlus.COLOR_256) {
				ip.setColorModel(imp.getProcessor().getColorModel());
				ColorProcessor rgb = ip.convertToColorProcessor();
				return ImgTensors.chwFromArgb(ArrayImgs.argbs((int[]) rgb.getPixels(), w, h));
			}
			return ImgTensors.chwFromGrey(ArrayImgs.unsignedBytes((byte[]) ip.getPixels(), w, h), 0, 255, imp.isInvertedLut());
		}
		double[] range = displayRange(imp, slice);
		if (ip instanceof ShortProcessor) {
			return ImgTensors.chwFromGrey(ArrayImgs.unsignedShorts((short[]) ip.getPixels(), w, h), range[0], range[1], imp.isInvertedLut());
		}
		if (ip instanceof FloatProcessor) {
			return ImgTensors.chwFromGrey(ArrayImgs.floats((float[]) ip.getPixels(), w, h), range[0], range[1], imp.isInvertedLut());
		}
		throw new IllegalArgumentException("unsupported image type: " + ip.getClass().getSimpleName());
	}

	/** The display range that applies to a plane (per channel for composite images). */
	private static double[] displayRange(ImagePlus imp, int slice) {
		if (imp.isComposite() && imp.getNChannels() > 1) {
			int c = imp.convertIndexToPosition(slice)[0];
			var lut = ((ij.CompositeImage) imp).getChannelLut(c);
			return new double[] { lut.min, lut.max };
		}
		double min = imp.getDisplayRangeMin(), max = imp.getDisplayRangeMax();
		if (!(max > min)) { // a flat display range: fall back to the plane's own range
			var stats = imp.getStack().getProcessor(slice).getStats();
			min = stats.min;
			max = stats.max;
		}
		return new double[] { min, max };
	}

	/** A network output tensor as an RGB ImageJ plane (the ImgLib2 image's array is used as is). */
	public static ColorProcessor toColorProcessor(NDArray t) {
		ArrayImg<ARGBType, IntArray> img = ImgTensors.toArgb(t);
		return new ColorProcessor((int) img.dimension(0), (int) img.dimension(1), img.update(null).getCurrentStorageArray());
	}

	/** A 3 x H x W array in [0, 1] as an RGB ImageJ plane. */
	public static ColorProcessor toColorProcessor(float[] chw, int w, int h) {
		return new ColorProcessor(w, h, ImgTensors.toArgb(chw, w, h).update(null).getCurrentStorageArray());
	}
}
