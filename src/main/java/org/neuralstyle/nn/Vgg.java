package org.neuralstyle.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * VGG-16 / VGG-19 feature extractors (Simonyan and Zisserman 2015) returning the activations of
 * named layers (relu1_1 ... relu5_4, conv4_2, ...). Weights come from a safetensors file with
 * torchvision's names {@code features.N.weight/bias} (as in timm's vgg19.tv_in1k and
 * vgg16.tv_in1k), or are a seeded random "VGG-style" network for offline use. Inputs are RGB in
 * [0, 1]; the ImageNet mean/std normalisation is applied inside. 3 x 3 convolutions with zero
 * padding 1, ReLU, and 2 x 2 max or average pooling.
 */
public final class Vgg implements FeatureNetwork {

	public enum Arch {
		VGG16(new int[] { 2, 2, 3, 3, 3 }), VGG19(new int[] { 2, 2, 4, 4, 4 });

		final int[] convsPerBlock;

		Arch(int[] convsPerBlock) {
			this.convsPerBlock = convsPerBlock;
		}

		public static Arch parse(String s) {
			return switch (s.trim().toLowerCase(Locale.ROOT).replace("-", "")) {
				case "vgg16" -> VGG16;
				case "vgg19" -> VGG19;
				default -> throw new IllegalArgumentException("network must be vgg19 or vgg16, got '" + s + "'");
			};
		}
	}

	public enum Pooling { MAX, AVERAGE }

	static final int[] WIDTHS = { 64, 128, 256, 512, 512 };
	static final float[] MEAN = { 0.485f, 0.456f, 0.406f };
	static final float[] STD = { 0.229f, 0.224f, 0.225f };

	/** One convolution of the feature stack: its torchvision index, layer name, shape. */
	public record Conv(int index, String name, int in, int out, int block) {}

	private final Arch arch;
	private final Pooling pooling;
	private final String description;
	private final boolean pretrained;
	private final List<Conv> convs;
	private final NDManager manager;
	private final Map<String, NDArray> weights = new HashMap<>();
	private final NDArray mean;
	private final NDArray std;

	private Vgg(Arch arch, Pooling pooling, int widthDivisor, Map<String, Tensor> tensors, String description, boolean pretrained,
		Device device)
	{
		this.arch = arch;
		this.pooling = pooling;
		this.description = description;
		this.pretrained = pretrained;
		this.convs = layout(arch, widthDivisor);
		this.manager = Engines.pytorch().newBaseManager(device);
		for (Conv c : convs) {
			Tensor w = tensors.get("features." + c.index + ".weight");
			Tensor b = tensors.get("features." + c.index + ".bias");
			if (w == null && b == null) continue; // deeper layers may be left out of a trimmed file
			weights.put(c.name + ".weight", manager.create(w.data(), new Shape(w.shape())));
			weights.put(c.name + ".bias", manager.create(b.data(), new Shape(b.shape())));
		}
		this.mean = manager.create(MEAN, new Shape(1, 3, 1, 1));
		this.std = manager.create(STD, new Shape(1, 3, 1, 1));
	}

	/** The convolutions with their torchvision indices: conv, ReLU pairs, a pool after each block. */
	public static List<Conv> layout(Arch arch, int widthDivisor) {
		List<Conv> out = new ArrayList<>();
		int index = 0, in = 3;
		for (int b = 0; b < 5; b++) {
			int width = WIDTHS[b] / widthDivisor;
			for (int i = 0; i < arch.convsPerBlock[b]; i++) {
				out.add(new Conv(index, "conv" + (b + 1) + "_" + (i + 1), in, width, b));
				in = width;
				index += 2; // conv, relu
			}
			index++; // pool
		}
		return out;
	}

	@Override
	public String description() {
		return description;
	}

	@Override
	public boolean isPretrained() {
		return pretrained;
	}

	@Override
	public int poolings(String layer) {
		return find(convs, layer).block;
	}

	/** Gatys et al. 2016: content at relu4_2, style at relu1_1 ... relu5_1. */
	public static final FeatureNetwork.DefaultLayers GATYS_LAYERS = new FeatureNetwork.DefaultLayers(List.of("relu4_2"),
		List.of("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"));

	/** Johnson et al. 2016: content at relu3_3, style at relu1_2, relu2_2, relu3_3, relu4_3. */
	public static final FeatureNetwork.DefaultLayers TRAINING_LAYERS = new FeatureNetwork.DefaultLayers(List.of("relu3_3"),
		List.of("relu1_2", "relu2_2", "relu3_3", "relu4_3"));

	@Override
	public FeatureNetwork.DefaultLayers gatysLayers() {
		return GATYS_LAYERS;
	}

	@Override
	public FeatureNetwork.DefaultLayers trainingLayers() {
		return TRAINING_LAYERS;
	}

	@Override
	public boolean relativeLosses() {
		return false;
	}

