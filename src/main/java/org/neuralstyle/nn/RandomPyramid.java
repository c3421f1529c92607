package org.neuralstyle.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The offline feature network: random filters on a Gaussian pyramid of the image, no learned
 * weights. The image (normalised with ImageNet's mean and deviation, like VGG's input) is halved
 * {@code levels - 1} times, each time by the binomial low-pass [1 3 3 1]/8 along both axes with
 * stride 2 and reflected borders (side n becomes floor(n / 2), as VGG's pooling). At each level
 * {@code scaleK} (K = 1 the full image), {@code filters} random 5 x 5 filters with zero mean and
 * unit norm (edges and texture, not colour) see the reflection-padded image, followed by ReLU;
 * at the first level (or at every level, {@code colourEveryLevel}) {@code colourDirections} random colour
 * directions (1 x 1, unit norm) are added with both signs, ReLU(y) and ReLU(-y), so that the Gram
 * matrices hold the colour distribution too.
 *
 * <p>Why (the comparison is in the README, "The offline feature network"): Ustyuzhaninov,
 * Brendel, Gatys and Bethge (ICLR 2017) showed that one layer of random multi-scale filters
 * already captures much of a texture; applying small filters to a pyramid reaches the large
 * scales at a small fraction of the cost of large filters, and keeping colour in its own
 * channels follows Portilla and Simoncelli's separation of colour and structure statistics.
 * Weights are drawn from {@code java.util.Random(seed)}: the same seed gives the same network.
 */
public final class RandomPyramid implements FeatureNetwork {

	public static final int LEVELS = 5;
	public static final int FILTERS = 64;
	public static final int KERNEL = 5;
	static final float[] MEAN = Vgg.MEAN;
	static final float[] STD = Vgg.STD;
	private static final float[] BINOMIAL = { 1 / 8f, 3 / 8f, 3 / 8f, 1 / 8f };

	private final int levels;
	private final int kernel;
	private final String description;
	private final NDManager manager;
	private final NDArray mean;
	private final NDArray std;
	private final NDArray halving;
	private final List<NDArray> filters = new ArrayList<>();
	/** Per level: the colour directions (null at levels without them). */
	private final List<NDArray> colours = new ArrayList<>();

	/**
	 * @param filterWeights per level, filters x 3 x k x k
	 * @param colourWeights per level, directions x 3 x 1 x 1, or null where a level has none
	 */
	RandomPyramid(List<Tensor> filterWeights, List<Tensor> colourWeights, String description, Device device) {
		if (filterWeights.isEmpty() || filterWeights.size() != colourWeights.size()) throw new IllegalArgumentException("one entry per level");
		this.levels = filterWeights.size();
		this.kernel = (int) filterWeights.get(0).shape()[3];
		this.description = description;
		this.manager = Engines.pytorch().newBaseManager(device);
		for (int i = 0; i < levels; i++) {
			Tensor f = filterWeights.get(i);
			filters.add(manager.create(f.data(), new Shape(f.shape())));
			Tensor c = colourWeights.get(i);
			colours.add(c == null ? null : manager.create(c.data(), new Shape(c.shape())));
		}
		this.mean = manager.create(MEAN, new Shape(1, 3, 1, 1));
		this.std = manager.create(STD, new Shape(1, 3, 1, 1));
		// the separable low-pass as one 4 x 4 kernel per colour channel (no channel mixing)
		float[] k = new float[3 * 3 * 16];
		for (int c = 0; c < 3; c++) {
			for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) k[(c * 3 + c) * 16 + y * 4 + x] = BINOMIAL[y] * BINOMIAL[x];
		}
		this.halving = manager.create(k, new Shape(3, 3, 4, 4));
	}

	/** The offline default: 5 levels of 64 random 5 x 5 filters, 16 colour directions at the first level. */
	public static RandomPyramid offline(long seed, Device device) {
		return create(seed, LEVELS, FILTERS, COLOURS, KERNEL, false, device);
	}

	/**
	 * Colour directions at the first level. 16 (both signs: 32 channels) describe a 3-channel
	 * colour distribution well and keep the first level's map at 96 channels, under glibc's 64 MB
	 * heaps at the default Gatys size of 384 x 384 (with 64 directions it was 192 channels, 113 MB,
	 * and the kernel's page faults made Gatys twice as slow).
	 */
	public static final int COLOURS = 16;

	/** {@code colourDirections} at most n: the first of the n drawn (the random sequence is the same for any count). */
	public static RandomPyramid create(long seed, int levels, int n, int colourDirections, int k, boolean colourEveryLevel,
		Device device)
	{
		if (levels < 1 || levels > 8 || n < 1 || k < 1 || k % 2 == 0 || colourDirections < 1 || colourDirections > n) {
			throw new IllegalArgumentException("bad pyramid shape");
		}
		Random r = new Random(seed);
		List<Tensor> fs = new ArrayList<>();
		List<Tensor> cs = new ArrayList<>();
		for (int i = 0; i < levels; i++) {
			float[] w = new float[n * 3 * k * k];
			for (int j = 0; j < w.length; j++) w[j] = (float) r.nextGaussian();
			int per = 3 * k * k;
			for (int f = 0; f < n; f++) {
				double m = 0;
				for (int j = 0; j < per; j++) m += w[f * per + j];
				m /= per;
				double norm = 0;
				for (int j = 0; j < per; j++) norm += (w[f * per + j] - m) * (w[f * per + j] - m);
				double s = 1 / Math.sqrt(norm);
				for (int j = 0; j < per; j++) w[f * per + j] = (float) ((w[f * per + j] - m) * s);
			}
			fs.add(new Tensor(new long[] { n, 3, k, k }, w));
			float[] c = new float[n * 3];
			for (int j = 0; j < c.length; j++) c[j] = (float) r.nextGaussian();
			for (int f = 0; f < n; f++) {
				double norm = Math.sqrt(c[3 * f] * c[3 * f] + c[3 * f + 1] * c[3 * f + 1] + c[3 * f + 2] * c[3 * f + 2]);
				for (int j = 0; j < 3; j++) c[3 * f + j] = (float) (c[3 * f + j] / norm);
			}
			float[] kept = java.util.Arrays.copyOf(c, colourDirections * 3);
			cs.add(i == 0 || colourEveryLevel ? new Tensor(new long[] { colourDirections, 3, 1, 1 }, kept) : null);
		}
		String d = String.format("offline random-filter pyramid (%d levels, %d random %dx%d filters each, %d colour directions%s, seed %d)",
			levels, n, k, k, colourDirections, colourEveryLevel ? " at every level" : " at the first", seed);
		return new RandomPyramid(fs, cs, d, device);
	}

	public static String layer(int level) {
		return "scale" + (level + 1);
	}

	@Override
	public int poolings(String layer) {
		if (layer != null && layer.startsWith("scale")) {
			try {
				int k = Integer.parseInt(layer.substring(5));
				if (k >= 1 && k <= levels) return k - 1;
			}
			catch (NumberFormatException e) {
				// below
			}
		}
		List<String> names = new ArrayList<>();
		for (int i = 0; i < levels; i++) names.add(layer(i));
		throw new IllegalArgumentException("unknown layer '" + layer + "' of the offline pyramid network; its layers: " + String.join(", ", names)
			+ " (the VGG layer names relu1_1 ... belong to network=vgg19, vgg16 or random-vgg)");
	}

	/** The first level: the 5 x 5 filters (the colour directions are 1 x 1); halved levels: not computed in bands. */
	@Override
	public int rowRadius(String layer) {
		return poolings(layer) == 0 ? kernel / 2 : -1;
	}

	private int deepest(Set<String> layers) {
		int d = -1;
		for (String l : layers) d = Math.max(d, poolings(l));
		return d;
	}

	@Override
	public long activationFloats(int w, int h, Set<String> layers) {
		long n = 0;
		int d = deepest(layers);
		for (int i = 0; i <= d; i++) {
			long px = (long) Math.max(1, w >> i) * Math.max(1, h >> i);
			long channels = filters.get(i).getShape().get(0) * 2 + (colours.get(i) == null ? 0 : 4 * colours.get(i).getShape().get(0)) + 12;
			n += channels * px;
		}
		return n;
	}

	@Override
	public Map<String, NDArray> features(NDArray image, Set<String> layers) {
		int d = deepest(layers);
		Map<String, NDArray> out = new HashMap<>();
		NDArray x = image.sub(mean).div(std);
		for (int i = 0; i <= d; i++) {
			if (i > 0) {
				NDArray next = halve(x, i);
				x.close();
				x = next;
			}
			if (layers.contains(layer(i))) out.put(layer(i), level(x, i));
		}
		x.close();
		return out;
	}

	private NDArray halve(NDArray x, int level) {
		long h = x.getShape().get(2), w = x.getShape().get(3);
		if (h < 2 || w < 2) {
			throw new IllegalArgumentException("the image is too small for the offline network's layer " + layer(level) + " ("
				+ w + " x " + h + " pixels before halving; needs at least 2 x 2): use fewer layers or a larger image");
		}
		try (NDArray p = Layers.reflectPad(x, 1)) {
			return Convolution.conv2d(p, halving, null, 2, 0);
		}
	}

	private NDArray level(NDArray x, int i) {
		int p = kernel / 2;
		long h = x.getShape().get(2), w = x.getShape().get(3);
		NDArray f;
		if (h > p && w > p) {
			try (NDArray padded = Layers.reflectPad(x, p); NDArray c = Convolution.conv2d(padded, filters.get(i), null, 1, 0)) {
				f = Activation.relu(c);
			}
		}
		else {
			try (NDArray c = Convolution.conv2d(x, filters.get(i), null, 1, p)) { // too small to reflect: zeros around
				f = Activation.relu(c);
			}
		}
		NDArray colour = colours.get(i);
		if (colour == null) return f;
		try (NDArray y = Convolution.conv2d(x, colour, null, 1, 0); NDArray pos = Activation.relu(y); NDArray neg = y.neg();
			NDArray negRelu = Activation.relu(neg); NDArray ff = f)
		{
			return NDArrays.concat(new NDList(ff, pos, negRelu), 1);
		}
	}

	@Override
	public String description() {
		return description;
	}

	@Override
	public boolean isPretrained() {
		return false;
	}

	@Override
	public Device device() {
		return manager.getDevice();
	}

	/** Gatys: style at every level (equal weights), content at scale3 (a quarter of the image's side). */
	@Override
	public FeatureNetwork.DefaultLayers gatysLayers() {
		List<String> all = new ArrayList<>();
		for (int i = 0; i < levels; i++) all.add(layer(i));
		return new FeatureNetwork.DefaultLayers(List.of(layer(Math.min(2, levels - 1))), all);
	}

	/**
	 * Training: content at scale3, style at scale1 ... scale4. The coarsest level is left out: on a
	 * training crop (128-256 pixels) it has 8-16 positions per side, and a crop of a photo cannot
	 * be expected to share the whole painting's statistics at that scale (a reasoned choice, made
	 * for the default model, not a measured comparison).
	 */
	@Override
	public FeatureNetwork.DefaultLayers trainingLayers() {
		List<String> style = new ArrayList<>();
		for (int i = 0; i < Math.max(1, levels - 1); i++) style.add(layer(i));
		return new FeatureNetwork.DefaultLayers(List.of(layer(Math.min(2, levels - 1))), style);
	}

	@Override
	public boolean relativeLosses() {
		return true;
	}

	@Override
	public void close() {
		manager.close();
	}
}
