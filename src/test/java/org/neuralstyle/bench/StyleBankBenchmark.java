package org.neuralstyle.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Tensor;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Throughput of StyleBank inference with the paper's network (channels 32/64/128, bank 3x3,
 * random weights) on RGB images: median of several timed runs after warm-up. Not a test:
 * {@code mvn -B -q -Pbenchmark test-compile exec:java} (arguments: sizes, e.g. -Dexec.args="512 1024").
 */
public final class StyleBankBenchmark {

	public static void main(String[] args) throws Exception {
		int[] sizes = args.length == 0 ? new int[] { 1024 } : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
		int runs = Integer.getInteger("runs", 7);
		StyleBankModel model = paperModel(42);
		try (StyleBankNetwork net = new StyleBankNetwork(model, Device.cpu());
			NDManager manager = Engines.pytorch().newBaseManager(Device.cpu()))
		{
			System.out.printf(Locale.ROOT, "StyleBank inference, paper network [32,64,128] k3, CPU, %d cores, %d runs after 2 warm-up%n",
				Runtime.getRuntime().availableProcessors(), runs);
			for (int size : sizes) {
				Random r = new Random(size);
				float[] px = new float[3 * size * size];
				for (int i = 0; i < px.length; i++) px[i] = r.nextFloat();
				double[] seconds = new double[runs];
				for (int i = -2; i < runs; i++) {
					try (NDManager m = manager.newSubManager()) {
						long t0 = System.nanoTime();
						NDArray x = m.create(px, new Shape(1, 3, size, size));
						NDArray y = net.apply(x, StyleMix.single("style"));
						y.toFloatArray(); // includes the copy back to Java, as the plugin does
						if (i >= 0) seconds[i] = (System.nanoTime() - t0) / 1e9;
					}
				}
				Arrays.sort(seconds);
				double median = seconds[runs / 2];
				System.out.printf(Locale.ROOT, "%5d x %-5d median %.3f s  (min %.3f, max %.3f)  %.2f MPix/s%n", size, size,
					median, seconds[0], seconds[runs - 1], size * (double) size / 1e6 / median);
			}
		}
	}

	/** A model of the paper's size with seeded random weights. */
	public static StyleBankModel paperModel(long seed) {
		int[] c = { 32, 64, 128 };
		Random r = new Random(seed);
		Map<String, Tensor> ae = new LinkedHashMap<>();
		for (String layer : StyleBankModel.LAYERS) {
			long[] s = StyleBankModel.expectedShape(layer, c);
			ae.put(layer + ".weight", random(r, s, 1.0 / Math.sqrt(s[1] * s[2] * s[3])));
			ae.put(layer + ".bias", random(r, new long[] { s[0] }, 0.1));
		}
		StyleBankModel m = StyleBankModel.create("paper-random", c, 3, ae);
		m.putStyle("style", "Random style", new StyleBankModel.Bank(random(r, new long[] { 128, 128, 3, 3 }, 1 / Math.sqrt(128 * 9.0)),
			random(r, new long[] { 128 }, 0.1)), null);
		return m;
	}

	static Tensor random(Random r, long[] shape, double scale) {
		int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
		float[] d = new float[n];
		for (int i = 0; i < n; i++) d[i] = (float) (r.nextGaussian() * scale);
		return new Tensor(shape, d);
	}
}
