package org.neuralstyle.bench;

import ai.djl.Device;

import org.neuralstyle.nn.Vgg;
import org.neuralstyle.stylebank.Trainer;
import org.neuralstyle.stylebank.TrainingSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * StyleBank training iterations per second (paper network 32/64/128, bank 3x3), batch 4, with a
 * VGG-16-sized loss network (random weights: the FLOPs of the real one) and with the offline
 * network: {@code mvn -B -q -Pbenchmark test-compile exec:java -Dbench.main=org.neuralstyle.bench.TrainingBenchmark
 * -Dexec.args="256"}. Averages over iterations after 3 warm-up iterations (T = 2: two
 * stylizing steps per reconstruction step, as in training).
 */
public final class TrainingBenchmark {

	public static void main(String[] args) throws Exception {
		int size = args.length > 0 ? Integer.parseInt(args[0]) : 256;
		int iterations = Integer.getInteger("iterations", 9);
		Random r = new Random(1);
		List<Trainer.ContentImage> content = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			float[] x = new float[3 * size * size];
			for (int j = 0; j < x.length; j++) x[j] = r.nextFloat();
			content.add(new Trainer.ContentImage(x, size, size));
		}
		float[] st = new float[3 * size * size];
		for (int j = 0; j < st.length; j++) st[j] = r.nextFloat();
		List<Trainer.StyleImage> styles = List.of(new Trainer.StyleImage("s", "s", st, size, size, null));
		System.out.printf(Locale.ROOT, "StyleBank training, paper network, %d x %d crops, batch 4, CPU, %d cores%n", size, size,
			Runtime.getRuntime().availableProcessors());
		for (boolean vgg16 : new boolean[] { true, false }) {
			try (Vgg vgg = vgg16 ? Vgg.random(Vgg.Arch.VGG16, 1, Vgg.Pooling.MAX, 1, Device.cpu(), "VGG-16 (random weights)")
				: Vgg.offline(Vgg.Pooling.MAX, 0, Device.cpu()))
			{
				TrainingSettings d = TrainingSettings.defaults();
				TrainingSettings s = new TrainingSettings(d.channels(), 3, size, 4, 3 + iterations, d.learningRate(), d.decay(),
					d.decayEvery(), 1, 1e5, 1e-4, 2, 1, 0, 0, d.contentLayers(), d.styleLayers(), Boolean.getBoolean("deterministic"), d.pixelWeight());
				try (Trainer t = Trainer.fresh(s, vgg, styles, Device.cpu())) {
					long[] start = { 0 };
					t.train(content, null, (it, total, branch, loss, c, sl) -> {
						if (it == 3) start[0] = System.nanoTime();
					});
					double seconds = (System.nanoTime() - start[0]) / 1e9;
					System.out.printf(Locale.ROOT, "%-60s %.3f iterations/s (%.2f s/iteration)%n", vgg.description(), iterations / seconds,
						seconds / iterations);
				}
			}
		}
		System.out.println("convolution plans: " + org.neuralstyle.nn.Convolution.report());
	}
}
