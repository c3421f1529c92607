package org.neuralstyle.nn;

import ai.djl.Device;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnginesTest {

	@Test
	void halfPrecisionIsOptIn() {
		assertFalse(Engines.halfPrecision("false", Device.gpu()));
		assertTrue(Engines.halfPrecision("gpu", Device.gpu()));
		assertFalse(Engines.halfPrecision("gpu", Device.cpu()));
		assertTrue(Engines.halfPrecision("true", Device.cpu()));
		assertThrows(IllegalArgumentException.class, () -> Engines.halfPrecision("fp8", Device.gpu()));
	}
}
