package org.neuralstyle.stylebank;

import com.google.gson.Gson;
import com.google.gson.JsonObject;

import org.neuralstyle.nn.FeatureNetwork;

import java.util.List;

/**
 * Every StyleBank training setting, validated; see the README ("Train a model") for defaults and
 * meaning. {@code deterministic}: libtorch computes with one thread during the training, so that
 * two runs with the same seed give the same weights bit for bit (slower on a multi-core machine).
 * {@code pixelWeight}: only with target images (distillation, {@link TrainingData}), the weight of
 * the mean absolute difference between the stylized crop and the target crop.
 */
public record TrainingSettings(int[] channels, int bankKernel, int cropSize, int batchSize, int iterations, double learningRate,
	double decay, int decayEvery, double contentWeight, double styleWeight, double tvWeight, int t, double lambda, long seed,
	int checkpointEvery, List<String> contentLayers, List<String> styleLayers, boolean deterministic, double pixelWeight)
{
	public TrainingSettings {
		if (channels == null || channels.length != 3) throw new IllegalArgumentException("channels must be three numbers");
		for (int c : channels) if (c < 1 || c > 1024) throw new IllegalArgumentException("channels must be 1..1024");
		channels = channels.clone();
		if (bankKernel < 1 || bankKernel % 2 == 0) throw new IllegalArgumentException("bank kernel must be odd");
		if (cropSize < 16 || cropSize % 4 != 0 || cropSize > 2048) throw new IllegalArgumentException("crop size must be a multiple of 4 in 16..2048");
		if (batchSize < 1 || batchSize > 64) throw new IllegalArgumentException("batch size must be 1..64");
		if (iterations < 1) throw new IllegalArgumentException("iterations must be at least 1");
		if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be positive");
		if (!(decay > 0 && decay <= 1) || decayEvery < 1) throw new IllegalArgumentException("decay must be in (0, 1], decay_every >= 1");
		// NaN style weight: the feature network's default (withNetworkDefaults)
		if (!(contentWeight >= 0) || !(styleWeight >= 0 || Double.isNaN(styleWeight)) || !(tvWeight >= 0)) {
			throw new IllegalArgumentException("loss weights must be >= 0");
		}
		if (t < 1) throw new IllegalArgumentException("T must be at least 1");
		if (!(lambda >= 0)) throw new IllegalArgumentException("lambda must be >= 0");
		if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint interval must be >= 0");
		if (!(pixelWeight >= 0)) throw new IllegalArgumentException("pixel_weight must be >= 0");
		contentLayers = List.copyOf(contentLayers);
		styleLayers = List.copyOf(styleLayers);
	}

	/**
	 * The defaults; the layers (empty) and the style weight (NaN) are the loss network's, filled in
	 * by {@link #withNetworkDefaults}: for VGG content at relu3_3, style at relu1_2, relu2_2,
	 * relu3_3, relu4_3 (the layers of Johnson et al. 2016), style weight 1e5; for the offline
	 * pyramid its {@link FeatureNetwork#trainingLayers()} and {@link #PYRAMID_STYLE_WEIGHT}.
	 */
	public static TrainingSettings defaults() {
		return new TrainingSettings(new int[] { 32, 64, 128 }, 3, 256, 4, 20000, 0.01, 0.8, 5000, 1, Double.NaN, 1e-4, 2, 1, 0, 1000,
			List.of(), List.of(), false, PIXEL_WEIGHT);
	}

	/** With target images (distillation): the weight of the mean absolute pixel difference to the target. */
	public static final double PIXEL_WEIGHT = 10;

	public static final double VGG_STYLE_WEIGHT = 1e5;
	/** The style weight with the offline pyramid's relative loss terms. */
	public static final double PYRAMID_STYLE_WEIGHT = 200;

	/** Empty layer lists and a NaN style weight become {@code net}'s defaults; named layers are checked against it. */
	public TrainingSettings withNetworkDefaults(FeatureNetwork net) {
		FeatureNetwork.DefaultLayers d = net.trainingLayers();
		List<String> cl = contentLayers.isEmpty() ? d.content() : contentLayers;
		List<String> sl = styleLayers.isEmpty() ? d.style() : styleLayers;
		for (String l : cl) net.poolings(l);
		for (String l : sl) net.poolings(l);
		double sw = Double.isNaN(styleWeight) ? net.relativeLosses() ? PYRAMID_STYLE_WEIGHT : VGG_STYLE_WEIGHT : styleWeight;
		return new TrainingSettings(channels, bankKernel, cropSize, batchSize, iterations, learningRate, decay, decayEvery,
			contentWeight, sw, tvWeight, t, lambda, seed, checkpointEvery, cl, sl, deterministic, pixelWeight);
	}

	/** The same settings with another network width and bank kernel (incremental learning takes the model's). */
	public TrainingSettings withNetwork(int[] newChannels, int newBankKernel) {
		return new TrainingSettings(newChannels, newBankKernel, cropSize, batchSize, iterations, learningRate, decay, decayEvery,
			contentWeight, styleWeight, tvWeight, t, lambda, seed, checkpointEvery, contentLayers, styleLayers, deterministic, pixelWeight);
	}

	/** The same settings with another style weight (training towards targets: 0 unless asked). */
	public TrainingSettings withStyleWeight(double newStyleWeight) {
		return new TrainingSettings(channels, bankKernel, cropSize, batchSize, iterations, learningRate, decay, decayEvery,
			contentWeight, newStyleWeight, tvWeight, t, lambda, seed, checkpointEvery, contentLayers, styleLayers, deterministic, pixelWeight);
	}

	/** The same settings with another iteration count and checkpoint interval. */
	public TrainingSettings withIterations(int newIterations, int newCheckpointEvery) {
		return new TrainingSettings(channels, bankKernel, cropSize, batchSize, newIterations, learningRate, decay, decayEvery,
			contentWeight, styleWeight, tvWeight, t, lambda, seed, newCheckpointEvery, contentLayers, styleLayers, deterministic, pixelWeight);
	}

	@Override
	public int[] channels() {
		return channels.clone();
	}

	public JsonObject toJson() {
		return new Gson().toJsonTree(this).getAsJsonObject();
	}
}
