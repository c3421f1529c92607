package org.neuralstyle.nn;

import ai.djl.Device;

import org.junit.jupiter.api.Test;
import org.neuralstyle.stylebank.TiledInference;

import java.nio.file.Path;

import java.lang.management.MemoryUsage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The budget derived from a device (GPU figures given, as no GPU is needed to test the arithmetic). */
class MemoryBudgetTest {

	private static final long GB = 1L << 30;
	private static final EngineSettings AUTO = EngineSettings.defaults(Path.of("models"));

	@Test
	void gpuBudgetIsAFractionOfItsFreeMemory() {
		// 8 GB card with 2 GB in use: 6 GB free
		long b = MemoryBudget.bytes(Device.gpu(), AUTO, () -> new MemoryUsage(-1, 2 * GB, 2 * GB, 8 * GB));
		assertEquals((long) (6 * GB * MemoryBudget.GPU_FREE_FRACTION), b);
		// that budget takes 2048^2 whole (about 4.5 GB measured on the CPU) ...
		assertEquals(0, TiledInference.tileSize(2048, 2048, 32, b, true));
		// ... but tiles 4096^2
		assertTrue(TiledInference.tileSize(4096, 4096, 32, b, true) > 0);
	}

	@Test
	void onTheCpuImagesLargerThanOneTileRunInTilesWhateverTheBudget() {
		long ample = 64 * GB;
		int t = TiledInference.MAX_TILE + 2 * TiledInference.MARGIN;
		assertEquals(0, TiledInference.tileSize(t, t, 32, ample, false), "one tile's worth runs whole");
		assertEquals(TiledInference.MAX_TILE, TiledInference.tileSize(t + 1, t, 32, ample, false));
		assertEquals(TiledInference.MAX_TILE, TiledInference.tileSize(2048, 2048, 32, ample, false));
		assertEquals(0, TiledInference.tileSize(2048, 2048, 32, ample, true), "on a GPU the budget alone decides");
		assertFalse(TiledInference.needsTiles(2048, 2048, 32, ample), "tiled for speed, not for memory");
	}

	@Test
	void cpuBudgetCountsWhatTheProcessHoldsOrIsAboutTo() {
		long none = MemoryBudget.bytes(Device.cpu(), AUTO, () -> null, 0);
		long heapHeld = MemoryBudget.bytes(Device.cpu(), AUTO, () -> null, 3 * GB);
		assertTrue(none >= GB, "at least 1 GB: " + none);
		// a quarter of physical memory, less libtorch's own share: at most 1/4 of what the machine has
		long physical = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
			.getTotalMemorySize();
		assertEquals(Math.max(GB, physical / 4 - (MemoryBudget.NATIVE_BASE_MB << 20)), none);
		// every byte of heap held (or of the image's copies to come) is a byte less, down to the floor
		assertEquals(Math.max(GB, none - 3 * GB), heapHeld);
		// the image's copies count: 28 bytes a pixel
		long forImage = MemoryBudget.forImage(Device.cpu(), AUTO, 8192, 8192);
		long heapNow = Runtime.getRuntime().totalMemory();
		assertTrue(forImage <= Math.max(GB, none - 28L * 8192 * 8192 - heapNow + (64L << 20)), forImage + " vs " + none);
		// a setting wins
		assertEquals(2048L << 20, MemoryBudget.bytes(Device.cpu(), AUTO.withMemoryMb(2048), () -> null, 5 * GB));
	}

	@Test
	void gpuBudgetFallsBackWhenTheQueryFails() {
		long b = MemoryBudget.bytes(Device.gpu(), AUTO, () -> {
			throw new IllegalStateException("No GPU device detected.");
		});
		assertEquals(MemoryBudget.GPU_FALLBACK_MB << 20, b);
		assertEquals(MemoryBudget.GPU_FALLBACK_MB << 20, MemoryBudget.bytes(Device.gpu(), AUTO, () -> new MemoryUsage(-1, 0, 0, 0)));
	}

	@Test
	void cpuBudgetIgnoresTheGpuQuery() {
		assertEquals(MemoryBudget.bytes(Device.cpu(), AUTO), MemoryBudget.bytes(Device.cpu(), AUTO, () -> {
			throw new AssertionError("not asked");
		}));
	}

	@Test
	void theSettingWinsOnEveryDevice() {
		assertEquals(300L << 20, MemoryBudget.bytes(Device.gpu(), AUTO.withMemoryMb(300), () -> new MemoryUsage(-1, 0, 0, 8 * GB)));
	}
}
