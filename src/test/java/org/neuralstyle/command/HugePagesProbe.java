package org.neuralstyle.command;

import org.neuralstyle.nn.Engines;

/**
 * Run in a fresh JVM by {@code HugePagesIT} (libtorch reads its huge-page switch once, at its
 * first allocation, so each setting needs its own process): stylizes through the headless door
 * and prints what libtorch's allocator was given ({@code THP_MEM_ALLOC_ENABLE} in the C
 * environment) and the door's answer.
 */
public final class HugePagesProbe {

	private HugePagesProbe() {}

	public static void main(String[] args) {
		String result = Headless.stylize(args[0]);
		System.out.println("THP=" + Engines.hugePagesSetting() + "; probe: " + Engines.hugePagesProbe());
		System.out.println(result);
		System.exit(result.startsWith("Error") ? 1 : 0);
	}
}
