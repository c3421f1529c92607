package org.neuralstyle.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.MemoryBudget;
import org.neuralstyle.stylebank.TiledInference;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;
import org.neuralstyle.stylebank.TiledInference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Throughput against the machine's limit, memory, and a soak test:
 * {@code mvn -B -q -Pbenchmark test-compile exec:java -Dbench.main=org.neuralstyle.bench.ThroughputBenchmark
 * -Dexec.args="512 1024 2048 4096"}. For each size: median MPix/s (runs as -Druns, default 5,
 * after one warm-up; tiled when over the memory budget), peak JVM heap and process RSS, and the
 * fraction of the limit = FLOPs of the network (from the layer table) / throughput of a large
 * float32 matrix product measured in the same run. Then {@code -Dsoak=N} (default 500)
 * stylizations of 256 x 256 in this JVM with RSS at the start and the end.
 */
public final class ThroughputBenchmark {

	public static void main(String[] args) throws Exception {
		int[] sizes = args.length == 0 ? new int[] { 512, 1024, 2048, 4096 } : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
		int runs = Integer.getInteger("runs", 5);
		int soak = Integer.getInteger("soak", 500);
		StyleBankModel model = StyleBankBenchmark.paperModel(42);
		double gflops = matmulGflops();
		double flopPerPixel = flopsPerPixel(model);
		System.out.printf(Locale.ROOT, "machine: %d cores; float32 4096x4096 matmul %.0f GFLOP/s; network %.0f FLOP/pixel; budget %.1f GB%n",
			Runtime.getRuntime().availableProcessors(), gflops, flopPerPixel, MemoryBudget.bytes(Device.cpu(), Settings.current()) / 1e9);
		System.out.println("size        mode    median s  MPix/s  GFLOP/s  of limit  peak heap MB  peak RSS MB");
		try (StyleBankNetwork net = new StyleBankNetwork(model, Device.cpu());
			NDManager manager = Engines.pytorch().newBaseManager(Device.cpu()))
		{
			for (int size : sizes) {
				Random r = new Random(size);
				float[] px = new float[3 * size * size];
				for (int i = 0; i < px.length; i++) px[i] = r.nextFloat();
				int tile = Integer.getInteger("tile", TiledInference.tileSize(size, size, 32, MemoryBudget.bytes(Device.cpu(), Settings.current()), false));
				// -Dcache=memory|disk|none: where exact tiling keeps the tiles' maps (default: memory up to the budget, then disk)
				String cache = System.getProperty("cache", "auto");
				long cacheMemory = switch (cache) {
					case "memory" -> Long.MAX_VALUE;
					case "disk", "none" -> 0;
					default -> TiledInference.Room.forBudget(MemoryBudget.bytes(Device.cpu(), Settings.current()), tile, 32).memoryBytes();
				};
				java.nio.file.Path scratch = cache.equals("memory") || cache.equals("none") ? null : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
				// the big sizes take minutes a run: one run, no warm-up (the smaller sizes warmed the JVM up)
				int n = size >= 4096 ? 1 : runs;
				double[] seconds = new double[n];
				long peakHeap = 0, peakRss = 0;
				for (int i = size >= 4096 ? 0 : -1; i < n; i++) {
					long t0 = System.nanoTime();
					if (tile > 0 && (Settings.current().tiling() == EngineSettings.Tiling.FAST)) {
						TiledInference.applyFast(net, px, size, size, null, java.util.List.of(StyleMix.single("style")),
							StyleBankNetwork.Fusion.PAPER, tile, MemoryBudget.FAST_STATISTICS_SIDE, Progress.NONE);
					}
					else if (tile > 0) {
						TiledInference.apply(net, px, size, size, null, java.util.List.of(StyleMix.single("style")), StyleBankNetwork.Fusion.PAPER, tile,
							new TiledInference.Room(cacheMemory, scratch), Progress.NONE);
					}
					else {
						try (NDManager m = manager.newSubManager()) {
							NDArray y = net.apply(m.create(px, new Shape(1, 3, size, size)), StyleMix.single("style"));
							y.toFloatArray();
						}
					}
					if (i >= 0) seconds[i] = (System.nanoTime() - t0) / 1e9;
					peakHeap = Math.max(peakHeap, Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
					peakRss = Math.max(peakRss, peakRssBytes());
				}
				Arrays.sort(seconds);
				double median = seconds[n / 2];
				double mpix = size * (double) size / 1e6 / median;
				double achieved = flopPerPixel * size * size / median / 1e9;
				System.out.printf(Locale.ROOT, "%5d^2  %-7s  %8.2f  %6.3f  %7.1f  %7.1f %%  %12d  %11d%n", size, tile > 0 ? ((Settings.current().tiling() == EngineSettings.Tiling.FAST) ? "fast" : "tiled") + tile : "whole",
					median, mpix, achieved, 100 * achieved / gflops, peakHeap >> 20, peakRss >> 20);
			}
			if (soak > 0) {
				float[] px = new float[3 * 256 * 256];
				new Random(1).nextBytes(new byte[0]);
				for (int i = 0; i < px.length; i++) px[i] = (i % 251) / 250f;
				long start = 0;
				for (int i = 0; i < soak; i++) {
					try (NDManager m = manager.newSubManager()) {
						net.apply(m.create(px, new Shape(1, 3, 256, 256)), StyleMix.single("style")).toFloatArray();
					}
					if (i == 9) start = rssBytes(); // after warm-up
				}
				System.out.printf(Locale.ROOT, "soak: %d stylizations of 256^2 in one JVM: RSS after 10 %d MB, after %d %d MB%n", soak,
					start >> 20, soak, rssBytes() >> 20);
			}
		}
	}

	/** FLOPs (2 per multiply-add) per input pixel of the network with one bank, from the layer table. */
	static double flopsPerPixel(StyleBankModel m) {
		int[] c = m.channels();
		int k = m.bankKernel();
		double e1 = 2.0 * c[0] * 3 * 81, e2 = 2.0 * c[1] * c[0] * 9 / 4, e3 = 2.0 * c[2] * c[1] * 9 / 16;
		double bank = 2.0 * c[2] * c[2] * k * k / 16, d1 = 2.0 * c[1] * c[2] * 9 / 4, d2 = 2.0 * c[0] * c[1] * 9, d3 = 2.0 * 3 * c[0] * 81;
		return e1 + e2 + e3 + bank + d1 + d2 + d3;
	}

	static double matmulGflops() {
		try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
			NDArray a = m.randomUniform(0, 1, new Shape(4096, 4096)), b = m.randomUniform(0, 1, new Shape(4096, 4096));
			a.matMul(b).close();
			double best = 0;
			for (int i = 0; i < 3; i++) {
				long t0 = System.nanoTime();
				try (NDArray c = a.matMul(b)) {
					c.getFloat(0, 0);
				}
				best = Math.max(best, 2.0 * 4096 * 4096 * 4096 / ((System.nanoTime() - t0) / 1e9) / 1e9);
			}
			return best;
		}
	}

	static long rssBytes() throws IOException {
		return statusKb("VmRSS:") << 10;
	}

	static long peakRssBytes() throws IOException {
		return statusKb("VmHWM:") << 10;
	}

	private static long statusKb(String key) throws IOException {
		for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
			if (line.startsWith(key)) return Long.parseLong(line.replaceAll("[^0-9]", ""));
		}
		return -1;
	}
}
