package org.neuralstyle.image;

import net.imglib2.Cursor;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.img.basictypeaccess.array.FloatArray;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.view.Views;

import java.util.ArrayList;
import java.util.List;

/**
 * Soft region masks (values in [0, 1], one per region, image-sized): feathering and the
 * normalisation that makes the regions and the rest ("outside") sum to 1 at every pixel.
 * Where regions overlap by more than 1 in total they are divided by their sum; elsewhere they
 * are kept and the rest, 1 - sum, is outside.
 */
public final class RegionMasks {

	private RegionMasks() {}

	public static ArrayImg<FloatType, FloatArray> empty(int width, int height) {
		return ArrayImgs.floats(width, height);
	}

	/** The mask's values, row-major (copied from any ImgLib2 image; the array itself for float ArrayImgs). */
	public static float[] values(RandomAccessibleInterval<FloatType> mask) {
		if (mask instanceof ArrayImg<?, ?> a && a.update(null) instanceof FloatArray fa) return fa.getCurrentStorageArray();
		int n = (int) (mask.dimension(0) * mask.dimension(1));
		float[] out = new float[n];
		Cursor<FloatType> c = Views.flatIterable(mask).cursor();
		for (int i = 0; i < n; i++) out[i] = c.next().get();
		return out;
	}

	/**
	 * Feathering: a Gaussian blur with sigma = radius / 2 (truncated at 3 sigma, edges
	 * repeated), so a hard edge becomes a ramp about one radius wide on each side. Radius 0
	 * leaves the mask as it is. Returns a new array.
	 */
	public static float[] feather(float[] mask, int width, int height, double radius) {
		if (!(radius >= 0) || Double.isInfinite(radius)) throw new IllegalArgumentException("feather radius must be 0 or more, got " + radius);
		if (radius == 0) return mask.clone();
		double sigma = radius / 2;
		int r = (int) Math.ceil(3 * sigma);
		float[] k = new float[2 * r + 1];
		double sum = 0;
		for (int i = -r; i <= r; i++) sum += k[i + r] = (float) Math.exp(-i * i / (2 * sigma * sigma));
		for (int i = 0; i < k.length; i++) k[i] /= (float) sum;
		float[] tmp = new float[mask.length];
		float[] out = new float[mask.length];
		for (int y = 0; y < height; y++) {
			int row = y * width;
			for (int x = 0; x < width; x++) {
				float acc = 0;
				for (int i = -r; i <= r; i++) acc += k[i + r] * mask[row + Math.min(width - 1, Math.max(0, x + i))];
				tmp[row + x] = acc;
			}
		}
		for (int y = 0; y < height; y++) {
			for (int x = 0; x < width; x++) {
				float acc = 0;
				for (int i = -r; i <= r; i++) acc += k[i + r] * tmp[Math.min(height - 1, Math.max(0, y + i)) * width + x];
				out[y * width + x] = Math.min(1f, Math.max(0f, acc));
			}
		}
		return out;
	}

	/**
	 * Normalises region masks: M_i = m_i / max(1, sum_j m_j). Returns the regions' masks
	 * followed by the outside mask, max(0, 1 - sum_i M_i), as the last element.
	 */
	public static List<float[]> normalise(List<float[]> masks, int pixels) {
		List<float[]> out = new ArrayList<>();
		float[] total = new float[pixels];
		for (float[] m : masks) {
			if (m.length != pixels) throw new IllegalArgumentException("mask size does not match the image");
			for (int i = 0; i < pixels; i++) total[i] += m[i];
		}
		float[] rest = new float[pixels];
		for (float[] m : masks) {
			float[] n = new float[pixels];
			for (int i = 0; i < pixels; i++) n[i] = m[i] / Math.max(total[i], 1f);
			for (int i = 0; i < pixels; i++) rest[i] += n[i];
			out.add(n);
		}
		for (int i = 0; i < pixels; i++) rest[i] = Math.max(0f, 1f - rest[i]);
		out.add(rest);
		return out;
	}
}
