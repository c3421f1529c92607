package org.neuralstyle.nn;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The plugin-wide settings the engine needs, as one object handed down by every door (which
 * reads them once per run: ImageJ's preferences, then {@code -D} properties on top; see
 * {@code imagej.Settings}). Nothing in the engine reads system properties.
 *
 * @param memoryMb     native memory one pass may use, in MB; 0 = automatic ({@link MemoryBudget})
 * @param tiling       exact tiles (the untiled result) or fast ones (statistics from a reduced copy)
 * @param modelsFolder where VGG weights and the default model's copy live
 * @param device       the default device when a door does not ask for one
 * @param half         float16 convolutions for StyleBank inference: off, on GPUs only, or on
 * @param tuneMalloc   glibc malloc settings for flat native memory ({@link NativeMemory})
 * @param hugePages    whether libtorch's CPU allocator asks the kernel for 2 MB pages for large
 *                     tensors ({@link LibTorch#enableHugePages}); acts only when the engine starts
 */
public record EngineSettings(long memoryMb, Tiling tiling, Path modelsFolder, Engines.DeviceChoice device, Half half,
	boolean tuneMalloc, HugePages hugePages)
{
	/** exact: tiles give exactly the untiled result; fast: shared statistics from a reduced copy, one pass. */
	public enum Tiling {
		EXACT, FAST;

		public static Tiling parse(String s) {
			String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
			return switch (v) {
				case "", "exact" -> EXACT;
				case "fast" -> FAST;
				default -> throw new IllegalArgumentException("tiling must be exact or fast, got '" + s + "'");
			};
		}
	}

	/** float16 convolutions for StyleBank inference (statistics stay float32); see README "GPU". */
	public enum Half {
		OFF, GPU, ON;

		public static Half parse(String s) {
			String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
			return switch (v) {
				case "", "false", "off", "no" -> OFF;
				case "gpu", "cuda" -> GPU;
				case "true", "on", "yes" -> ON;
				default -> throw new IllegalArgumentException("half precision must be false, gpu or true, got '" + s + "'");
			};
		}

		/** Whether convolutions on {@code device} run in float16. */
		public boolean on(ai.djl.Device device) {
			return this == ON || (this == GPU && device.isGpu());
		}
	}

	/**
	 * 2 MB pages for libtorch's large tensors: on, off, or auto = on where a fresh 2 MB page was
	 * faulted in faster than the same memory in 4 KB pages, measured when the engine starts
	 * ({@link PageFaults}: in a VM whose balloon hands free memory to the host it was 7x slower on
	 * one day and 2x faster on the next; see README).
	 */
	public enum HugePages {
		AUTO, ON, OFF;

		public static HugePages parse(String s) {
			String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
			return switch (v) {
				case "", "auto" -> AUTO;
				case "true", "on", "yes" -> ON;
				case "false", "off", "no" -> OFF;
				default -> throw new IllegalArgumentException("huge pages must be auto, true or false, got '" + s + "'");
			};
		}
	}

	public EngineSettings {
		if (memoryMb < 0) throw new IllegalArgumentException("memory budget must be 0 (automatic) or a number of megabytes, got " + memoryMb);
		if (tiling == null) tiling = Tiling.EXACT;
		if (modelsFolder == null) throw new IllegalArgumentException("no models folder");
		if (device == null) device = Engines.DeviceChoice.AUTO;
		if (half == null) half = Half.OFF;
		if (hugePages == null) hugePages = HugePages.AUTO;
	}

	/** Everything automatic, with this models folder. */
	public static EngineSettings defaults(Path modelsFolder) {
		return new EngineSettings(0, Tiling.EXACT, modelsFolder, Engines.DeviceChoice.AUTO, Half.OFF, true, HugePages.AUTO);
	}

	public EngineSettings withMemoryMb(long mb) {
		return new EngineSettings(mb, tiling, modelsFolder, device, half, tuneMalloc, hugePages);
	}

	public EngineSettings withTiling(Tiling t) {
		return new EngineSettings(memoryMb, t, modelsFolder, device, half, tuneMalloc, hugePages);
	}

	public EngineSettings withHalf(Half h) {
		return new EngineSettings(memoryMb, tiling, modelsFolder, device, h, tuneMalloc, hugePages);
	}

	public EngineSettings withHugePages(HugePages on) {
		return new EngineSettings(memoryMb, tiling, modelsFolder, device, half, tuneMalloc, on);
	}
}
