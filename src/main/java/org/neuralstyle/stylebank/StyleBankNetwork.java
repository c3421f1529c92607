package org.neuralstyle.stylebank;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Layers;
import org.neuralstyle.nn.Tensor;

import java.util.HashMap;
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
	private final int minSide;

	public StyleBankNetwork(StyleBankModel model, Device device) {
		this.model = model;
		this.weights = Engines.pytorch().newBaseManager(device);
		for (String layer : StyleBankModel.LAYERS) {
			params.put(layer + ".weight", upload(model.weight(layer)));
			params.put(layer + ".bias", upload(model.bias(layer)));
		}
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
		long h = s.get(2), w = s.get(3);
		long ph = Math.max(minSide, (h + 3) / 4 * 4), pw = Math.max(minSide, (w + 3) / 4 * 4);
		Device dev = weights.getDevice();
		NDArray x = input.getDevice().equals(dev) ? input : input.toDevice(dev, true);
		try {
			NDArray padded = Layers.padEnd(x, 2, ph);
			NDArray padded2 = Layers.padEnd(padded, 3, pw);
			padded.close();
			NDArray f = encode(padded2);
			padded2.close();
			if (!mix.isReconstruction()) {
				NDArray styled = bank(f, mix);
				f.close();
				f = styled;
			}
			NDArray y = decode(f);
			f.close();
			NDArray out = y;
			if (ph != h || pw != w) {
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
		finally {
			if (x != input) x.close();
		}
	}

	/** E1-E3: the feature map F. */
	public NDArray encode(NDArray x) {
		NDArray a = step(x, "encoder.conv1", 1, true);
		NDArray b = step(a, "encoder.conv2", 2, true);
		a.close();
		NDArray c = step(b, "encoder.conv3", 2, true);
		b.close();
		return c;
	}

	/** D1-D3 and the clamp. */
	public NDArray decode(NDArray f) {
		NDArray u1 = Layers.upsample2(f);
		NDArray d1 = step(u1, "decoder.conv1", 1, true);
		u1.close();
		NDArray u2 = Layers.upsample2(d1);
		d1.close();
		NDArray d2 = step(u2, "decoder.conv2", 1, true);
		u2.close();
		NDArray d3 = step(d2, "decoder.conv3", 1, false);
		d2.close();
		NDArray out = d3.clip(0f, 1f);
		d3.close();
		return out;
	}

	/** Step K with the linearly fused bank sum_i w_i K_i (weights and biases alike). */
	public NDArray bank(NDArray f, StyleMix mix) {
		NDArray weight = null;
		NDArray bias = null;
		for (var e : mix.weights().entrySet()) {
			StyleBankModel.Bank b = model.bank(e.getKey());
			if (b == null) throw new IllegalArgumentException("model has no style '" + e.getKey() + "'");
			NDArray wi = bankArray("bank." + e.getKey() + ".weight", b.weight()).mul(e.getValue().floatValue());
			NDArray bi = bankArray("bank." + e.getKey() + ".bias", b.bias()).mul(e.getValue().floatValue());
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
		NDArray out = Layers.conv(f, weight, bias, 1);
		weight.close();
		bias.close();
		return out;
	}

	private NDArray step(NDArray x, String layer, int stride, boolean normRelu) {
		NDArray y = Layers.conv(x, params.get(layer + ".weight"), params.get(layer + ".bias"), stride);
		if (!normRelu) return y;
		NDArray z = Layers.normRelu(y);
		y.close();
		return z;
	}

	@Override
	public void close() {
		weights.close();
	}
}
