package org.neuralstyle.nn;

import com.sun.jna.Platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeMemoryTest {

	@Test
	void glibcTakesTheFixedThresholdOnLinux() {
		assumeTrue(Platform.isLinux() && NativeMemory.wanted(), "glibc tuning applies on Linux only");
		assertTrue(NativeMemory.tune(), "mallopt settings accepted");
		NativeMemory.trim(); // must not throw
	}
}
