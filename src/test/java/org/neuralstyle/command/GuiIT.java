package org.neuralstyle.command;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.neuralstyle.TestFiles;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The plugin in the real ImageJ GUI on a virtual X display: starts {@code Xvfb}, then ImageJ
 * from target/imagej (GUI mode, not -batch) with {@link GuiDriver} operating it: the menus are
 * walked with java.awt.Robot keys, the real dialogs are filled and confirmed with Robot mouse
 * clicks, every command is recorded by the ImageJ Recorder and the recorded line replayed.
 * Writes target/gui/screenshot.png. Needs Xvfb ({@code apt-get install xvfb}); without it the
 * test fails rather than skips.
 */
class GuiIT {

	static final Path WORK = Path.of("target", "gui");
	static Process xvfb;
	static Properties result = new Properties();
	static String log = "";

	@BeforeAll
	static void runTheGui() throws Exception {
		Path xvfbBinary = onPath("Xvfb");
		if (xvfbBinary == null) fail("Xvfb is not installed; the GUI test needs a virtual X display: apt-get install xvfb");
		deleteTree(WORK);
		Files.createDirectories(WORK);
		int display = startXvfb(xvfbBinary);

		Path imagej = Path.of(System.getProperty("imagej.dir", "target/imagej"));
		Path testClasses = Path.of(GuiDriver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
		List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
			// the driver reads which menu item the keyboard has selected from the XToolkit menu peers
			"--add-opens", "java.desktop/java.awt=ALL-UNNAMED", "--add-opens", "java.desktop/sun.awt.X11=ALL-UNNAMED",
			"-Dplugins.dir=" + imagej, "-Dneuralstyle.models=" + System.getProperty("neuralstyle.models", "target/test-models"),
			"-Dai.djl.offline=true", "-Dgui.limit.seconds=660",
			"-cp", imagej.resolve("ij.jar") + File.pathSeparator + testClasses, GuiDriver.class.getName(),
			WORK.toString(), Path.of("src/test/resources/samples").toString(), TestFiles.tinyModel().toString()));
		ProcessBuilder pb = new ProcessBuilder(cmd);
		pb.environment().put("DISPLAY", ":" + display);
		Path out = WORK.resolve("imagej-output.txt");
		pb.redirectErrorStream(true).redirectOutput(out.toFile());
		Process p = pb.start();
		try {
			if (!p.waitFor(12, TimeUnit.MINUTES)) {
				p.descendants().forEach(ProcessHandle::destroyForcibly);
				p.destroyForcibly();
				p.waitFor(10, TimeUnit.SECONDS);
			}
		}
		finally {
			if (p.isAlive()) p.destroyForcibly();
		}
		log = Files.readString(out, StandardCharsets.UTF_8);
		Path file = WORK.resolve("result.properties");
		if (Files.exists(file)) {
			try (var r = Files.newBufferedReader(file)) {
				result.load(r);
			}
		}
	}

	@AfterAll
	static void stopXvfb() throws InterruptedException {
		if (xvfb != null) {
			xvfb.destroy();
			if (!xvfb.waitFor(10, TimeUnit.SECONDS)) xvfb.destroyForcibly();
		}
	}

	/** Xvfb picks a free display itself (-displayfd) and prints its number when it is ready. */
	static int startXvfb(Path binary) throws Exception {
		ProcessBuilder pb = new ProcessBuilder(binary.toString(), "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp");
		pb.redirectError(WORK.resolve("xvfb.log").toFile());
		xvfb = pb.start();
		CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
			try {
				return new BufferedReader(new InputStreamReader(xvfb.getInputStream(), StandardCharsets.US_ASCII)).readLine();
			}
			catch (IOException e) {
				return null;
			}
		});
		String n;
		try {
			n = line.get(30, TimeUnit.SECONDS);
		}
		catch (java.util.concurrent.TimeoutException e) {
			n = null;
		}
		if (n == null || !n.trim().matches("\\d+")) {
			xvfb.destroyForcibly();
			fail("Xvfb did not start: " + Files.readString(WORK.resolve("xvfb.log")));
		}
		return Integer.parseInt(n.trim());
	}

	static Path onPath(String name) {
		for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
			Path p = Path.of(dir, name);
			if (Files.isExecutable(p)) return p;
		}
		for (String dir : new String[] { "/usr/bin", "/usr/local/bin" }) {
			Path p = Path.of(dir, name);
			if (Files.isExecutable(p)) return p;
		}
		return null;
	}

	static String get(String key) {
		String v = result.getProperty(key);
		assertNotNull(v, () -> "the GUI driver reported no '" + key + "'" + problems());
		return v;
	}

	static String problems() {
		StringBuilder sb = new StringBuilder();
		for (String k : new String[] { "error", "watchdog", "menu.keyboardProblem" }) {
			if (result.getProperty(k) != null) sb.append("\n").append(k).append(": ").append(result.getProperty(k));
		}
		return sb + "\nImageJ output (" + WORK.resolve("imagej-output.txt") + "):\n" + log.lines().limit(60).reduce("", (a, b) -> a + b + "\n");
	}

	/**
	 * The menu was opened with the keyboard and every dialog confirmed with a mouse click on OK. One exception: when the
	 * virtual display never gave ImageJ's frame the keyboard focus (seen once in many runs, for every menu of that run),
	 * the item found at its menu path is fired by its own action; that is reported here, and the rest is checked as usual.
	 */
	static void drivenLikeAUser(String key, int dialogs) {
		String menu = get(key + ".menu");
		if (menu.equals(GuiDriver.NO_KEYBOARD_FOCUS)) System.err.println("GuiIT: " + key + ": " + menu + problems());
		else assertEquals("keyboard", menu, key + " menu" + problems());
		// the UI never freezes: while the command works, the event thread answers (it runs off the event thread)
		assertTrue(Long.parseLong(get(key + ".edtWorstMs")) < 3000, key + ": the event thread was blocked for " + get(key + ".edtWorstMs") + " ms");
		for (int i = 1; i <= dialogs; i++) {
			String how = get(key + ".ok" + i);
			assertTrue(how.startsWith("mouse") || how.equals("enter"), key + " dialog " + i + ": OK was not clicked with the mouse (see "
				+ WORK + "/missed-click-*.png): " + get(key + ".ok" + i) + problems());
		}
	}

	static void replaysTheSame(String key, String command) {
		assertTrue(get(key + ".recorded").startsWith("run(\"" + command + "\", \""), get(key + ".recorded"));
		assertEquals(null, result.getProperty(key + ".replayError"), key + problems());
		int diff = Integer.parseInt(get(key + ".replayDiff"));
		assertTrue(diff <= Integer.parseInt(get(key + ".replayTolerance")), key + ": the replayed macro gives other pixels (max difference " + diff
			+ ") from " + get(key + ".recorded"));
	}

	@Test
	void theDriverFinished() {
		assertEquals(null, result.getProperty("error"), problems());
		assertEquals(null, result.getProperty("watchdog"), problems());
		assertEquals("true", get("done"), problems());
	}

	@Test
	void applyStyleBankFromTheMenu() {
		drivenLikeAUser("apply", 2);
		assertEquals("true", get("apply.sameSize"));
		assertTrue(Double.parseDouble(get("apply.changedInside")) > 0.5, "pixels are stylized: " + get("apply.changedInside"));
		assertEquals("run(\"Apply StyleBank Style\", \"model=default style=starry_night mix=[] device=cpu\");", get("apply.recorded"));
		replaysTheSame("apply", "Apply StyleBank Style");
	}

	@Test
	void styleOnlyTheSelectionFromTheMenu() throws IOException {
		drivenLikeAUser("selection", 2);
		assertTrue(Double.parseDouble(get("selection.changedInside")) > 0.5, "pixels inside the selection are stylized: " + get("selection.changedInside"));
		assertEquals(0.0, Double.parseDouble(get("selection.changedFarOutside")), "pixels away from the selection are kept");
		assertTrue(Files.size(WORK.resolve("screenshot.png")) > 10_000, "screenshot");
		replaysTheSame("selection", "Apply Styles to Regions");
	}

	@Test
	void inPlaceThenEditUndoFromTheMenus() {
		assertEquals(null, result.getProperty("error"), problems());
		assertTrue(get("inplace.recorded").contains(" in_place"), get("inplace.recorded"));
		assertEquals("true", get("inplace.sameWindow"), "no new window: the image itself changed");
		assertEquals("true", get("inplace.changed"));
		assertEquals("true", get("inplace.undone"), "Edit > Undo brought the original pixels back");
	}

	@Test
	void applyStylesToRegionsRecordsAndReplays() {
		drivenLikeAUser("regions", 2);
		assertTrue(Double.parseDouble(get("regions.changedInside")) > 0.5, get("regions.changedInside"));
		assertTrue(get("regions.recorded").contains("styles=cat:beta*0.3+alpha*0.7 outside=reconstruct feather=3 fusion=paper"),
			get("regions.recorded"));
		replaysTheSame("regions", "Apply Styles to Regions");
	}

	@Test
	void gatysRecordsAndReplays() {
		drivenLikeAUser("gatys", 1);
		assertEquals("32", get("gatys.width"));
		replaysTheSame("gatys", "Gatys Style Transfer");
	}

	@Test
	void trainRecordsAndReplays() {
		drivenLikeAUser("train", 1);
		assertTrue(get("train.recorded").contains("more=[channels=4,8,8 network=offline seed=1 deterministic=true]"), get("train.recorded"));
		assertEquals("true", get("train.replayed"), problems());
		// deterministic=true: the replay gives the same weights bit for bit
		assertEquals(0.0, Double.parseDouble(get("train.weightsDiff")), "replayed training gives other weights: " + get("train.weightsDiff"));
	}

	@Test
	void learnNewStyleRecordsAndReplays() {
		drivenLikeAUser("learn", 1);
		assertEquals("true", get("learn.replayed"), problems());
		assertEquals("true", get("learn.hasStyle"));
		assertEquals(0.0, Double.parseDouble(get("learn.weightsDiff")), "replayed learning gives other weights: " + get("learn.weightsDiff"));
	}

	@Test
	void manageStylesRecordsAndReplays() {
		drivenLikeAUser("manage", 1);
		assertEquals("true", get("manage.replayed"), problems());
		assertEquals("true", get("manage.sameExport"));
		drivenLikeAUser("rename", 1);
		assertEquals("true", get("rename.replayed"), problems());
		assertEquals("true", get("rename.sameModelJson"));
	}

	@Test
	void getVggWeightsRecordsAndReplaysWithoutDownloading() {
		drivenLikeAUser("vgg", 1);
		assertEquals("run(\"Get VGG Weights\", \"network=vgg16 file=[]\");", get("vgg.recorded"));
		assertEquals("true", get("vgg.replayed"), problems());
		assertEquals("true", get("vgg.onlyTheFakeFile"), "an installed file is neither downloaded again nor changed");
	}

	@Test
	void settingsRecordAndReplay() {
		drivenLikeAUser("settings", 1);
		assertTrue(get("settings.recorded").contains("memory=1536 tiling=fast"), get("settings.recorded"));
		assertEquals("true", get("settings.replayed"), problems());
		assertEquals("true", get("settings.restored"));
	}

	static void deleteTree(Path p) throws IOException {
		if (!Files.exists(p)) return;
		try (var s = Files.walk(p)) {
			for (Path q : s.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) Files.delete(q);
		}
	}
}