	/**
	 * Loads torchvision-named weights. Every convolution up to the deepest layer in
	 * {@code needed} must be present with the right shape (other tensors, such as the
	 * classifier, are ignored).
	 */
	public static Vgg load(Path file, Arch arch, Pooling pooling, Set<String> needed, Device device) throws IOException {
		if (!Files.isRegularFile(file)) throw new IOException("VGG weights not found: " + file);
		if (Files.size(file) > (2L << 30)) throw new IOException(file + " is larger than 2 GB; not a VGG weights file");
		Map<String, Tensor> t;
		try {
			t = Safetensors.read(Files.readAllBytes(file));
		}
		catch (Safetensors.FormatException e) {
			throw new IOException(file + ": " + e.getMessage());
		}
		List<Conv> layout = layout(arch, 1);
		int deepest = deepestConv(layout, needed);
		Map<String, Tensor> used = new LinkedHashMap<>();
		for (Conv c : layout) {
			if (c.index > deepest) break;
			for (String kind : new String[] { "weight", "bias" }) {
				String key = "features." + c.index + "." + kind;
				Tensor x = t.get(key);
				long[] shape = kind.equals("weight") ? new long[] { c.out, c.in, 3, 3 } : new long[] { c.out };
				if (x == null) {
					throw new IOException(file + ": tensor '" + key + "' (" + c.name + " of " + arch.name().toLowerCase(Locale.ROOT)
						+ ") is missing. Is this a torchvision-style " + arch.name().toLowerCase(Locale.ROOT) + " file (features.N.weight)?");
				}
				if (!x.hasShape(shape)) {
					throw new IOException(file + ": tensor '" + key + "' has shape " + x.shapeString() + ", expected "
						+ Arrays.toString(shape) + " for " + c.name + " of " + arch.name().toLowerCase(Locale.ROOT));
				}
				if (x.firstNonFinite() >= 0) throw new IOException(file + ": tensor '" + key + "' holds NaN or infinite values");
				used.put(key, x);
			}
		}
		return new Vgg(arch, pooling, 1, used, arch.name().toLowerCase(Locale.ROOT) + " (" + file.getFileName() + ")", true, device);
	}

	/**
	 * The offline network before {@link RandomPyramid} (network=random-vgg): VGG-19's layout at
	 * half width with seeded random (He-normal) weights and zero biases, made at run time. Its
	 * results carry a colour cast and fine noise (README, "The offline feature network").
	 */
	public static Vgg offline(Pooling pooling, long seed, Device device) {
		return random(Arch.VGG19, 2, pooling, seed, device,
			"random VGG-19-style network (seed " + seed + ", lower quality)");
	}

	/** Seeded random He-normal weights for a layout at 1/widthDivisor of VGG's widths (also for benchmarks). */
	public static Vgg random(Arch arch, int widthDivisor, Pooling pooling, long seed, Device device, String description) {
		List<Conv> layout = layout(arch, widthDivisor);
		Map<String, Tensor> t = new LinkedHashMap<>();
		Random r = new Random(seed);
		for (Conv c : layout) {
			float[] w = new float[c.out * c.in * 9];
			double scale = Math.sqrt(2.0 / (c.in * 9));
			for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * scale);
			t.put("features." + c.index + ".weight", new Tensor(new long[] { c.out, c.in, 3, 3 }, w));
			t.put("features." + c.index + ".bias", new Tensor(new long[] { c.out }, new float[c.out]));
		}
		return new Vgg(arch, pooling, widthDivisor, t, description, false, device);
	}

	private static int deepestConv(List<Conv> layout, Set<String> needed) {
		int deepest = -1;
		for (String n : needed) {
			Conv c = find(layout, n);
			deepest = Math.max(deepest, c.index);
		}
		return deepest;
	}

	private static Conv find(List<Conv> layout, String layer) {
		String conv = layer.replace("relu", "conv");
		for (Conv c : layout) if (c.name.equals(conv)) return c;
		List<String> names = new ArrayList<>();
		for (Conv c : layout) names.add(c.name.replace("conv", "relu"));
		throw new IllegalArgumentException("unknown VGG layer '" + layer + "'; layers: " + String.join(", ", names) + " (and convN_M)");
	}

	/**
	 * The number of floats in the convolution outputs (one map per convolution, at its block's
	 * resolution: the image halved per pooling, rounded down) up to the deepest of {@code layers}
	 * for a w x h input: what a forward pass keeps for the backward pass.
	 */
	@Override
	public long activationFloats(int w, int h, Set<String> layers) {
		int deepest = deepestConv(convs, layers);
		long n = 0;
		for (Conv c : convs) {
			if (c.index > deepest) break;
			n += (long) c.out * (w >> c.block) * (h >> c.block);
		}
		return n;
	}

	@Override
	public Device device() {
		return manager.getDevice();
	}

	/**
	 * The activations of {@code layers} for an N x 3 x H x W input in [0, 1], computed up to the
	 * deepest one. Results belong to the input's manager; intermediates are freed.
	 */
	@Override
	public Map<String, NDArray> features(NDArray image, Set<String> layers) {
		int deepest = deepestConv(convs, layers);
		Map<String, NDArray> out = new HashMap<>();
		NDArray x = image.sub(mean).div(std);
		int block = 0;
		for (Conv c : convs) {
			if (c.index > deepest) break;
			if (c.block != block) {
				NDArray pooled = pooling == Pooling.MAX
					? Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false)
					: Pool.avgPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false, true);
				release(x, out);
				x = pooled;
				block = c.block;
			}
			NDArray w = weights.get(c.name + ".weight");
			if (w == null) {
				throw new IllegalArgumentException("the VGG weights file has no " + c.name + " (only layers up to relu5_1 are "
					+ "loaded); choose shallower layers");
			}
			NDArray conv = Convolution.conv2d(x, w, weights.get(c.name + ".bias"), 1, 1);
			release(x, out);
			if (layers.contains(c.name)) out.put(c.name, conv);
			NDArray relu = Activation.relu(conv);
			if (!layers.contains(c.name)) conv.close();
			if (layers.contains(c.name.replace("conv", "relu"))) out.put(c.name.replace("conv", "relu"), relu);
			x = relu;
		}
		release(x, out);
		return out;
	}

	/** Closes an intermediate unless it is a result (compared by identity). */
	private static void release(NDArray x, Map<String, NDArray> results) {
		for (NDArray r : results.values()) if (r == x) return;
		x.close();
	}

	@Override
	public void close() {
		manager.close();
	}
}
