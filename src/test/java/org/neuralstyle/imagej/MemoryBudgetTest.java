package org.neuralstyle.imagej;

import ai.djl.Device;

import org.junit.jupiter.api.Test;

import java.lang.management.MemoryUsage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The budget derived from a device (GPU figures given, as no GPU is needed to test the arithmetic). */
class MemoryBudgetTest {

	private static final long GB = 1L << 30;

	@Test
	void gpuBudgetIsAFractionOfItsFreeMemory() {
		// 8 GB card with 2 GB in use: 6 GB free
		long b = MemoryBudget.bytes(Device.gpu(), () -> new MemoryUsage(-1, 2 * GB, 2 * GB, 8 * GB));
		assertEquals((long) (6 * GB * MemoryBudget.GPU_FREE_FRACTION), b);
		// that budget takes 2048^2 whole (about 4.5 GB measured on the CPU) ...
		assertEquals(0, MemoryBudget.tileSize(2048, 2048, 32, b));
		// ... but tiles 4096^2
		assertTrue(MemoryBudget.tileSize(4096, 4096, 32, b) > 0);
	}

	@Test
	void gpuBudgetFallsBackWhenTheQueryFails() {
		long b = MemoryBudget.bytes(Device.gpu(), () -> {
			throw new IllegalStateException("No GPU device detected.");
		});
		assertEquals(MemoryBudget.GPU_FALLBACK_MB << 20, b);
		assertEquals(MemoryBudget.GPU_FALLBACK_MB << 20, MemoryBudget.bytes(Device.gpu(), () -> new MemoryUsage(-1, 0, 0, 0)));
	}

	@Test
	void cpuBudgetIgnoresTheGpuQuery() {
		assertEquals(MemoryBudget.bytes(), MemoryBudget.bytes(Device.cpu(), () -> {
			throw new AssertionError("not asked");
		}));
	}

	@Test
	void thePropertyWinsOnEveryDevice() {
		String old = System.getProperty("neuralstyle.memory.mb");
		System.setProperty("neuralstyle.memory.mb", "300");
		try {
			assertEquals(300L << 20, MemoryBudget.bytes(Device.gpu(), () -> new MemoryUsage(-1, 0, 0, 8 * GB)));
		}
		finally {
			if (old == null) System.clearProperty("neuralstyle.memory.mb");
			else System.setProperty("neuralstyle.memory.mb", old);
		}
	}
}
