// Over 300 lines: the forward pass, the bank step, region fusion (Eq. 6) and the float16 path all work on
// the device weights this class owns; splitting them would hand the weights around.
package org.neuralstyle.stylebank;

import org.neuralstyle.nn.Scalars;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Layers;
import org.neuralstyle.nn.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The StyleBank network of model format v1 on one device: encoder (E1-E3), an optional bank
 * step K, decoder (D1-D3), output clamped to [0, 1]. Weights are copied to the device once and
 * kept until {@link #close()}; every call frees its own intermediates.
 */
public final class StyleBankNetwork implements AutoCloseable {

	private final StyleBankModel model;
	private final NDManager weights;
	private final Map<String, NDArray> params = new HashMap<>();
	/** float16 copies of the autoencoder's weights for the convolutions, or null (float32 throughout). */
	private final Map<String, NDArray> half;
	private final int minSide;

	/** The network on {@code device}, float32 throughout. */
	public StyleBankNetwork(StyleBankModel model, Device device) {
		this(model, device, false);
	}

	/**
	 * {@code halfPrecision}: convolutions in float16 (inputs cast before the padding, results cast
	 * back to float32 before the normalisation). Inference only: training needs float32 (the
	 * float16 copies are not the live parameters).
	 */
	public StyleBankNetwork(StyleBankModel model, Device device, boolean halfPrecision) {
		this.model = model;
		this.weights = Engines.pytorch().newBaseManager(device);
		for (String layer : StyleBankModel.LAYERS) {
			params.put(layer + ".weight", upload(model.weight(layer)));
			params.put(layer + ".bias", upload(model.bias(layer)));
		}
		this.half = halfPrecision ? new HashMap<>() : null;
		if (halfPrecision) params.forEach((k, v) -> half.put(k, v.toType(DataType.FLOAT16, true)));
		// reflection padding needs sides larger than the pad at every scale: 9x9 at full size
		// and the bank's kernel at a quarter of it
		int bankPad = model.bankKernel() / 2;
		this.minSide = Math.max(8, 4 * (bankPad + 1));
	}

	public StyleBankModel model() {
		return model;
	}

	public Device device() {
		return weights.getDevice();
	}

	/** Whether the convolutions run in float16. */
	public boolean halfPrecision() {
		return half != null;
	}

	private NDArray upload(Tensor t) {
		return weights.create(t.data(), new Shape(t.shape()));
	}

	private synchronized NDArray bankArray(String key, Tensor t) {
		return params.computeIfAbsent(key, k -> upload(t));
	}

	/**
	 * Stylizes a batch N x 3 x H x W with values in [0, 1]; returns an array of the same shape
	 * in the input's manager. Sides that are not multiples of 4 are padded at the bottom/right
	 * by reflection (edge copies for images smaller than the padding) and cropped back.
	 */
	public NDArray apply(NDArray input, StyleMix mix) {
		Shape s = input.getShape();
		if (s.dimension() != 4 || s.get(1) != 3) throw new IllegalArgumentException("expected N x 3 x H x W, got " + s);
		Engines.inferenceMode();
		Device dev = weights.getDevice();
		NDArray x = input.getDevice().equals(dev) ? input : input.toDevice(dev, true);
		try {
			NDArray padded = padToNetworkSize(x);
			NDArray f = encode(padded);
			padded.close();
			if (!mix.isReconstruction()) {
				NDArray styled = bank(f, mix);
				f.close();
				f = styled;
			}
			NDArray y = decode(f);
			f.close();
			return cropAndReturn(y, input);
		}
		finally {
			if (x != input) x.close();
		}
	}

	/** How the fused feature maps of several regions are decoded (see {@link #applyRegions}). */
	public enum Fusion {
		/** Paper, Eq. 6: masked features through each bank, biases inside their region; decoder unchanged. */
		PAPER,
		/** Eq. 6, and the decoder's instance normalisation takes mean and variance per region. */
		REGION_AWARE,
		/**
		 * Eq. 6, and in the decoder's instance normalisation each region uses the mean and variance
		 * that its style (or mix) has on the whole image: a region's interior then equals that style
		 * applied to the whole image, and the borders blend in feature space. The default.
		 */
		WHOLE_IMAGE;

		/** The name macros and dialogs use. */
		public String key() {
			return switch (this) {
				case PAPER -> "paper";
				case REGION_AWARE -> "region-aware";
				case WHOLE_IMAGE -> "whole-image";
			};
		}

		/** The choices in the order dialogs list them, the default first. */
		public static String[] keys() {
			return new String[] { WHOLE_IMAGE.key(), REGION_AWARE.key(), PAPER.key() };
		}

		public static Fusion parse(String s) {
			if (s == null || s.isBlank()) return WHOLE_IMAGE;
			return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
				case "paper" -> PAPER;
				case "region-aware", "region_aware", "regionaware" -> REGION_AWARE;
				case "whole-image", "whole_image", "wholeimage" -> WHOLE_IMAGE;
				default -> throw new IllegalArgumentException("fusion must be whole-image, region-aware or paper, got '" + s + "'");
			};
		}
	}

	/**
	 * Region-specific fusion (paper, Eq. 6). {@code masks} are N x 1 x H x W soft masks at the
	 * input's size that sum to 1 at every pixel; each region's {@code mixes} entry is its style
	 * (a reconstruction mix is the identity: M . F). Masks are padded like the image and
	 * averaged over 4 x 4 blocks to reach the feature map (2 x 2 for D1's resolution).
	 */
	public NDArray applyRegions(NDArray input, List<NDArray> masks, List<StyleMix> mixes, Fusion fusion) {
		if (masks.size() != mixes.size() || masks.isEmpty()) throw new IllegalArgumentException("one style per mask");
		Engines.inferenceMode();
		Device dev = weights.getDevice();
		List<NDArray> owned = new ArrayList<>();
		try {
			NDArray x = input.getDevice().equals(dev) ? input : track(owned, input.toDevice(dev, true));
			NDArray padded = track(owned, padToNetworkSize(x));
			List<NDArray> full = new ArrayList<>(), half = new ArrayList<>(), quarter = new ArrayList<>();
			for (NDArray m : masks) {
				NDArray md = m.getDevice().equals(dev) ? m : track(owned, m.toDevice(dev, true));
				NDArray p = track(owned, padToNetworkSize(md));
				full.add(p);
				half.add(track(owned, Layers.averagePool(p, 2)));
				quarter.add(track(owned, Layers.averagePool(p, 4)));
			}
			NDArray f = track(owned, encode(padded));
			NDArray fused = null;
			for (int i = 0; i < masks.size(); i++) {
				NDArray part = mixes.get(i).isReconstruction() ? f.mul(quarter.get(i)) : maskedBank(f, quarter.get(i), mixes.get(i));
				if (fused == null) fused = track(owned, part);
				else {
					fused.addi(part);
					part.close();
				}
			}
			NDArray y = switch (fusion) {
				case PAPER -> decode(fused);
				case REGION_AWARE -> decodePerRegion(fused, half, full, null);
				case WHOLE_IMAGE -> decodePerRegion(fused, half, full, wholeImageStatistics(f, full, mixes, owned));
			};
			return cropAndReturn(y, input);
		}
		finally {
			owned.forEach(NDArray::close);
		}
	}

	/**
	 * For each region, the mean and variance (1 x C x 1 x 1, before normalisation) of the decoder's
	 * normalised layers D1 and D2 when the region's mix is applied to the whole feature map
	 * {@code f}: {@code [region][layer] = {mean, var}}; null for a region whose mask is empty.
	 * The arrays go to {@code owned}.
	 */
	private List<NDArray[][]> wholeImageStatistics(NDArray f, List<NDArray> masks, List<StyleMix> mixes, List<NDArray> owned) {
		List<Layer> normalised = Layer.DECODER.stream().filter(l -> l.normalised).toList();
		List<NDArray[][]> out = new ArrayList<>();
		for (int i = 0; i < masks.size(); i++) {
			boolean empty;
			try (NDArray mass = masks.get(i).sum()) {
				empty = mass.getFloat() <= 0f;
			}
			if (empty) {
				out.add(null);
				continue;
			}
			NDArray a = mixes.get(i).isReconstruction() ? f : bank(f, mixes.get(i));
			NDArray[][] region = new NDArray[normalised.size()][];
			for (int k = 0; k < normalised.size(); k++) {
				Layer l = normalised.get(k);
				NDArray y = layerConv(a, l);
				if (a != f) a.close();
				region[k] = Layers.meanVariance(y);
				for (NDArray s : region[k]) owned.add(s);
				a = k + 1 < normalised.size() ? normRelu(y) : y;
			}
			if (a != f) a.close();
			out.add(region);
		}
		return out;
	}

	private static NDArray track(List<NDArray> owned, NDArray a) {
		owned.add(a);
		return a;
	}

	/** W * (M . F) + M . b, computed as conv(M . F, W, b) - (1 - M) . b so that M = 1 equals {@link #bank}. */
	NDArray maskedBank(NDArray f, NDArray m, StyleMix mix) {
		try (NDArray mf = f.mul(m); NDArray conv = bank(mf, mix); NDArray bias = fusedBias(mix, f);
			NDArray inv = m.neg().add(1f); NDArray correction = inv.mul(bias))
		{
			return conv.sub(correction);
		}
	}

	private NDArray fusedBias(StyleMix mix, NDArray like) {
		NDArray bias = null;
		for (var e : mix.weights().entrySet()) {
			StyleBankModel.Bank b = model.bank(e.getKey());
			NDArray bi = Scalars.times(bankArray("bank." + e.getKey() + ".bias", b.bias()), e.getValue());
			bi.attach(like.getManager());
			if (bias == null) bias = bi;
			else {
				bias.addi(bi);
				bi.close();
			}
		}
		return bias.reshape(1, bias.size(), 1, 1);
	}

	/**
	 * D1-D3 with instance normalisation per region at D1 (half-size masks) and D2 (full-size
	 * masks): each region's own weighted statistics, or with {@code stats} (from
	 * {@link #wholeImageStatistics}) the given ones.
	 */
	private NDArray decodePerRegion(NDArray f, List<NDArray> half, List<NDArray> full, List<NDArray[][]> stats) {
		NDArray a = f;
		int k = 0;
		for (Layer l : Layer.DECODER) {
			NDArray y = layerConv(a, l);
			if (a != f) a.close();
			if (l.normalised) {
				List<NDArray> masks = l.scale() == 2 ? half : full;
				NDArray z;
				if (stats == null) z = Layers.regionNormRelu(y, masks);
				else {
					List<NDArray[]> layer = new ArrayList<>();
					for (NDArray[][] region : stats) layer.add(region == null ? null : region[k]);
					z = Layers.givenNormRelu(y, masks, layer);
				}
				k++;
				y.close();
				y = z;
			}
			a = y;
		}
		NDArray out = a.clip(0f, 1f);
		a.close();
		return out;
	}

	/** The side the network works on for an image side n: a multiple of 4, at least {@code minSide}. */
	public int paddedSize(int n) {
		return (int) Math.max(minSide, (n + 3L) / 4 * 4);
	}

	/** Pads bottom/right to the network's size: multiples of 4, at least {@code minSide}. */
	private NDArray padToNetworkSize(NDArray x) {
		long h = x.getShape().get(2), w = x.getShape().get(3);
		long ph = Math.max(minSide, (h + 3) / 4 * 4), pw = Math.max(minSide, (w + 3) / 4 * 4);
		try (NDArray rows = Layers.padEnd(x, 2, ph)) {
			return Layers.padEnd(rows, 3, pw);
		}
	}

	/** Crops y (padded size) to the input's size, moves it to the input's device and manager. */
	private static NDArray cropAndReturn(NDArray y, NDArray input) {
		long h = input.getShape().get(2), w = input.getShape().get(3);
		NDArray out = y;
		if (y.getShape().get(2) != h || y.getShape().get(3) != w) {
			out = y.get(":, :, 0:" + h + ", 0:" + w);
			y.close();
		}
		if (!out.getDevice().equals(input.getDevice())) {
			NDArray moved = out.toDevice(input.getDevice(), true);
			out.close();
			out = moved;
		}
		out.attach(input.getManager());
		return out;
	}

	/** E1-E3: the feature map F. */
	public NDArray encode(NDArray x) {
		NDArray a = x;
		for (Layer l : Layer.ENCODER) {
			NDArray next = step(a, l);
			if (a != x) a.close();
			a = next;
		}
		return a;
	}

	/** D1-D3 and the clamp. */
	public NDArray decode(NDArray f) {
		return decode(f, true);
	}

	/** D1-D3, with the final clamp to [0, 1] or without it (training: the clamp would stop gradients). */
	public NDArray decode(NDArray f, boolean clamp) {
		NDArray a = f;
		for (Layer l : Layer.DECODER) {
			NDArray next = step(a, l);
			if (a != f) a.close();
			a = next;
		}
		if (!clamp) return a;
		NDArray out = a.clip(0f, 1f);
		a.close();
		return out;
	}

	/**
	 * The live parameter arrays (autoencoder and the banks of {@code styles}), for training:
	 * updating them in place changes what this network computes.
	 */
	public Map<String, NDArray> parameters(java.util.Collection<String> styles) {
		Map<String, NDArray> out = new java.util.LinkedHashMap<>();
		for (String layer : StyleBankModel.LAYERS) {
			out.put(layer + ".weight", params.get(layer + ".weight"));
			out.put(layer + ".bias", params.get(layer + ".bias"));
		}
		for (String id : styles) {
			StyleBankModel.Bank b = model.bank(id);
			out.put("bank." + id + ".weight", bankArray("bank." + id + ".weight", b.weight()));
			out.put("bank." + id + ".bias", bankArray("bank." + id + ".bias", b.bias()));
		}
		return out;
	}

	/** Step K with the linearly fused bank sum_i w_i K_i (weights and biases alike). */
	public NDArray bank(NDArray f, StyleMix mix) {
		NDArray weight = null;
		NDArray bias = null;
		for (var e : mix.weights().entrySet()) {
			StyleBankModel.Bank b = model.bank(e.getKey());
			if (b == null) throw new IllegalArgumentException("model has no style '" + e.getKey() + "'");
			NDArray wi = Scalars.times(bankArray("bank." + e.getKey() + ".weight", b.weight()), e.getValue());
			NDArray bi = Scalars.times(bankArray("bank." + e.getKey() + ".bias", b.bias()), e.getValue());
			wi.attach(f.getManager());
			bi.attach(f.getManager());
			if (weight == null) {
				weight = wi;
				bias = bi;
			}
			else {
				weight.addi(wi);
				bias.addi(bi);
				wi.close();
				bi.close();
			}
		}
		if (half != null) {
			weight = toHalf(weight);
			bias = toHalf(bias);
		}
		NDArray out = Layers.conv(f, weight, bias, 1);
		weight.close();
		bias.close();
		return out;
	}

	private static NDArray toHalf(NDArray a) {
		NDArray h = a.toType(DataType.FLOAT16, false);
		if (h != a) a.close();
		return h;
	}

	/** The reflection-padded convolution of one autoencoder layer (in float16 if so chosen; the result is float32). */
	NDArray conv(NDArray x, String layer, int stride) {
		Map<String, NDArray> w = half != null && !training() ? half : params;
		return Layers.conv(x, w.get(layer + ".weight"), w.get(layer + ".bias"), stride);
	}

	/** Nearest upsampling by 2 and the layer's convolution, without building the upsampled map. */
	NDArray upsampleConv(NDArray x, String layer) {
		Map<String, NDArray> w = half != null && !training() ? half : params;
		return Layers.upsampleConv(x, w.get(layer + ".weight"), w.get(layer + ".bias"));
	}

	/** Gradients recorded on this thread: then the live float32 parameters must be used. */
	private static boolean training() {
		return ai.djl.pytorch.jni.JniUtils.isGradMode();
	}

	/** One layer of the table before its normalisation: (upsampling and) the convolution. */
	NDArray layerConv(NDArray x, Layer l) {
		return l.upsample ? upsampleConv(x, l.tensor) : conv(x, l.tensor, l.stride);
	}

	/** One layer of the table: (upsampling and) the convolution, then normalisation and ReLU where the table says so. */
	private NDArray step(NDArray x, Layer l) {
		NDArray y = layerConv(x, l);
		return l.normalised ? normRelu(y) : y;
	}

	/** Instance normalisation and ReLU; closes its input. */
	private static NDArray normRelu(NDArray y) {
		NDArray z = Layers.normRelu(y);
		y.close();
		return z;
	}

	/** Arrays held by this network's manager (weights and uploaded banks): constant between calls. */
	public int heldArrays() {
		return weights.getManagedArrays().size();
	}

	@Override
	public void close() {
		weights.close();
	}
}
