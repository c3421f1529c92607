package org.neuralstyle.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A feature network for the perceptual losses of Gatys optimisation and StyleBank training:
 * named feature maps of an RGB image in [0, 1], each at the image's size halved some number of
 * times (rounded down each time). {@link Vgg} (pretrained or random weights) and
 * {@link RandomPyramid} (the offline default) are the two kinds.
 */
public interface FeatureNetwork extends AutoCloseable {

	/** The layers the losses use by default, for Gatys optimisation and for StyleBank training. */
	record DefaultLayers(List<String> content, List<String> style) {
		public DefaultLayers {
			content = List.copyOf(content);
			style = List.copyOf(style);
		}
	}

	/**
	 * The activations of {@code layers} for an N x 3 x H x W input in [0, 1]. Results belong to the
	 * input's manager; intermediates are freed. Gradients flow when grad mode is on.
	 */
	Map<String, NDArray> features(NDArray image, Set<String> layers);

	/** How many times the image is halved before {@code layer} (throws for an unknown layer, naming the known ones). */
	int poolings(String layer);

	/**
	 * For a layer at the image's resolution (no halving): how many image rows above and below a
	 * row of its map the map's value depends on, so that the layer can be computed for a band of
	 * rows from the image's rows widened by this much (Gatys sums such a layer's Gram matrix band
	 * by band). -1 where not known or the layer is halved: then it is always computed whole.
	 */
	default int rowRadius(String layer) {
		return -1;
	}

	/** The floats of the maps a forward pass up to the deepest of {@code layers} keeps for the backward pass (w x h input). */
	long activationFloats(int w, int h, Set<String> layers);

	String description();

	/** Whether the weights were learned (VGG files); the offline networks are random. */
	boolean isPretrained();

	Device device();

	DefaultLayers gatysLayers();

	DefaultLayers trainingLayers();

	/**
	 * Whether each loss term is measured relative to its target: the content term divided by the
	 * mean square of the target features, each style term by the mean square of the target Gram
	 * matrix (so that every layer and every style weighs the same whatever its scale). VGG's
	 * terms are absolute, as in the usual formulation.
	 */
	boolean relativeLosses();

	@Override
	void close();

	/** The factor a loss term gets for {@code target} (1 unless {@link #relativeLosses()}). */
	static double termScale(FeatureNetwork net, NDArray target) {
		if (!net.relativeLosses()) return 1;
		try (NDArray sq = target.square(); NDArray m = sq.mean()) {
			return 1.0 / Math.max(m.getFloat(), 1e-12);
		}
	}
}
