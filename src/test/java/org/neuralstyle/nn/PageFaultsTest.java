package org.neuralstyle.nn;

import com.sun.jna.Platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The page-fault probe behind huge pages "auto": it measures both kinds and says which was faster (which one is, depends on the machine). */
class PageFaultsTest {

	@Test
	void probeMeasuresBothPageSizes() {
		assumeTrue(Platform.isLinux(), "the probe maps memory through the C library on Linux");
		PageFaults.Probe p = PageFaults.probe();
		assertNotNull(p);
		assertTrue(p.smallNanos() > 0 && p.hugeNanos() > 0, p.toString());
		assertTrue(p.toString().contains("4 KB pages") && p.toString().contains("2 MB pages"), p.toString());
		assertTrue(p.hugeFaster() == (p.hugeNanos() < p.smallNanos()));
	}
}
