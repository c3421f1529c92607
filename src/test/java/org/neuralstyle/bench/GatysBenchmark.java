package org.neuralstyle.bench;

import ai.djl.Device;

import org.neuralstyle.Progress;
import org.neuralstyle.gatys.GatysOptimizer;
import org.neuralstyle.gatys.GatysSettings;
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
 */
public final class GatysBenchmark {

	public static void main(String[] args) {
		int[] sizes = args.length == 0 ? new int[] { 256, 512 } : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
		int iterations = Integer.getInteger("iterations", 5);
		System.out.printf(Locale.ROOT, "Gatys, L-BFGS, content relu4_2, style relu1_1..relu5_1, CPU, %d cores, %d iterations after 1 warm-up%n",
			Runtime.getRuntime().availableProcessors(), iterations);
		for (boolean full : new boolean[] { true, false }) {
			try (Vgg vgg = full ? Vgg.random(Vgg.Arch.VGG19, 1, Vgg.Pooling.AVERAGE, 1, Device.cpu(), "VGG-19 (random weights)")
				: Vgg.offline(Vgg.Pooling.MAX, 0, Device.cpu()))
			{
				for (int size : sizes) {
					Random r = new Random(size);
					float[] content = new float[3 * size * size], style = new float[3 * size * size];
					for (int i = 0; i < content.length; i++) {
						content[i] = r.nextFloat();
						style[i] = r.nextFloat();
					}
					GatysSettings s = GatysSettings.defaults(full).withSize(size).withIterations(1);
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
}
