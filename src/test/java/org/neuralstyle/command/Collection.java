package org.neuralstyle.command;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;

import org.neuralstyle.TestFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small collection for the folder and Spark tests: two images to stylize, one corrupt file,
 * one image whose output is already there (complete, an hour old), and a text file the pattern
 * leaves out; plus the single-image path's result for each image, to compare bit for bit.
 */
record Collection(Path input, Path output, Path reference) {

	static final String TINY = "[" + TestFiles.tinyModel() + "]";
	static final String STYLE = "model=" + TINY + " style=alpha device=cpu";
	static final FileTime OLD = FileTime.fromMillis(1_700_000_000_000L);

	static Collection make(Path tmp) throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		Path out = Files.createDirectories(tmp.resolve("out"));
		Path ref = Files.createDirectories(tmp.resolve("ref"));
		new FileSaver(rgb(1, 26, 19)).saveAsTiff(in.resolve("a.tif").toString());
		new FileSaver(grey(2, 17, 23)).saveAsPng(in.resolve("b.png").toString());
		Files.write(in.resolve("c.tif"), "this is not a TIFF".getBytes());
		new FileSaver(rgb(4, 21, 21)).saveAsTiff(in.resolve("d.tif").toString());
		Files.writeString(in.resolve("notes.txt"), "not an image");
		for (String n : List.of("a.tif", "b.png", "d.tif")) {
			String line = Headless.stylize("input=[" + in.resolve(n) + "] output=[" + ref.resolve(base(n) + ".tif") + "] " + STYLE);
			assertTrue(line.startsWith("Wrote"), line);
		}
		Files.copy(ref.resolve("d.tif"), out.resolve("d.tif"));
		Files.setLastModifiedTime(out.resolve("d.tif"), OLD);
		return new Collection(in, out, ref);
	}

	static String base(String n) {
		return n.substring(0, n.lastIndexOf('.'));
	}

	static ImagePlus rgb(long seed, int w, int h) {
		Random r = new Random(seed);
		int[] px = new int[w * h];
		for (int i = 0; i < px.length; i++) px[i] = 0xff000000 | r.nextInt(1 << 24);
		return new ImagePlus("rgb", new ColorProcessor(w, h, px));
	}

	static ImagePlus grey(long seed, int w, int h) {
		Random r = new Random(seed);
		byte[] px = new byte[w * h];
		r.nextBytes(px);
		return new ImagePlus("grey", new ByteProcessor(w, h, px));
	}

	/** The log as file -> {status, message}. */
	Map<String, String[]> log() throws Exception {
		List<String> lines = Files.readAllLines(output.resolve("stylize-log.csv"));
		assertEquals("file,status,seconds,message", lines.get(0));
		Map<String, String[]> rows = new LinkedHashMap<>();
		for (String l : lines.subList(1, lines.size())) {
			String[] f = l.split(",", 4);
			rows.put(f[0], new String[] { f[1], f[3] });
		}
		return rows;
	}

	/** What every run of the collection must give: a and b equal to the single-image path byte for byte, c failed with its reason, d untouched. */
	void checkFirstRun() throws Exception {
		for (String n : List.of("a.tif", "b.tif")) {
			assertArrayEquals(Files.readAllBytes(reference.resolve(n)), Files.readAllBytes(output.resolve(n)), n + " equals the single-image path");
		}
		assertEquals(OLD, Files.getLastModifiedTime(output.resolve("d.tif")), "the complete output is left alone");
		Map<String, String[]> log = log();
		assertEquals(List.of("a.tif", "b.png", "c.tif", "d.tif"), List.copyOf(log.keySet()), "every matching file, in order; notes.txt left out");
		assertEquals("done", log.get("a.tif")[0]);
		assertEquals("done", log.get("b.png")[0]);
		assertEquals("failed", log.get("c.tif")[0]);
		assertTrue(log.get("c.tif")[1].contains("cannot open"), log.get("c.tif")[1]);
		assertEquals("skipped", log.get("d.tif")[0]);
		assertTrue(Files.notExists(output.resolve("c.tif")), "nothing written for the corrupt file");
		try (var files = Files.list(output)) {
			List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
			assertEquals(List.of("a.tif", "b.tif", "d.tif", "stylize-log.csv"), names, "no partial or temporary file");
		}
	}
}
