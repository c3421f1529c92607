package org.neuralstyle.gatys;

import org.neuralstyle.nn.FeatureNetwork;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The geometry and memory rules of tiled Gatys optimisation (see the README, "Big images"):
 * a grid of core tiles shifted between sweeps, each optimised in a crop that adds a margin of
 * context, and written back with a linear ramp over that margin.
 */
public final class Tiles {

	/** Iterations per tile and sweep when the iterations are spread over sweeps. */
	static final int SWEEP_ITERATIONS = 50;

	private Tiles() {}

	/** A core tile [x0, x1) x [y0, y1) and the crop around it that its optimisation sees. */
	public record Tile(int x0, int y0, int x1, int y1, int cx0, int cy0, int cx1, int cy1) {
		public int cropWidth() {
			return cx1 - cx0;
		}

		public int cropHeight() {
			return cy1 - cy0;
		}
	}

	/** The context margin around a core tile of side {@code tile}: tile / 8 in multiples of 8, at least 16 pixels. */
	public static int margin(int tile) {
		return Math.max(16, tile / 8 / 8 * 8);
	}

	/**
	 * Native bytes to optimise a w x h image: 3 x 4 bytes per float of the convolution outputs up
	 * to the deepest layer used (the forward maps kept for the backward pass, their gradients and
	 * about one transient of the same size).
	 */
	public static long optimiseBytes(FeatureNetwork net, Set<String> layers, int w, int h) {
		return 3 * 4 * net.activationFloats(w, h, layers) + 64L * w * h;
	}

	/** The largest crop a core tile of side {@code tile} can have (slivers are merged: cores up to 1.25 x tile). */
	static int largestCrop(int tile) {
		return tile + tile / 4 + 2 * margin(tile);
	}

	/**
	 * The tile side for a w x h level: 0 (the whole image at once) when {@code requested} is 0
	 * and the estimate fits {@code budget}, or when the image is not larger than the requested
	 * tile; else the requested side, or the largest of 2048, 1024, ... 64 whose largest crop fits.
	 */
	public static int tileFor(FeatureNetwork net, Set<String> layers, int w, int h, int requested, long budget) {
		if (requested > 0) return Math.max(w, h) > requested ? requested : 0;
		if (optimiseBytes(net, layers, w, h) <= budget) return 0;
		int t = 2048;
		while (t > 64 && (t >= Math.max(w, h) || optimiseBytes(net, layers, largestCrop(t), largestCrop(t)) > budget)) t /= 2;
		return t;
	}

	/** Number of sweeps for a tiled level: about one per {@link #SWEEP_ITERATIONS} iterations, at least 2. */
	static int sweeps(int iterations) {
		return Math.min(iterations, Math.max(2, (iterations + SWEEP_ITERATIONS - 1) / SWEEP_ITERATIONS));
	}

	/** Iterations of sweep {@code k} of {@code sweeps} (the iterations split evenly, earlier sweeps get the remainder). */
	static int sweepIterations(int iterations, int sweeps, int k) {
		return iterations / sweeps + (k < iterations % sweeps ? 1 : 0);
	}

	/** The grid offset of sweep k: tile x the van der Corput sequence (0, 1/2, 1/4, 3/4, ...), the same in x and y. */
	static int offset(int tile, int k) {
		double v = 0, f = 0.5;
		for (int i = k; i > 0; i >>= 1, f /= 2) if ((i & 1) != 0) v += f;
		return (int) Math.round(tile * v);
	}

	/** The segments [start, end) of [0, n): cuts at offset + k tile, a first or last piece under tile / 4 merged into its neighbour. */
	static List<int[]> segments(int n, int tile, int offset) {
		List<Integer> cuts = new ArrayList<>();
		int p = offset % tile;
		if (p == 0) p = tile;
		for (; p < n; p += tile) cuts.add(p);
		int min = Math.max(1, tile / 4);
		if (!cuts.isEmpty() && cuts.get(0) < min) cuts.remove(0);
		if (!cuts.isEmpty() && n - cuts.get(cuts.size() - 1) < min) cuts.remove(cuts.size() - 1);
		List<int[]> out = new ArrayList<>();
		int start = 0;
		for (int c : cuts) {
			out.add(new int[] { start, c });
			start = c;
		}
		out.add(new int[] { start, n });
		return out;
	}

	/** The tiles of one sweep (row by row); tile 0 means one tile, the whole image, without margin. */
	public static List<Tile> grid(int w, int h, int tile, int sweep) {
		if (tile <= 0) return List.of(new Tile(0, 0, w, h, 0, 0, w, h));
		int o = offset(tile, sweep), m = margin(tile);
		List<Tile> out = new ArrayList<>();
		for (int[] ys : segments(h, tile, o)) {
			for (int[] xs : segments(w, tile, o)) {
				out.add(new Tile(xs[0], ys[0], xs[1], ys[1], Math.max(0, xs[0] - m), Math.max(0, ys[0] - m), Math.min(w, xs[1] + m),
					Math.min(h, ys[1] + m)));
			}
		}
		return out;
	}

	/** The c planes of a w-wide image inside the tile's crop. */
	static float[] crop(float[] img, int c, int w, int h, Tile t) {
		int cw = t.cropWidth(), ch = t.cropHeight();
		float[] out = new float[c * cw * ch];
		for (int k = 0; k < c; k++) {
			for (int y = 0; y < ch; y++) System.arraycopy(img, k * w * h + (t.cy0 + y) * w + t.cx0, out, k * cw * ch + y * cw, cw);
		}
		return out;
	}

	/**
	 * The write-back weight of each crop pixel: 1 in the core and at the image's own borders,
	 * falling linearly to 0 across the margin towards the crop's inner edges (x and y ramps multiplied).
	 */
	static float[] weights(Tile t) {
		int cw = t.cropWidth(), ch = t.cropHeight();
		float[] wx = ramp(t.cx0, t.x0, t.x1, t.cx1), wy = ramp(t.cy0, t.y0, t.y1, t.cy1);
		float[] out = new float[cw * ch];
		for (int y = 0; y < ch; y++) for (int x = 0; x < cw; x++) out[y * cw + x] = wx[x] * wy[y];
		return out;
	}

	private static float[] ramp(int c0, int a, int b, int c1) {
		float[] r = new float[c1 - c0];
		for (int i = c0; i < c1; i++) {
			float v = 1;
			if (i < a) v = (i - c0 + 0.5f) / (a - c0);
			else if (i >= b) v = (c1 - i - 0.5f) / (c1 - b);
			r[i - c0] = v;
		}
		return r;
	}

	/** Blends the crop {@code x} (c planes) into {@code img} with the weights: img += weight (x - img). */
	static void blend(float[] img, int c, int w, int h, Tile t, float[] x, float[] weights) {
		int cw = t.cropWidth(), ch = t.cropHeight();
		for (int k = 0; k < c; k++) {
			for (int y = 0; y < ch; y++) {
				for (int i = 0; i < cw; i++) {
					int o = k * w * h + (t.cy0 + y) * w + t.cx0 + i;
					float a = weights[y * cw + i], v = x[k * cw * ch + y * cw + i];
					img[o] = a == 1 ? v : img[o] + a * (v - img[o]);
				}
			}
		}
	}
}
