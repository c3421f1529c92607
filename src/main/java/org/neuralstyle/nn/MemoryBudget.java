package org.neuralstyle.nn;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.function.Supplier;

/**
 * How much native memory one StyleBank pass or Gatys optimisation may use, and when to tile
 * (Gatys: {@code gatys.Tiles#tileFor}). The budget is the setting {@link EngineSettings#memoryMb()}
 * if not 0; else, on the CPU, what is left of a quarter of the machine's physical memory (the
 * whole process's share) after what the process already holds or is about to: the Java heap
 * committed now, the image's Java copies still to be made ({@value #COPY_BYTES_PER_PIXEL} bytes a
 * pixel, {@link #forImage}) and libtorch's own resident size ({@value #NATIVE_BASE_MB} MB: code,
 * threads, weights); at least 1 GB. On 24 GB with {@code -Xmx3g}, an 8192 x 8192 plane ran in 5.2 GB
 * peak RSS (ColdBenchmark, README "Big images"). On a CUDA device, {@value #GPU_FREE_FRACTION} of the device's free memory as CUDA
 * reports it (DJL's {@code CudaUtils.getGpuMemory}), or {@value #GPU_FALLBACK_MB} MB when that
 * query fails.
 */
public final class MemoryBudget {

	/** Long side of the reduced image whose statistics the fast tiled mode uses. */
	public static final int FAST_STATISTICS_SIDE = 1024;
	/** Part of a GPU's free memory one pass may take: libtorch's caching allocator and cuDNN's workspaces need the rest. */
	public static final double GPU_FREE_FRACTION = 0.7;
	/** The GPU budget when the device's free memory cannot be read. */
	public static final long GPU_FALLBACK_MB = 2048;

	private MemoryBudget() {}

	/** Java heap bytes per pixel for an RGB plane's copies (float input and output, the result's ints). */
	public static final long COPY_BYTES_PER_PIXEL = 28;
	/** An allowance for libtorch's resident size besides the maps (code, thread pools, weights). */
	public static final long NATIVE_BASE_MB = 512;

	/** The budget for a pass on {@code device}. */
	public static long bytes(Device device, EngineSettings settings) {
		return forImage(device, settings, 0, 0);
	}

	/** The budget for a pass on a w x h plane on {@code device}, counting that plane's Java copies. */
	public static long forImage(Device device, EngineSettings settings, int w, int h) {
		long copies = COPY_BYTES_PER_PIXEL * w * h;
		return bytes(device, settings, () -> CudaUtils.getGpuMemory(device), Runtime.getRuntime().totalMemory() + copies);
	}

	/** The budget given how to read a GPU's memory (max = total, used = total - free; tests pass a figure). */
	static long bytes(Device device, EngineSettings settings, Supplier<MemoryUsage> gpuMemory) {
		return bytes(device, settings, gpuMemory, Runtime.getRuntime().totalMemory());
	}

	/** The budget given a GPU's memory and the Java heap the process holds or is about to ({@code heap} bytes). */
	static long bytes(Device device, EngineSettings settings, Supplier<MemoryUsage> gpuMemory, long heap) {
		if (settings.memoryMb() > 0) return Math.max(8, settings.memoryMb()) << 20;
		if (device.isGpu()) {
			try {
				MemoryUsage m = gpuMemory.get();
				long free = m.getMax() - m.getUsed();
				if (m.getMax() > 0 && free > 0) return Math.max(64L << 20, (long) (free * GPU_FREE_FRACTION));
			}
			catch (RuntimeException | LinkageError e) {
				// no CUDA runtime visible to DJL's query: the fixed fallback below
			}
			return GPU_FALLBACK_MB << 20;
		}
		long physical = physicalMemory();
		if (physical <= 0) return 2L << 30;
		return Math.max(1L << 30, physical / 4 - heap - (NATIVE_BASE_MB << 20));
	}

	/**
	 * Native bytes for an untiled pass: about eight c1-channel float maps of the (padded) image
	 * (measured: 4.5 GB peak RSS for 2048 x 2048 with the paper's 32 channels).
	 */
	public static long untiledBytes(int w, int h, int c1) {
		long pixels = (long) ((w + 3) / 4 * 4) * ((h + 3) / 4 * 4);
		return pixels * c1 * 4L * 8 + pixels * 3 * 4L * 4;
	}

	/**
	 * Declines a plane whose input and output copies (about 28 bytes a pixel) would not fit in
	 * the Java heap, with advice, before any work starts.
	 */
	public static void checkHeap(int w, int h) {
		long needed = (long) w * h * COPY_BYTES_PER_PIXEL;
		Runtime rt = Runtime.getRuntime();
		long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
		if (needed > free) {
			throw new IllegalArgumentException(String.format(
				"the image is %d x %d pixels; its copies need about %.1f GB of Java memory but only %.1f GB are free. "
					+ "(The network's own work is tiled to fit the memory budget, Style Transfer Settings, but the image and its result "
					+ "must fit the Java heap.) Scale it down (Image > Scale) or crop it, or give ImageJ more memory "
					+ "(Edit > Options > Memory & Threads), and try again.", w, h, needed / 1e9, free / 1e9));
		}
	}

	private static long physicalMemory() {
		try {
			var os = ManagementFactory.getOperatingSystemMXBean();
			if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getTotalMemorySize();
		}
		catch (RuntimeException | LinkageError e) {
			// not a HotSpot JVM: no estimate
		}
		return -1;
	}
}
