package org.neuralstyle.image;

/** Bilinear resizing of CHW float planes (pixel centres aligned, edges clamped). */
public final class Resize {

	private Resize() {}

	public static float[] bilinear(float[] src, int channels, int w, int h, int nw, int nh) {
		if (w == nw && h == nh) return src.clone();
		float[] out = new float[channels * nw * nh];
		double sx = (double) w / nw, sy = (double) h / nh;
		for (int y = 0; y < nh; y++) {
			double fy = Math.max(0, Math.min(h - 1, (y + 0.5) * sy - 0.5));
			int y0 = (int) fy, y1 = Math.min(h - 1, y0 + 1);
			double ty = fy - y0;
			for (int x = 0; x < nw; x++) {
				double fx = Math.max(0, Math.min(w - 1, (x + 0.5) * sx - 0.5));
				int x0 = (int) fx, x1 = Math.min(w - 1, x0 + 1);
				double tx = fx - x0;
				for (int c = 0; c < channels; c++) {
					int base = c * w * h;
					double top = src[base + y0 * w + x0] * (1 - tx) + src[base + y0 * w + x1] * tx;
					double bottom = src[base + y1 * w + x0] * (1 - tx) + src[base + y1 * w + x1] * tx;
					out[c * nw * nh + y * nw + x] = (float) (top * (1 - ty) + bottom * ty);
				}
			}
		}
		return out;
	}

	/** Box-average downscaling for large reductions (each output pixel averages its source area), bilinear otherwise. */
	public static float[] area(float[] src, int channels, int w, int h, int nw, int nh) {
		if (nw * 2 > w || nh * 2 > h) return bilinear(src, channels, w, h, nw, nh);
		float[] out = new float[channels * nw * nh];
		for (int c = 0; c < channels; c++) {
			for (int y = 0; y < nh; y++) {
				int ya = (int) ((long) y * h / nh), yb = Math.max(ya + 1, (int) ((long) (y + 1) * h / nh));
				for (int x = 0; x < nw; x++) {
					int xa = (int) ((long) x * w / nw), xb = Math.max(xa + 1, (int) ((long) (x + 1) * w / nw));
					double s = 0;
					for (int yy = ya; yy < yb; yy++) for (int xx = xa; xx < xb; xx++) s += src[c * w * h + yy * w + xx];
					out[c * nw * nh + y * nw + x] = (float) (s / ((yb - ya) * (xb - xa)));
				}
			}
		}
		return out;
	}
}
