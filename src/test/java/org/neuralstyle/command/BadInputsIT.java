package org.neuralstyle.command;

import ij.io.FileSaver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.TestFiles;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rows of the bad-input matrix that need a real {@code ImageJ -batch} process for the exit
 * status: one "Error: ..." line on stderr, a non-zero exit, no stack trace, no file left behind,
 * the input and the model unchanged. Kept few: each costs a JVM start.
 */
class BadInputsIT {

	@TempDir
	Path tmp;

	static void assertRefused(BatchModeIT.Result r, String... fragments) {
		assertNotEquals(0, r.exit(), r.out() + r.err());
		assertTrue(r.err().lines().anyMatch(l -> l.startsWith("Error: ")), "an Error: line on stderr: " + r.err());
		for (String f : fragments) assertTrue(r.err().contains(f), "stderr should mention '" + f + "': " + r.err());
		assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
	}

	@Test
	void badInputsExitNonZeroWithOneErrorLineAndLeaveNothingBehind() throws Exception {
		Path in = tmp.resolve("in.png");
		new FileSaver(BatchModeIT.sample(20, 14)).saveAsPng(in.toString());
		byte[] input = Files.readAllBytes(in);
		Path out = tmp.resolve("out.png");

		// a model with a NaN weight
		Path model = copyTiny(tmp.resolve("nan.stylebank"));
		Path bank = model.resolve("banks/alpha.safetensors");
		Map<String, Tensor> t = new LinkedHashMap<>(Safetensors.read(Files.readAllBytes(bank)));
		float[] d = t.get("bank.bias").data().clone();
		d[0] = Float.NaN;
		t.put("bank.bias", new Tensor(t.get("bank.bias").shape(), d));
		Files.write(bank, Safetensors.toBytes(t));
		assertRefused(BatchModeIT.imagej("macros/stylize.ijm", "input=" + in + " model=" + model + " style=alpha output=" + out),
			"banks/alpha.safetensors", "NaN or infinite");

		// a pickle given as a model
		Path pt = tmp.resolve("model.pt");
		Files.write(pt, "\u0080\u0002}q\u0000.".getBytes(StandardCharsets.ISO_8859_1));
		assertRefused(BatchModeIT.imagej("macros/stylize.ijm", "input=" + in + " model=" + pt + " style=alpha output=" + out),
			"model.pt", "never reads them");

		// macro typos: a bad number for Gatys and for training
		assertRefused(BatchModeIT.imagej("macros/gatys.ijm", "input=" + in + " style=" + in + " output=" + out + " size=abc"),
			"size must be a number");
		assertRefused(BatchModeIT.imagej("macros/train.ijm", "content=" + tmp + " styles=" + tmp + " output=" + tmp.resolve("m.stylebank")
			+ " iterations=-5"), "iterations must be at least 1");

		// changing a model into a place nobody can write (the parent is a regular file)
		Path good = copyTiny(tmp.resolve("good.stylebank"));
		Map<String, byte[]> before = files(good);
		assertRefused(BatchModeIT.imagej("macros/manage_styles.ijm", "model=" + good + " action=remove style=beta output=" + in.resolve("x")),
			"is a file, not a folder");
		assertEquals(before.keySet(), files(good).keySet(), "model unchanged");
		for (var e : before.entrySet()) assertTrue(java.util.Arrays.equals(e.getValue(), files(good).get(e.getKey())), e.getKey());

		assertTrue(java.util.Arrays.equals(input, Files.readAllBytes(in)), "input unchanged");
		try (Stream<Path> s = Files.list(tmp)) {
			assertEquals(java.util.Set.of("in.png", "nan.stylebank", "good.stylebank", "model.pt"),
				java.util.Set.copyOf(s.map(p -> p.getFileName().toString()).toList()), "no output, no temporary files");
		}
	}

	static Path copyTiny(Path dst) throws java.io.IOException {
		try (Stream<Path> walk = Files.walk(TestFiles.tinyModel())) {
			for (Path p : walk.toList()) {
				Path q = dst.resolve(TestFiles.tinyModel().relativize(p).toString());
				if (Files.isDirectory(p)) Files.createDirectories(q);
				else Files.copy(p, q);
			}
		}
		return dst;
	}

	static Map<String, byte[]> files(Path dir) throws java.io.IOException {
		Map<String, byte[]> m = new java.util.TreeMap<>();
		try (Stream<Path> walk = Files.walk(dir)) {
			for (Path p : walk.filter(Files::isRegularFile).toList()) m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
		}
		return m;
	}
}
