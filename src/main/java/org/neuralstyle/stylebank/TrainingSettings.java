package org.neuralstyle.stylebank;

import com.google.gson.Gson;
import com.google.gson.JsonObject;

import java.util.List;

/**
 * Every StyleBank training setting, validated; see the README ("Train a model") for defaults and
 * meaning. {@code deterministic}: libtorch computes with one thread during the training, so that
 * two runs with the same seed give the same weights bit for bit (slower on a multi-core machine).
 */
public record TrainingSettings(int[] channels, int bankKernel, int cropSize, int batchSize, int iterations, double learningRate,
	double decay, int decayEvery, double contentWeight, double styleWeight, double tvWeight, int t, double lambda, long seed,
	int checkpointEvery, List<String> contentLayers, List<String> styleLayers, boolean deterministic)
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
		if (!(contentWeight >= 0) || !(styleWeight >= 0) || !(tvWeight >= 0)) throw new IllegalArgumentException("loss weights must be >= 0");
		if (t < 1) throw new IllegalArgumentException("T must be at least 1");
		if (!(lambda >= 0)) throw new IllegalArgumentException("lambda must be >= 0");
		if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint interval must be >= 0");
		contentLayers = List.copyOf(contentLayers);
		styleLayers = List.copyOf(styleLayers);
	}

	/** Content at relu3_3, style at relu1_2, relu2_2, relu3_3, relu4_3 (the layers of Johnson et al. 2016). */
	public static TrainingSettings defaults() {
		return new TrainingSettings(new int[] { 32, 64, 128 }, 3, 256, 4, 20000, 0.01, 0.8, 5000, 1, 1e5, 1e-4, 2, 1, 0, 1000,
			List.of("relu3_3"), List.of("relu1_2", "relu2_2", "relu3_3", "relu4_3"), false);
	}

	/** The same settings with another network width and bank kernel (incremental learning takes the model's). */
	public TrainingSettings withNetwork(int[] newChannels, int newBankKernel) {
		return new TrainingSettings(newChannels, newBankKernel, cropSize, batchSize, iterations, learningRate, decay, decayEvery,
			contentWeight, styleWeight, tvWeight, t, lambda, seed, checkpointEvery, contentLayers, styleLayers, deterministic);
	}

	/** The same settings with another iteration count and checkpoint interval. */
	public TrainingSettings withIterations(int newIterations, int newCheckpointEvery) {
		return new TrainingSettings(channels, bankKernel, cropSize, batchSize, newIterations, learningRate, decay, decayEvery,
			contentWeight, styleWeight, tvWeight, t, lambda, seed, newCheckpointEvery, contentLayers, styleLayers, deterministic);
	}

	@Override
	public int[] channels() {
		return channels.clone();
	}

	public JsonObject toJson() {
		return new Gson().toJsonTree(this).getAsJsonObject();
	}
}
