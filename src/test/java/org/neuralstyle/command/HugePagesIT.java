package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.io.FileSaver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The huge-page switch ({@code neuralstyle.hugepages}: auto by default, true, false): each setting in its own
 * fresh JVM, since libtorch reads {@code THP_MEM_ALLOC_ENABLE} once, at its first allocation.
 * On, the plugin puts {@code 1} in the process's C environment before the engine loads; off, it
 * puts nothing; a value the user set (here {@code 0}) is kept. The pixels are the same in all
 * four (auto as well) (the tensors are only placed differently in memory). The image is big enough (512 x 384:
 * 6 MB feature maps) that libtorch takes its huge-page path for them.
 */
class HugePagesIT {

	@TempDir
	Path tmp;

	SettingsReachIT.Run probe(Path in, Path out, String setting, String userEnv) throws Exception {
		List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
			"-Dai.djl.offline=true", "-Dneuralstyle.hugepages=" + setting, "-cp", System.getProperty("java.class.path"),
			HugePagesProbe.class.getName(), "input=[" + in + "] model=[" + Path.of("src/test/resources/reference/tiny.stylebank").toAbsolutePath()
				+ "] style=alpha output=[" + out + "]"));
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
		pb.environment().remove("THP_MEM_ALLOC_ENABLE");
		pb.environment().remove("DISPLAY");
		if (userEnv != null) pb.environment().put("THP_MEM_ALLOC_ENABLE", userEnv);
		Path log = tmp.resolve("log-" + setting + "-" + userEnv + ".txt");
		pb.redirectOutput(log.toFile());
		Process p = pb.start();
		if (!p.waitFor(5, TimeUnit.MINUTES)) {
			p.destroyForcibly();
			throw new AssertionError("did not finish in 5 minutes: " + cmd);
		}
		SettingsReachIT.Run r = new SettingsReachIT.Run(p.exitValue(), java.nio.file.Files.readString(log));
		assertEquals(0, r.exit(), r.out());
		return r;
	}

	static int[] pixels(Path p) {
		ImagePlus imp = IJ.openImage(p.toString());
		return (int[]) imp.getProcessor().getPixels();
	}

	@Test
	void onAndOffGiveTheSamePixels() throws Exception {
		org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name", "").startsWith("Linux"),
			"the switch acts through the C library's environment on Linux only");
		Path in = tmp.resolve("in.png");
		new FileSaver(DoorParityTest.sample(13, 512, 384)).saveAsPng(in.toString());
		Path on = tmp.resolve("on.png"), off = tmp.resolve("off.png"), user = tmp.resolve("user.png"), auto = tmp.resolve("auto.png");
		SettingsReachIT.Run a = probe(in, on, "true", null);
		SettingsReachIT.Run b = probe(in, off, "false", null);
		SettingsReachIT.Run c = probe(in, user, "true", "0");
		SettingsReachIT.Run d = probe(in, auto, "auto", null);
		assertTrue(a.out().contains("THP=1"), "on: libtorch is given THP_MEM_ALLOC_ENABLE=1: " + a.out());
		assertTrue(b.out().contains("THP=null"), "off: nothing is set: " + b.out());
		assertTrue(c.out().contains("THP=0"), "the user's own value is kept: " + c.out());
		int[] p = pixels(on);
		assertArrayEquals(p, pixels(off), "huge pages on and off give the same pixels");
		assertArrayEquals(p, pixels(user));
		assertTrue(d.out().contains("THP=1") || d.out().contains("THP=null"), d.out());
		assertArrayEquals(p, pixels(auto));
	}
}
