package org.neuralstyle.command;

import ij.io.FileSaver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Settings saved by Style Transfer Settings (ImageJ's IJ_Prefs.txt) reach a SciJava command and
 * a headless run in a fresh JVM in which no menu command ran: the models folder (the default
 * model is copied there), the memory budget and the tiling mode (a result tiled "fast" under a
 * 300 MB budget).
 */
class SettingsReachIT {

	@TempDir
	Path tmp;

	record Run(int exit, String out) {}

	static Run java(Path home, List<String> args) throws Exception {
		List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
			"-Duser.home=" + home, "-Duser.dir=" + home, "-Dai.djl.offline=true"));
		cmd.addAll(args);
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(home.toFile());
		pb.environment().remove("DISPLAY");
		pb.environment().remove("NEURALSTYLE_MODELS");
		Path log = Files.createTempFile("settings-it", ".txt");
		pb.redirectOutput(log.toFile());
		Process p = pb.start();
		if (!p.waitFor(15, TimeUnit.MINUTES)) { // a hang guard, not a speed limit
			p.destroyForcibly();
			throw new AssertionError("did not finish in 15 minutes: " + cmd);
		}
		Run r = new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
		Files.delete(log);
		return r;
	}

	/** A home folder whose ImageJ preferences hold the settings, as the Settings dialog saves them. */
	Path homeWithSettings(Path models) throws Exception {
		Path home = tmp.resolve("home");
		Files.createDirectories(home.resolve(".imagej"));
		Files.writeString(home.resolve(".imagej/IJ_Prefs.txt"), String.join("\n",
			".neuralstyle.settings.neuralstyle.models=" + models,
			".neuralstyle.settings.neuralstyle.memory.mb=300",
			".neuralstyle.settings.neuralstyle.tiling=fast",
			".neuralstyle.settings.neuralstyle.device=cpu", ""));
		return home;
	}

	Path bigImage() {
		Path in = tmp.resolve("big.png");
		new FileSaver(DoorParityTest.sample(7, 1400, 1000)).saveAsPng(in.toString());
		return in;
	}

	static boolean hasDefaultModel(Path models) throws Exception {
		if (!Files.isDirectory(models)) return false;
		try (var s = Files.list(models)) {
			return s.anyMatch(p -> p.getFileName().toString().startsWith("default-"));
		}
	}

	@Test
	void savedSettingsReachAHeadlessRun() throws Exception {
		Path models = tmp.resolve("models-headless");
		Path home = homeWithSettings(models);
		Path in = bigImage(), out = tmp.resolve("out.png");
		Path imagej = Path.of(System.getProperty("imagej.dir", "target/imagej")).toAbsolutePath();
		Run r = java(home, List.of("-Dplugins.dir=" + imagej, "-jar", imagej.resolve("ij.jar").toString(), "-batch",
			Path.of("macros/stylize.ijm").toAbsolutePath().toString(), "input=[" + in + "] style=starry_night output=[" + out + "]"));
		assertEquals(0, r.exit(), r.out());
		assertTrue(r.out().contains("fast tiling"), "the saved tiling mode and memory budget: " + r.out());
		assertTrue(hasDefaultModel(models), "the saved models folder holds the default model: " + r.out());
	}

	@Test
	void savedSettingsReachAScijavaCommand() throws Exception {
		Path models = tmp.resolve("models-scijava");
		Path home = homeWithSettings(models);
		Run r = java(home, List.of("-cp", System.getProperty("java.class.path"), SettingsProbe.class.getName(), bigImage().toString()));
		assertEquals(0, r.exit(), r.out());
		assertTrue(r.out().contains("RESULT 1400x1000 tiles of") && r.out().contains("fast tiling"), r.out());
		assertTrue(hasDefaultModel(models), "the saved models folder holds the default model: " + r.out());
	}
}
