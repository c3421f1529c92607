package org.neuralstyle.stylebank;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Layers;
import org.neuralstyle.nn.Scalars;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The exact tiled inference of {@link TiledInference} cut into pieces that can run on different
 * machines, for one image too large for one: the image is a column of tile rows. Statistics pass
 * k maps each row to its partial moments of normalised layer k (count, mean and sum of squared
 * deviations per channel, over the tiles' cores); the moments of all rows merge in any order
 * (Chan et al.'s pairwise formula) into the layer's statistics, which every row needs in the
 * next pass. After the five statistics passes, the output pass maps each row to its stylized
 * strip. The result equals {@link TiledInference#apply} up to float rounding (the moments are
 * added in another order). One style everywhere (no regions).
 */
public final class TiledPasses {

	/** Reads the padded image (bottom and right padding as the network pads): 3 x (y1 - y0) x (x1 - x0) floats in [0, 1]. */
	public interface Source {
		float[] crop(int y0, int y1, int x0, int x1);
	}

	/** An image of width x height in tiles of {@code tile}; {@code paddedWidth/Height} as the network pads it. */
	public record Plan(int width, int height, int tile, int paddedWidth, int paddedHeight) implements Serializable {
		public int rows() {
			return (paddedHeight + tile - 1) / tile;
		}

		/** Image rows of tile row {@code row} that belong to the output (0 for a row of padding only). */
		public int outputRows(int row) {
			return Math.max(0, Math.min(tile, height - row * tile));
		}
	}

	/** Per channel: how many values, their mean, and the sum of their squared deviations from it. */
	public record Moments(double count, double[] mean, double[] m2) implements Serializable {
		public static Moments none(int channels) {
			return new Moments(0, new double[channels], new double[channels]);
		}

		/**
		 * One tile's moments: its core (1 x C x h x w) weighted per pixel by {@code weight} (1 x 1 x h x w;
		 * null: every pixel 1), {@code n} the total weight; none when {@code n <= 0}.
		 */
		static Moments of(NDArray core, NDArray weight, double n) {
			int channels = (int) core.getShape().get(1);
			if (n <= 0) return none(channels);
			int[] hw = { 0, 2, 3 };
			float[] mt, dev;
			List<NDArray> temporary = new ArrayList<>();
			try {
				NDArray weighted = weight == null ? core : keep(temporary, core.mul(weight));
				NDArray tileMean = keep(temporary, Scalars.over(keep(temporary, weighted.sum(hw, true)), n));
				mt = tileMean.toFloatArray();
				NDArray sq = keep(temporary, keep(temporary, core.sub(tileMean)).square());
				dev = keep(temporary, (weight == null ? sq : keep(temporary, sq.mul(weight))).sum(hw)).toFloatArray();
			}
			finally {
				temporary.forEach(NDArray::close);
			}
			double[] mu = new double[channels], m2 = new double[channels];
			for (int c = 0; c < channels; c++) {
				mu[c] = mt[c];
				m2[c] = dev[c];
			}
			return new Moments(n, mu, m2);
		}

		private static NDArray keep(List<NDArray> temporary, NDArray a) {
			temporary.add(a);
			return a;
		}

		/** Both sets together (the order does not matter up to rounding). */
		public Moments merge(Moments o) {
			double total = count + o.count;
			if (o.count == 0) return this;
			if (count == 0) return o;
			double[] mu = new double[mean.length], m = new double[mean.length];
			for (int c = 0; c < mean.length; c++) {
				double delta = o.mean[c] - mean[c];
				mu[c] = mean[c] + delta * o.count / total;
				m[c] = m2[c] + o.m2[c] + delta * delta * count * o.count / total;
			}
			return new Moments(total, mu, m);
		}

		/** The layer's statistics as {@link TiledInference} keeps them: {{mean, 1/sqrt(var + eps), var}}. */
		public float[][][] layer() {
			int n = mean.length;
			float[] mu = new float[n], inv = new float[n], var = new float[n];
			for (int c = 0; c < n; c++) {
				mu[c] = (float) mean[c];
				double v = count > 0 ? m2[c] / count : 0;
				var[c] = (float) v;
				inv[c] = (float) (1 / Math.sqrt(v + Layers.IN_EPS));
			}
			return new float[][][] { { mu, inv, var } };
		}
	}

	private TiledPasses() {}

	/** The tiles for a width x height image (tile rounded up to a multiple of 4, at least 16). */
	public static Plan plan(StyleBankNetwork net, int width, int height, int tile) {
		return new Plan(width, height, Math.max(16, (tile + 3) / 4 * 4), net.paddedSize(width), net.paddedSize(height));
	}

	/** How many statistics passes come before the output pass. */
	public static int statisticsPasses() {
		return TiledInference.NORMALISED.size();
	}

	/** Reads crops of an image held whole (CHW floats in [0, 1]): the single-machine source, for tests and small images. */
	public static Source inMemory(float[] chw, int width, int height, Plan plan) {
		return (y0, y1, x0, x1) -> TiledInference.crop(chw, 3, width, height, plan.paddedHeight(), plan.paddedWidth(), y0, y1, x0, x1);
	}

	/** Where padded row or column {@code i} of a side of {@code n} (padded to {@code padded}) is read from. */
	public static int sourceIndex(int i, int n, int padded) {
		return TiledInference.source(i, n, padded);
	}

	/** Statistics pass {@code stats.size()} over the tiles of row {@code row}: their moments. */
	public static Moments rowMoments(StyleBankNetwork net, Plan plan, Source source, StyleMix mix, List<float[][][]> stats, int row) {
		int pass = stats.size();
		if (pass >= statisticsPasses()) throw new IllegalArgumentException("every layer's statistics are known: render the rows");
		Layer layer = TiledInference.NORMALISED.get(pass);
		int channels = (int) net.parameters(List.of()).get(layer.tensor + ".weight").getShape().get(0);
		Moments moments = Moments.none(channels);
		int s = layer.scale(), t = plan.tile();
		Engines.inferenceMode();
		try (NDManager m = Engines.pytorch().newBaseManager(net.device())) {
			for (int tx = 0; tx < plan.paddedWidth(); tx += t) {
				try (NDManager tm = m.newSubManager()) {
					NDArray core = core(net, plan, source, mix, stats, pass, row, tx, tm, s);
					moments = moments.merge(Moments.of(core, null, (double) core.getShape().get(2) * core.getShape().get(3)));
				}
			}
		}
		return moments;
	}

	/** The output pass for row {@code row}: 3 x {@link Plan#outputRows} x width floats in [0, 1]. */
	public static float[] rowOutput(StyleBankNetwork net, Plan plan, Source source, StyleMix mix, List<float[][][]> stats, int row) {
		if (stats.size() != statisticsPasses()) throw new IllegalArgumentException("statistics of " + stats.size() + " of " + statisticsPasses() + " layers");
		int rh = plan.outputRows(row), w = plan.width(), t = plan.tile();
		float[] out = new float[3 * rh * w];
		Engines.inferenceMode();
		try (NDManager m = Engines.pytorch().newBaseManager(net.device())) {
			for (int tx = 0; tx < plan.paddedWidth() && rh > 0; tx += t) {
				try (NDManager tm = m.newSubManager()) {
					NDArray core = core(net, plan, source, mix, stats, statisticsPasses(), row, tx, tm, 1);
					int ch = (int) core.getShape().get(2), cw = (int) core.getShape().get(3);
					float[] a = core.toFloatArray();
					for (int c = 0; c < 3; c++) {
						for (int y = 0; y < Math.min(ch, rh); y++) {
							for (int x = 0; x < cw && tx + x < w; x++) out[c * rh * w + y * w + tx + x] = a[c * ch * cw + y * cw + x];
						}
					}
				}
			}
		}
		return out;
	}

	/** The tile at (row, tx) with its margins through the network up to {@code pass}; its core (scale {@code s}). */
	private static NDArray core(StyleBankNetwork net, Plan plan, Source source, StyleMix mix, List<float[][][]> stats, int pass, int row,
		int tx, NDManager tm, int s)
	{
		int t = plan.tile(), ty = row * t, margin = TiledInference.MARGIN;
		int y0 = Math.max(0, ty - margin), y1 = Math.min(plan.paddedHeight(), ty + t + margin);
		int x0 = Math.max(0, tx - margin), x1 = Math.min(plan.paddedWidth(), tx + t + margin);
		NDArray crop = tm.create(source.crop(y0, y1, x0, x1), new Shape(1, 3, y1 - y0, x1 - x0));
		NDArray a = TiledInference.run(net, crop, List.of(), List.of(mix), false, stats, pass);
		int cy0 = (ty - y0) / s, cx0 = (tx - x0) / s;
		int cy1 = Math.min((int) a.getShape().get(2), cy0 + t / s), cx1 = Math.min((int) a.getShape().get(3), cx0 + t / s);
		return a.get(":, :, " + cy0 + ":" + cy1 + ", " + cx0 + ":" + cx1);
	}
}
