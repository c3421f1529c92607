package org.neuralstyle.stylebank;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import org.neuralstyle.Progress;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Exact tiled StyleBank inference with bounded memory. Instance normalisation needs each
 * layer's mean and variance over the whole image, so naive tiles would each get their own
 * statistics and show seams. Here the statistics are computed globally, one normalisation
 * layer per pass: pass k runs every tile up to the k-th normalisation (using the statistics of
 * the earlier layers, already known) and adds up that layer's sums and sums of squares over the
 * tile's core; the last pass produces the output. Tiles overlap by a margin larger than the
 * network's receptive field, so the wrong padding at a tile's inner edges never reaches its
 * core; at the image's own borders a tile is padded exactly as the whole image is. Cost: six
 * passes over growing prefixes of the network, about 3.5x the untiled compute; memory: one tile.
 */
public final class TiledInference {

	/** Margin in input pixels (a multiple of 4) beyond the receptive-field radius (about 20 px). */
	public static final int MARGIN = 32;
	static final String[] NORMALISED = { "encoder.conv1", "encoder.conv2", "encoder.conv3", "decoder.conv1", "decoder.conv2" };

	private TiledInference() {}

	/**
	 * Stylizes a 3 x H x W image (CHW floats in [0, 1]) in tiles of {@code tile} x {@code tile}
	 * input pixels (rounded up to a multiple of 4); returns 3 x H x W. Equal to
	 * {@link StyleBankNetwork#apply} up to float rounding.
	 */
	public static float[] apply(StyleBankNetwork net, float[] chw, int w, int h, StyleMix mix, int tile, Progress progress) {
		int t = Math.max(16, (tile + 3) / 4 * 4);
		int ph = net.paddedSize(h), pw = net.paddedSize(w);
		Map<String, NDArray> p = net.parameters(List.of());
		List<int[]> tiles = new ArrayList<>();
		for (int y = 0; y < ph; y += t) for (int x = 0; x < pw; x += t) tiles.add(new int[] { y, x });
		int passes = NORMALISED.length + 1;
		float[] out = new float[3 * w * h];
		Engines.inferenceMode();
		try (NDManager m = Engines.pytorch().newBaseManager(net.device())) {
			List<float[][]> stats = new ArrayList<>(); // per normalised layer: {mean[], 1/std[]}
			for (int pass = 0; pass < passes; pass++) {
				int channels = pass < NORMALISED.length ? (int) p.get(NORMALISED[pass] + ".weight").getShape().get(0) : 3;
				// per channel mean and sum of squared deviations, tiles merged with Chan et al.'s formula
				double[] mean = new double[channels], m2 = new double[channels];
				long count = 0;
				for (int i = 0; i < tiles.size(); i++) {
					progress.checkCancelled();
					progress.report(pass * tiles.size() + i, passes * tiles.size(), "Stylizing tile " + (i + 1) + "/" + tiles.size()
						+ (pass < NORMALISED.length ? ", statistics pass " + (pass + 1) + "/" + NORMALISED.length : ", output pass"));
					int ty = tiles.get(i)[0], tx = tiles.get(i)[1];
					int y0 = Math.max(0, ty - MARGIN), y1 = Math.min(ph, ty + t + MARGIN);
					int x0 = Math.max(0, tx - MARGIN), x1 = Math.min(pw, tx + t + MARGIN);
					try (NDManager tm = m.newSubManager()) {
						NDArray crop = tm.create(crop(chw, w, h, ph, pw, y0, y1, x0, x1), new Shape(1, 3, y1 - y0, x1 - x0));
						NDArray a = run(net, p, crop, mix, stats, pass);
						int s = pass < NORMALISED.length ? scale(pass) : 1;
						int cy0 = (ty - y0) / s, cx0 = (tx - x0) / s;
						int cy1 = Math.min((int) a.getShape().get(2), cy0 + t / s), cx1 = Math.min((int) a.getShape().get(3), cx0 + t / s);
						NDArray core = a.get(":, :, " + cy0 + ":" + cy1 + ", " + cx0 + ":" + cx1);
						if (pass < NORMALISED.length) {
							long n = (long) (cy1 - cy0) * (cx1 - cx0);
							NDArray tileMean = core.sum(new int[] { 0, 2, 3 }, true).div((float) n);
							float[] mt = tileMean.toFloatArray();
							float[] dev = core.sub(tileMean).square().sum(new int[] { 0, 2, 3 }).toFloatArray();
							for (int c = 0; c < channels; c++) {
								double delta = mt[c] - mean[c];
								long total = count + n;
								mean[c] += delta * n / total;
								m2[c] += dev[c] + delta * delta * count * n / total;
							}
							count += n;
						}
						else {
							copyOut(core.toFloatArray(), cy1 - cy0, cx1 - cx0, ty, tx, out, w, h);
						}
					}
				}
				if (pass < NORMALISED.length) {
					float[] mu = new float[channels], inv = new float[channels];
					for (int c = 0; c < channels; c++) {
						mu[c] = (float) mean[c];
						inv[c] = (float) (1 / Math.sqrt(m2[c] / count + Layers.IN_EPS));
					}
					stats.add(new float[][] { mu, inv });
				}
			}
		}
		progress.report(passes * tiles.size(), passes * tiles.size(), "Stylized " + tiles.size() + " tiles");
		return out;
	}

