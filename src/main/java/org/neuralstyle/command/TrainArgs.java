package org.neuralstyle.command;

import org.neuralstyle.stylebank.Trainer;
import org.neuralstyle.stylebank.TrainingSettings;

import java.util.Arrays;
import java.util.Set;
import java.util.function.Function;

/**
 * Training settings as macro options (defaults in brackets): size [256] (crop size), batch [4],
 * iterations [20000], lr [0.01], decay [0.8] every decay_every [5000] iterations, content_weight
 * [1], style_weight [1e5], tv_weight [1e-4], t [2] (stylizing steps per autoencoder step),
 * lambda [1], seed [0], channels [32,64,128], bank_kernel [3], checkpoint_every [1000],
 * content_layers [relu3_3], style_layers [relu1_2,relu2_2,relu3_3,relu4_3], deterministic [false].
 */
final class TrainArgs {

	static final Set<String> KEYS = Set.of("size", "batch", "iterations", "lr", "decay", "decay_every", "content_weight", "style_weight",
		"tv_weight", "t", "lambda", "seed", "channels", "bank_kernel", "checkpoint_every", "content_layers", "style_layers",
		"deterministic");

	private TrainArgs() {}

	static TrainingSettings settings(Function<String, String> get) {
		TrainingSettings d = TrainingSettings.defaults();
		return new TrainingSettings(ints(get.apply("channels"), d.channels()), (int) num(get, "bank_kernel", d.bankKernel()),
			(int) num(get, "size", d.cropSize()), (int) num(get, "batch", d.batchSize()), (int) num(get, "iterations", d.iterations()),
			num(get, "lr", d.learningRate()), num(get, "decay", d.decay()), (int) num(get, "decay_every", d.decayEvery()),
			num(get, "content_weight", d.contentWeight()), num(get, "style_weight", d.styleWeight()), num(get, "tv_weight", d.tvWeight()),
			(int) num(get, "t", d.t()), num(get, "lambda", d.lambda()), (long) num(get, "seed", d.seed()),
			(int) num(get, "checkpoint_every", d.checkpointEvery()), list(get.apply("content_layers"), d.contentLayers()),
			list(get.apply("style_layers"), d.styleLayers()), bool(get.apply("deterministic"), d.deterministic()));
	}

	private static double num(Function<String, String> get, String key, double fallback) {
		return GatysArgs.number(get, key, fallback);
	}

	private static boolean bool(String v, boolean fallback) {
		if (v == null || v.isBlank()) return fallback;
		return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
			case "true", "yes", "on" -> true;
			case "false", "no", "off" -> false;
			default -> throw new IllegalArgumentException("deterministic must be true or false, got '" + v + "'");
		};
	}

	private static int[] ints(String v, int[] fallback) {
		if (v == null || v.isBlank()) return fallback;
		try {
			return Arrays.stream(v.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
		}
		catch (NumberFormatException e) {
			throw new IllegalArgumentException("channels must be three whole numbers like 32,64,128, got '" + v + "'");
		}
	}

	private static java.util.List<String> list(String v, java.util.List<String> fallback) {
		if (v == null || v.isBlank()) return fallback;
		return Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
	}
}
