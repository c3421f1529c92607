package org.neuralstyle.bench;

import ai.djl.Device;

import org.neuralstyle.Progress;
import org.neuralstyle.gatys.GatysOptimizer;
import org.neuralstyle.gatys.GatysSettings;
import org.neuralstyle.nn.FeatureNetwork;
import org.neuralstyle.nn.RandomPyramid;
import org.neuralstyle.nn.Vgg;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Seconds per L-BFGS iteration of Gatys style transfer with a full-size VGG-19 (random weights:
 * the same FLOPs as the pretrained network) and with the offline half-width network, for square
 * images: {@code mvn -B -q -Pbenchmark test-compile exec:java -Dbench.main=org.neuralstyle.bench.GatysBenchmark
 * -Dexec.args="256 512"}. An iteration is one L-BFGS step (usually one forward and backward pass).
 *
 * <p>With {@code -Dtiled=true}: one tiled run per size (VGG-19 with random weights, or the offline
 * network with {@code -Dnet=offline}), tiles chosen by the memory budget
 * ({@code -Dneuralstyle.memory.mb}) or {@code -Dtile=N}; {@code -Diterations=N} per tile in all
 * (default 4: two sweeps of 2); prints the seconds of each sweep, the memory estimate of the
 * untiled optimisation and the process's peak RSS (VmHWM, which includes Maven's JVM under exec:java).
 */
public final class GatysBenchmark {

	public static void main(String[] args) throws java.io.IOException {
		int[] sizes = args.length == 0 ? new int[] { 256, 512 } : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
		if (Boolean.getBoolean("tiled")) {
			tiled(sizes);
			return;
		}
		int iterations = Integer.getInteger("iterations", 5);
		System.out.printf(Locale.ROOT, "Gatys, L-BFGS, each network's default layers, CPU, %d cores, %d iterations after 1 warm-up%n",
			Runtime.getRuntime().availableProcessors(), iterations);
		for (String kind : System.getProperty("nets", "vgg19,random-vgg,offline").split(",")) {
			try (FeatureNetwork vgg = network(kind)) {
				for (int size : sizes) {
					float[][] cs = randomPair(size);
					float[] content = cs[0], style = cs[1];
					GatysSettings s = GatysSettings.defaults(vgg).withSize(size).withIterations(1);
					var styles = List.of(new GatysOptimizer.StyleImage(style, size, size, 1));
					GatysOptimizer.run(vgg, content, size, size, styles, List.of(), false, s, Progress.NONE, null);
					long t0 = System.nanoTime();
					GatysOptimizer.Result res = GatysOptimizer.run(vgg, content, size, size, styles, List.of(), false,
						s.withIterations(iterations), Progress.NONE, null);
					double per = (System.nanoTime() - t0) / 1e9 / res.iterations();
					System.out.printf(Locale.ROOT, "%-45s %4d x %-4d %.2f s/iteration%n", vgg.description(), size, size, per);
				}
			}
		}
	}

	/** vgg19 (random weights, full width), random-vgg or offline (the pyramid). */
	static FeatureNetwork network(String kind) {
		return switch (kind) {
			case "vgg19" -> Vgg.random(Vgg.Arch.VGG19, 1, Vgg.Pooling.AVERAGE, 1, Device.cpu(), "VGG-19 (random weights)");
			case "random-vgg" -> Vgg.offline(Vgg.Pooling.MAX, 0, Device.cpu());
			case "offline" -> RandomPyramid.offline(0, Device.cpu());
			default -> throw new IllegalArgumentException("nets: vgg19, random-vgg, offline");
		};
	}

	/** A seeded random content and style image, size x size RGB. */
	static float[][] randomPair(int size) {
		Random r = new Random(size);
		float[] content = new float[3 * size * size], style = new float[3 * size * size];
		for (int i = 0; i < content.length; i++) {
			content[i] = r.nextFloat();
			style[i] = r.nextFloat();
		}
		return new float[][] { content, style };
	}

	static void tiled(int[] sizes) throws java.io.IOException {
		String kind = System.getProperty("net", "vgg19");
		int iterations = Integer.getInteger("iterations", 4);
		long budget = org.neuralstyle.nn.MemoryBudget.bytes(ai.djl.Device.cpu(), org.neuralstyle.imagej.Settings.current());
		try (FeatureNetwork vgg = network(kind)) {
			for (int size : sizes) {
				float[][] cs = randomPair(size);
				float[] content = cs[0], style = cs[1];
				GatysSettings s = GatysSettings.defaults(vgg).withSize(size).withIterations(iterations)
					.withTile(Integer.getInteger("tile", 0));
				java.util.Set<String> layers = new java.util.LinkedHashSet<>(s.contentLayers());
				layers.addAll(s.styleLayers().keySet());
				List<Long> sweepStarts = new java.util.ArrayList<>();
				int[] sweep = { 0 };
				Progress timing = new Progress() {
					@Override
					public void report(int done, int total, String message) {
						int i = message.indexOf("sweep ");
						int k = i < 0 ? 1 : Integer.parseInt(message.substring(i + 6, message.indexOf('/', i)));
						if (k != sweep[0]) {
							sweep[0] = k;
							sweepStarts.add(System.nanoTime());
						}
					}

					@Override
					public boolean isCancelled() {
						return false;
					}
				};
				long t0 = System.nanoTime();
				GatysOptimizer.Result res = GatysOptimizer.run(vgg, content, size, size,
					List.of(new GatysOptimizer.StyleImage(style, size, size, 1)), List.of(), false, s, timing, null);
				long t1 = System.nanoTime();
				StringBuilder per = new StringBuilder(res.tiling().isEmpty() ? "none (untiled)" : "");
				sweepStarts.add(t1);
				for (int k = 0; !res.tiling().isEmpty() && k + 1 < sweepStarts.size(); k++) {
					per.append(String.format(Locale.ROOT, "%s%.1f", k == 0 ? "" : ", ", (sweepStarts.get(k + 1) - sweepStarts.get(k)) / 1e9));
				}
				System.out.printf(Locale.ROOT, "%s %d x %d, budget %d MB, untiled estimate %d MB: %s; %d tile iterations; "
					+ "s per sweep: %s (the first includes the style Gram matrices); total %.1f s; peak RSS %d MB%n", vgg.description(), size,
					size, budget >> 20, org.neuralstyle.gatys.Tiles.optimiseBytes(vgg, layers, size, size) >> 20,
					res.tiling().isEmpty() ? "untiled" : res.tiling(), res.iterations(), per, (t1 - t0) / 1e9,
					ThroughputBenchmark.peakRssBytes() >> 20);
			}
		}
	}
}