	/** Resolution divisor of the k-th normalised layer: E1 1, E2 2, E3 4, D1 2, D2 1. */
	static int scale(int k) {
		return new int[] { 1, 2, 4, 2, 1 }[k];
	}

	/**
	 * The network on one crop with global statistics for the normalised layers before
	 * {@code stop}; returns the pre-normalisation activation of layer {@code stop}, or the
	 * clamped output when every layer's statistics are known.
	 */
	private static NDArray run(StyleBankNetwork net, Map<String, NDArray> p, NDArray x, StyleMix mix, List<float[][]> stats, int stop) {
		NDArray a = x;
		int k = 0;
		for (String layer : StyleBankModel.LAYERS) {
			if (layer.equals("decoder.conv1")) {
				if (!mix.isReconstruction()) a = net.bank(a, mix);
				a = Layers.upsample2(a);
			}
			if (layer.equals("decoder.conv2")) a = Layers.upsample2(a);
			int stride = layer.equals("encoder.conv2") || layer.equals("encoder.conv3") ? 2 : 1;
			a = Layers.conv(a, p.get(layer + ".weight"), p.get(layer + ".bias"), stride);
			if (layer.equals("decoder.conv3")) return a.clip(0f, 1f);
			if (k == stop) return a;
			float[][] st = stats.get(k++);
			NDArray mean = a.getManager().create(st[0], new Shape(1, st[0].length, 1, 1));
			NDArray inv = a.getManager().create(st[1], new Shape(1, st[1].length, 1, 1));
			a = Activation.relu(a.sub(mean).mul(inv));
		}
		throw new IllegalStateException("unreachable");
	}

	/** Rows y0..y1, columns x0..x1 of the padded image (bottom/right padding as the network does). */
	static float[] crop(float[] chw, int w, int h, int ph, int pw, int y0, int y1, int x0, int x1) {
		int cw = x1 - x0, ch = y1 - y0;
		float[] out = new float[3 * cw * ch];
		for (int y = 0; y < ch; y++) {
			int sy = source(y0 + y, h, ph);
			for (int x = 0; x < cw; x++) {
				int sx = source(x0 + x, w, pw);
				for (int c = 0; c < 3; c++) out[c * cw * ch + y * cw + x] = chw[c * w * h + sy * w + sx];
			}
		}
		return out;
	}

	/** Where padded row i comes from: reflection when the padding is shorter than the side, else the edge. */
	static int source(int i, int n, int padded) {
		if (i < n) return i;
		int extra = padded - n;
		if (extra < n) return 2 * (n - 1) - i;
		return n - 1;
	}

	private static void copyOut(float[] core, int ch, int cw, int ty, int tx, float[] out, int w, int h) {
		for (int c = 0; c < 3; c++) {
			for (int y = 0; y < ch && ty + y < h; y++) {
				for (int x = 0; x < cw && tx + x < w; x++) out[c * w * h + (ty + y) * w + tx + x] = core[c * ch * cw + y * cw + x];
			}
		}
	}
}
