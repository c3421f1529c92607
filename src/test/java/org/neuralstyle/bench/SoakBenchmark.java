package org.neuralstyle.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.NativeMemory;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;

import java.util.Locale;

/**
 * Native memory over many stylizations in one JVM: {@code -Dsoak=N} (default 500) runs of
 * {@code -Dsoak.size=S} (default 256) squared through the paper-size network, printing the
 * process RSS and the arrays held by the network's and the loop's managers at checkpoints, and
 * the glibc malloc environment (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_)
 * the JVM was started with, and whether the plugin's own tuning ({@link NativeMemory}) is on
 * ({@code -Dneuralstyle.malloc=default} turns it off, {@code -Dsoak.trim=false} skips the
 * trim after each stylization). Run it directly with java to choose that environment:
 * {@code MALLOC_MMAP_THRESHOLD_=1048576 java -cp ... org.neuralstyle.bench.SoakBenchmark}, or
 * {@code mvn -B -q -Pbenchmark test-compile exec:java -Dbench.main=org.neuralstyle.bench.SoakBenchmark}.
 */
public final class SoakBenchmark {

	public static void main(String[] args) throws Exception {
		int soak = Integer.getInteger("soak", 500);
		int size = Integer.getInteger("soak.size", 256);
		try (StyleBankNetwork net = new StyleBankNetwork(StyleBankBenchmark.paperModel(42), Device.cpu());
			NDManager manager = Engines.pytorch().newBaseManager(Device.cpu()))
		{
			run(net, manager, soak, size);
		}
	}

	static void run(StyleBankNetwork net, NDManager manager, int soak, int size) throws Exception {
		StringBuilder env = new StringBuilder();
		for (String k : new String[] { "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS" }) {
			env.append(' ').append(k).append('=').append(System.getenv().getOrDefault(k, "-"));
		}
		boolean trim = Boolean.parseBoolean(System.getProperty("soak.trim", "true"));
		System.out.println("soak environment:" + env + "; malloc kept and reused (plugin setting): " + NativeMemory.tune()
			+ "; malloc_trim after each: " + trim);
		float[] px = new float[3 * size * size];
		for (int i = 0; i < px.length; i++) px[i] = (i % 251) / 250f;
		long start = 0;
		long t0 = System.nanoTime();
		for (int i = 1; i <= soak; i++) {
			try (NDManager m = manager.newSubManager()) {
				net.apply(m.create(px, new Shape(1, 3, size, size)), StyleMix.single("style")).toFloatArray();
			}
			if (trim) NativeMemory.trim(); // as the plugin does after each image
			if (i == 10) start = ThroughputBenchmark.rssBytes();
			if (i == 10 || i % 100 == 0 || i == soak) {
				System.out.printf(Locale.ROOT, "soak %5d: RSS %5d MB (Java heap committed %4d MB), arrays held: loop manager %d, network %d%n", i,
					ThroughputBenchmark.rssBytes() >> 20, Runtime.getRuntime().totalMemory() >> 20, manager.getManagedArrays().size(), net.heldArrays());
			}
		}
		System.out.printf(Locale.ROOT, "soak: %d stylizations of %d^2 in one JVM: RSS after 10 %d MB, after %d %d MB (%.3f s each)%n",
			soak, size, start >> 20, soak, ThroughputBenchmark.rssBytes() >> 20, (System.nanoTime() - t0) / 1e9 / soak);
	}
}
