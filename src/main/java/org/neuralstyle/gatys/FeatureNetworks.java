package org.neuralstyle.gatys;

import ai.djl.Device;

import org.neuralstyle.Progress;
import org.neuralstyle.nn.Download;
import org.neuralstyle.nn.FeatureNetwork;
import org.neuralstyle.nn.RandomPyramid;
import org.neuralstyle.nn.Vgg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Chooses and caches the feature network: {@code auto} (VGG-19 if its weights are installed,
 * else the offline network), {@code vgg19}, {@code vgg16} (downloaded only with the user's
 * consent), {@code offline} ({@link RandomPyramid}) or {@code random-vgg} (the offline network
 * before it, VGG-19's layout with random weights). One network is kept across runs.
 */
public final class FeatureNetworks {

	public static final String OFFLINE = "offline";
	public static final String RANDOM_VGG = "random-vgg";
	/** The choices every door offers, in this order. */
	public static final String[] CHOICES = { "auto", "vgg19", "vgg16", OFFLINE, RANDOM_VGG };
	private static FeatureNetwork cached;
	private static String cachedKey;

	private FeatureNetworks() {}

	/**
	 * @param choice   auto, vgg19, vgg16, offline or random-vgg
	 * @param pooling  max or average (null: average for VGG weights, max for random-vgg; the offline pyramid has no pooling)
	 * @param download whether the user agreed to download missing weights
	 * @param models   the models folder (where VGG weights are)
	 * @param log      receives a line for the user (e.g. "using the offline network")
	 */
	public static synchronized FeatureNetwork get(String choice, Vgg.Pooling pooling, boolean download, Path models, Device device,
		Progress progress, Consumer<String> log) throws IOException
	{
		String c = choice == null || choice.isBlank() ? "auto" : choice.trim().toLowerCase(Locale.ROOT);
		Vgg.Arch arch = null;
		boolean randomVgg = false;
		switch (c) {
			case "auto" -> {
				if (VggWeights.present(models, Vgg.Arch.VGG19)) arch = Vgg.Arch.VGG19;
				else log.accept("No VGG weights installed: using the offline random-filter network (no trained weights: colours and "
					+ "brush texture, not a trained VGG's quality). " + VggWeights.missingMessage(models, Vgg.Arch.VGG19));
			}
			case OFFLINE -> { }
			case RANDOM_VGG -> randomVgg = true;
			default -> {
				try {
					arch = Vgg.Arch.parse(c);
				}
				catch (IllegalArgumentException e) {
					throw new IllegalArgumentException("network must be one of " + String.join(", ", CHOICES) + ", got '" + choice + "'");
				}
			}
		}
		Path file = arch == null ? null : VggWeights.file(models, arch);
		if (file != null && !Files.isRegularFile(file)) {
			if (!download) throw new IllegalArgumentException(VggWeights.missingMessage(models, arch));
			log.accept("Downloading " + VggWeights.url(arch) + " to " + file);
			Download.fetch(VggWeights.url(arch), file, progress);
		}
		Vgg.Pooling pool = pooling != null ? pooling : arch == null ? Vgg.Pooling.MAX : Vgg.Pooling.AVERAGE;
		String name = randomVgg ? RANDOM_VGG + "|" + pool : file == null ? OFFLINE
			: file + "@" + Files.getLastModifiedTime(file).toMillis() + "|" + pool;
		String key = name + "|" + device;
		if (!key.equals(cachedKey)) {
			if (cached != null) cached.close();
			cached = null;
			cachedKey = null;
			cached = randomVgg ? Vgg.offline(pool, 0, device) : file == null ? RandomPyramid.offline(0, device)
				: Vgg.load(file, arch, pool, Set.of("relu5_1"), device); // every layer the defaults use
			cachedKey = key;
		}
		return cached;
	}
}
