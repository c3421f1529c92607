package org.neuralstyle.stylebank;

import java.util.List;

/**
 * The StyleBank network of model format v1 as one table (see ../shared/docs/model-format.md):
 * every part of the plugin that needs the network's structure (inference, tiling, validation,
 * training) reads it here. Each convolution pads by reflection (k / 2); the bank step K between
 * E3 and D1 is not a layer of the autoencoder.
 */
public enum Layer {
	E1("encoder.conv1", 9, 1, false, true, -1, 0),
	E2("encoder.conv2", 3, 2, false, true, 0, 1),
	E3("encoder.conv3", 3, 2, false, true, 1, 2),
	D1("decoder.conv1", 3, 1, true, true, 2, 1),
	D2("decoder.conv2", 3, 1, true, true, 1, 0),
	D3("decoder.conv3", 9, 1, false, false, 0, -1);

	/** The tensor names' prefix in autoencoder.safetensors. */
	public final String tensor;
	public final int kernel;
	public final int stride;
	/** Nearest upsampling by 2 before the convolution. */
	public final boolean upsample;
	/** Instance normalisation and ReLU after the convolution. */
	public final boolean normalised;
	/** Input and output channels as an index into the model's channels (c1, c2, c3), -1 for RGB. */
	private final int in, out;

	Layer(String tensor, int kernel, int stride, boolean upsample, boolean normalised, int in, int out) {
		this.tensor = tensor;
		this.kernel = kernel;
		this.stride = stride;
		this.upsample = upsample;
		this.normalised = normalised;
		this.in = in;
		this.out = out;
	}

	public static final List<Layer> ENCODER = List.of(E1, E2, E3);
	public static final List<Layer> DECODER = List.of(D1, D2, D3);
	/** The layers with instance normalisation, in order (the statistics passes of exact tiling). */
	public static final List<Layer> NORMALISED = List.of(E1, E2, E3, D1, D2);

	/** The weight's shape [out, in, k, k] for channels (c1, c2, c3). */
	public long[] weightShape(int[] channels) {
		return new long[] { channels(out, channels), channels(in, channels), kernel, kernel };
	}

	private static long channels(int index, int[] c) {
		return index < 0 ? 3 : c[index];
	}

	/** How much smaller than the input image this layer's output is (1, 2 or 4). */
	public int scale() {
		int s = 1;
		for (Layer l : values()) {
			if (l.upsample) s /= 2;
			s *= l.stride;
			if (l == this) return s;
		}
		throw new IllegalStateException();
	}

	/** The layer whose tensors are named {@code tensor}. */
	public static Layer named(String tensor) {
		for (Layer l : values()) if (l.tensor.equals(tensor)) return l;
		throw new IllegalArgumentException("no layer " + tensor);
	}
}
