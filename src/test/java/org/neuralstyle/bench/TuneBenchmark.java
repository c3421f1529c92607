package org.neuralstyle.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * A/B measurements for tuning, interleaved in one JVM (A, B, A, B, ...) so that the load of a
 * shared machine hits both alike; prints medians and the ratio B/A.
 * <ul>
 * <li>{@code threads SIZE ROUNDS}: libtorch intra-op threads 1 (A) vs 2 (B), whole image.</li>
 * <li>{@code interop SIZE ROUNDS}: inter-op threads 1 (A) vs 2 (B) (intra-op threads 2).</li>
 * <li>{@code batch SIZE ROUNDS SLICES}: SLICES slices one by one (A) vs in one N x 3 x H x W forward (B).</li>
 * </ul>
 * {@code mvn -B -q -Pbenchmark test-compile exec:java -Dbench.main=org.neuralstyle.bench.TuneBenchmark -Dexec.args="batch 512 5 8"}
 */
public final class TuneBenchmark {

	public static void main(String[] args) throws Exception {
		String mode = args[0];
		int size = Integer.parseInt(args[1]);
		int rounds = Integer.parseInt(args[2]);
		int slices = args.length > 3 ? Integer.parseInt(args[3]) : 1;
		Engines.inferenceMode();
		try (StyleBankNetwork net = new StyleBankNetwork(StyleBankBenchmark.paperModel(42), Device.cpu());
			NDManager manager = Engines.pytorch().newBaseManager(Device.cpu()))
		{
			Random r = new Random(size);
			float[] px = new float[slices * 3 * size * size];
			for (int i = 0; i < px.length; i++) px[i] = r.nextFloat();
			StyleMix mix = StyleMix.single("style");
			int threads0 = JniUtils.getNumThreads(), interop0 = JniUtils.getNumInteropThreads();
			System.out.printf(Locale.ROOT, "%s %d^2, %d rounds, %d slice(s); libtorch threads %d, inter-op %d, %d cores%n", mode, size,
				rounds, slices, threads0, interop0, Runtime.getRuntime().availableProcessors());
			double[][] t = new double[2][rounds];
			for (int round = -1; round < rounds; round++) {
				for (int v = 0; v < 2; v++) {
					switch (mode) {
						case "threads" -> JniUtils.setNumThreads(v == 0 ? 1 : 2);
						case "interop" -> JniUtils.setNumInteropThreads(v == 0 ? 1 : 2);
						case "batch" -> { }
						default -> throw new IllegalArgumentException("mode " + mode);
					}
					long t0 = System.nanoTime();
					try (NDManager m = manager.newSubManager()) {
						if (mode.equals("batch") && v == 1) {
							net.apply(m.create(px, new Shape(slices, 3, size, size)), mix).toFloatArray();
						}
						else {
							int n = 3 * size * size;
							for (int s = 0; s < slices; s++) {
								try (NDManager sm = m.newSubManager()) {
									NDArray x = sm.create(Arrays.copyOfRange(px, s * n, (s + 1) * n), new Shape(1, 3, size, size));
									net.apply(x, mix).toFloatArray();
								}
							}
						}
					}
					if (round >= 0) t[v][round] = (System.nanoTime() - t0) / 1e9 / slices;
				}
			}
			double a = median(t[0]), b = median(t[1]);
			System.out.printf(Locale.ROOT, "A %s: median %.3f s per slice %s%n", label(mode, 0), a, Arrays.toString(round3(t[0])));
			System.out.printf(Locale.ROOT, "B %s: median %.3f s per slice %s%n", label(mode, 1), b, Arrays.toString(round3(t[1])));
			double[] ratios = new double[rounds];
			for (int i = 0; i < rounds; i++) ratios[i] = t[1][i] / t[0][i];
			System.out.printf(Locale.ROOT, "B/A: median of the per-round ratios %.3f%n", median(ratios));
		}
	}

	private static String label(String mode, int v) {
		return switch (mode) {
			case "threads" -> v == 0 ? "1 intra-op thread" : "2 intra-op threads";
			case "interop" -> v == 0 ? "1 inter-op thread" : "2 inter-op threads";
			default -> v == 0 ? "one by one" : "batched";
		};
	}

	private static double median(double[] d) {
		double[] s = d.clone();
		Arrays.sort(s);
		return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
	}

	private static double[] round3(double[] d) {
		return Arrays.stream(d).map(x -> Math.round(x * 1000) / 1000.0).toArray();
	}
}
