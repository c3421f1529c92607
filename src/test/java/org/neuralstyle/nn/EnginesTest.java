package org.neuralstyle.nn;

import ai.djl.Device;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnginesTest {

	@Test
	void halfPrecisionIsOptIn() {
		assertFalse(EngineSettings.Half.parse("false").on(Device.gpu()));
		assertTrue(EngineSettings.Half.parse("gpu").on(Device.gpu()));
		assertFalse(EngineSettings.Half.parse("gpu").on(Device.cpu()));
		assertTrue(EngineSettings.Half.parse("true").on(Device.cpu()));
		assertThrows(IllegalArgumentException.class, () -> EngineSettings.Half.parse("fp8").on(Device.gpu()));
	}
}
