package org.neuralstyle.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import net.imglib2.Cursor;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.img.basictypeaccess.array.IntArray;
import net.imglib2.type.numeric.ARGBType;
import net.imglib2.type.numeric.RealType;
import net.imglib2.view.Views;

/**
 * The one conversion between ImgLib2 images and tensors: 2D planes to 1 x 3 x H x W float
 * tensors with values in [0, 1], and back. Greyscale planes map [min, max] linearly to [0, 1]
 * (clamped) and fill all three channels.
 */
public final class ImgTensors {

	private ImgTensors() {}

	public static NDArray fromArgb(RandomAccessibleInterval<ARGBType> rgb, NDManager manager) {
		return manager.create(chwFromArgb(rgb), new Shape(1, 3, rgb.dimension(1), rgb.dimension(0)));
	}

	/** As {@link #fromArgb}, as a Java array (3 x H x W): large images need not pass through native memory. */
	public static float[] chwFromArgb(RandomAccessibleInterval<ARGBType> rgb) {
		int w = (int) rgb.dimension(0), h = (int) rgb.dimension(1);
		int plane = w * h;
		float[] chw = new float[3 * plane];
		Cursor<ARGBType> c = Views.flatIterable(rgb).cursor();
		for (int i = 0; i < plane; i++) {
			int v = c.next().get();
			chw[i] = ((v >> 16) & 0xff) / 255f;
			chw[plane + i] = ((v >> 8) & 0xff) / 255f;
			chw[2 * plane + i] = (v & 0xff) / 255f;
		}
		return chw;
	}

	/** Greyscale: {@code min} maps to 0 and {@code max} to 1; {@code invert} flips that (inverting LUTs). */
	public static <T extends RealType<T>> NDArray fromGrey(RandomAccessibleInterval<T> grey, double min, double max,
		boolean invert, NDManager manager)
	{
		return manager.create(chwFromGrey(grey, min, max, invert), new Shape(1, 3, grey.dimension(1), grey.dimension(0)));
	}

	/** As {@link #fromGrey}, as a Java array (3 x H x W). */
	public static <T extends RealType<T>> float[] chwFromGrey(RandomAccessibleInterval<T> grey, double min, double max, boolean invert) {
		int w = (int) grey.dimension(0), h = (int) grey.dimension(1);
		int plane = w * h;
		float[] chw = new float[3 * plane];
		double scale = max > min ? 1.0 / (max - min) : 0;
		Cursor<T> c = Views.flatIterable(grey).cursor();
		for (int i = 0; i < plane; i++) {
			double v = (c.next().getRealDouble() - min) * scale;
			if (!(v >= 0)) v = 0; // also NaN
			else if (v > 1) v = 1;
			chw[i] = (float) (invert ? 1 - v : v);
		}
		System.arraycopy(chw, 0, chw, plane, plane);
		System.arraycopy(chw, 0, chw, 2 * plane, plane);
		return chw;
	}

	/** A 1 x 3 x H x W (or 3 x H x W) tensor in [0, 1] to an RGB image, rounding to 8 bits. */
	public static ArrayImg<ARGBType, IntArray> toArgb(NDArray t) {
		Shape s = t.getShape();
		return toArgb(t.toFloatArray(), (int) s.get(s.dimension() - 1), (int) s.get(s.dimension() - 2));
	}

	/** A 3 x H x W array in [0, 1] to an RGB image, rounding to 8 bits. */
	public static ArrayImg<ARGBType, IntArray> toArgb(float[] chw, int w, int h) {
		int plane = w * h;
		int[] argb = new int[plane];
		for (int i = 0; i < plane; i++) {
			argb[i] = 0xff000000 | (to8(chw[i]) << 16) | (to8(chw[plane + i]) << 8) | to8(chw[2 * plane + i]);
		}
		return ArrayImgs.argbs(argb, w, h);
	}

	private static int to8(float v) {
		int x = Math.round(v * 255f);
		return x < 0 ? 0 : Math.min(x, 255);
	}
}
