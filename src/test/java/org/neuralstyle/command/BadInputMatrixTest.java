package org.neuralstyle.command;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.Macro;
import ij.WindowManager;
import ij.gui.Line;
import ij.gui.OvalRoi;
import ij.gui.PointRoi;
import ij.gui.Roi;
import ij.io.FileSaver;
import ij.io.RoiEncoder;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.LUT;
import ij.process.ShortProcessor;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.neuralstyle.Progress;
import org.neuralstyle.TestFiles;
import org.neuralstyle.TestProgress;
import org.neuralstyle.gatys.GatysSettings;
import org.neuralstyle.gatys.VggWeights;
import org.neuralstyle.imagej.GatysRunner;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.TrainingRunner;
import org.neuralstyle.nn.MemoryBudget;
import org.neuralstyle.stylebank.TiledInference;
import org.neuralstyle.imagej.RegionStyleRunner;
import org.neuralstyle.imagej.StyleBankRunner;
import org.neuralstyle.nn.Autograd;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;
import org.neuralstyle.nn.Vgg;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleFiles;
import org.neuralstyle.stylebank.Trainer;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bad-input matrix (src/docs/bad-input-matrix.md): one test (or one parameter) per row.
 * Each row asserts that (a) the message is clear (key words, advice), (b) the user sees that
 * message and not a stack trace, (c) no file is left behind in the output and model folders
 * (no temporary files either), (d) the source image (or input file) is unchanged.
 */
class BadInputMatrixTest {

	@TempDir
	Path tmp;

	static final Path TINY = TestFiles.tinyModel();

	// ------------------------------------------------------------------ helpers

	/** CRC32 over every plane's pixels, dimensions and type. */
	static long checksum(ImagePlus imp) {
		CRC32 crc = new CRC32();
		crc.update((imp.getWidth() + "x" + imp.getHeight() + "x" + imp.getStackSize() + ":" + imp.getType()).getBytes(StandardCharsets.UTF_8));
		ImageStack st = imp.getStack();
		for (int i = 1; i <= st.getSize(); i++) {
			Object px = st.getPixels(i);
			ByteBuffer b;
			if (px instanceof byte[] a) b = ByteBuffer.wrap(a);
			else if (px instanceof short[] a) { b = ByteBuffer.allocate(2 * a.length); b.asShortBuffer().put(a); }
			else if (px instanceof float[] a) { b = ByteBuffer.allocate(4 * a.length); b.asFloatBuffer().put(a); }
			else { int[] a = (int[]) px; b = ByteBuffer.allocate(4 * a.length); b.asIntBuffer().put(a); }
			crc.update(b);
		}
		return crc.getValue();
	}

	/** Every file and folder under dir (relative path -> CRC32 of the content, "dir" for folders). */
	static Map<String, String> snapshot(Path dir) throws IOException {
		Map<String, String> out = new TreeMap<>();
		if (!Files.exists(dir)) return out;
		try (Stream<Path> walk = Files.walk(dir)) {
			for (Path p : walk.toList()) {
				String rel = dir.relativize(p).toString();
				if (Files.isDirectory(p)) out.put(rel, "dir");
				else {
					CRC32 crc = new CRC32();
					crc.update(Files.readAllBytes(p));
					out.put(rel, Long.toHexString(crc.getValue()) + "/" + Files.size(p));
				}
			}
		}
		return out;
	}

	static void assertNoTemporaryFiles(Path dir) throws IOException {
		for (String f : snapshot(dir).keySet()) {
			assertFalse(f.contains(".tmp") || f.contains(".partial") || f.contains(".part-"), "temporary file left behind: " + f);
		}
	}

	/** What a headless door printed: its returned line and everything on stdout and stderr meanwhile. */
	record Seen(String message, String console) {}

	static Seen capture(Supplier<String> door) {
		PrintStream out = System.out, err = System.err;
		ByteArrayOutputStream buf = new ByteArrayOutputStream();
		PrintStream both = new PrintStream(buf, true, StandardCharsets.UTF_8);
		System.setOut(both);
		System.setErr(both);
		try {
			return new Seen(door.get(), buf.toString(StandardCharsets.UTF_8));
		}
		finally {
			System.setOut(out);
			System.setErr(err);
		}
	}

	/**
	 * (a) and (b): one "Error: " line with the key words; no stack trace printed, and the message
	 * is not just an exception's class name.
	 */
	static String assertClearError(Seen seen, String... fragments) {
		String m = seen.message();
		assertTrue(m.startsWith("Error: "), "an Error: line, got: " + m);
		for (String f : fragments) assertTrue(m.contains(f), "message should mention '" + f + "': " + m);
		assertFalse(m.matches("Error: [\\w.$]+(Exception|Error)\\b.*"), "a bare exception, not a message: " + m);
		assertFalse(seen.console().contains("\tat "), "no stack trace: " + seen.console());
		assertFalse(m.lines().count() > 3, "one short message: " + m);
		return m;
	}

	/** A headless door refused the input: clear message, the folders unchanged, no temporary files. */
	static String refused(Supplier<String> door, List<Path> folders, String... fragments) throws IOException {
		List<Map<String, String>> before = new ArrayList<>();
		for (Path f : folders) before.add(snapshot(f));
		String m = assertClearError(capture(door), fragments);
		for (int i = 0; i < folders.size(); i++) {
			assertEquals(before.get(i), snapshot(folders.get(i)), "nothing written or changed in " + folders.get(i));
			assertNoTemporaryFiles(folders.get(i));
		}
		return m;
	}

	/** An in-process runner refused the image: the exception's message, the source unchanged, nothing written. */
	<T extends Throwable> String refusedInProcess(Class<T> type, ImagePlus source, Callable<?> run, String... fragments) throws IOException {
		long sum = source == null ? 0 : checksum(source);
		Map<String, String> files = snapshot(tmp);
		T e = assertThrows(type, run::call);
		String m = String.valueOf(e.getMessage());
		for (String f : fragments) assertTrue(m.contains(f), "message should mention '" + f + "': " + m);
		if (source != null) assertEquals(sum, checksum(source), "source pixels unchanged");
		assertEquals(files, snapshot(tmp), "no files written");
		return m;
	}

	static ImagePlus rgb(int w, int h, long seed) {
		Random r = new Random(seed);
		int[] px = new int[w * h];
		for (int i = 0; i < px.length; i++) px[i] = 0xff000000 | r.nextInt(1 << 24);
		return new ImagePlus("rgb", new ColorProcessor(w, h, px));
	}

	@BeforeEach
	void writeInput() {
		new FileSaver(rgb(24, 18, 5)).saveAsPng(tmp.resolve("in.png").toString());
	}

	Path inputPng() {
		return tmp.resolve("in.png");
	}

	/** Runs with the models folder (system property neuralstyle.models) set to {@code folder}, then restores it. */
	static void withModelsFolder(Path folder, Callable<Void> body) throws Exception {
		String old = System.getProperty("neuralstyle.models");
		System.setProperty("neuralstyle.models", folder.toString());
		try {
			body.call();
		}
		finally {
			if (old == null) System.clearProperty("neuralstyle.models");
			else System.setProperty("neuralstyle.models", old);
		}
	}

	Path copyTiny(String name) throws IOException {
		Path dst = tmp.resolve(name);
		try (Stream<Path> walk = Files.walk(TINY)) {
			for (Path p : walk.toList()) {
				Path q = dst.resolve(TINY.relativize(p).toString());
				if (Files.isDirectory(p)) Files.createDirectories(q);
				else Files.copy(p, q);
			}
		}
		return dst;
	}

	static void editTensors(Path file, Consumer<Map<String, Tensor>> edit) throws IOException {
		Map<String, Tensor> t = new LinkedHashMap<>(Safetensors.read(Files.readAllBytes(file)));
		edit.accept(t);
		Files.write(file, Safetensors.toBytes(t));
	}

	static void zip(Path zip, Map<String, byte[]> entries) throws IOException {
		try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(os)) {
			for (var e : entries.entrySet()) {
				z.putNextEntry(new ZipEntry(e.getKey()));
				z.write(e.getValue());
				z.closeEntry();
			}
		}
	}

	static Map<String, byte[]> modelEntries(Path dir) throws IOException {
		Map<String, byte[]> m = new LinkedHashMap<>();
		try (Stream<Path> walk = Files.walk(dir)) {
			for (Path p : walk.filter(Files::isRegularFile).toList()) m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
		}
		return m;
	}

	static boolean isRoot() {
		try {
			return "root".equals(Files.getOwner(Path.of(System.getProperty("user.home"))).getName())
				&& "root".equals(System.getProperty("user.name"));
		}
		catch (IOException e) {
			return false;
		}
	}

	String stylize(Path model, String style, Path output) {
		return Headless.stylize("input=[" + inputPng() + "] model=[" + model + "] style=" + style + " device=cpu output=[" + output + "]");
	}

	// ------------------------------------------------------------------ image types and sizes

	static ImagePlus image(String kind) {
		Random r = new Random(kind.hashCode());
		int w = 21, h = 13;
		switch (kind) {
			case "8-bit" -> {
				byte[] b = new byte[w * h];
				r.nextBytes(b);
				return new ImagePlus("g8", new ByteProcessor(w, h, b));
			}
			case "16-bit" -> {
				short[] s = new short[w * h];
				for (int i = 0; i < s.length; i++) s[i] = (short) r.nextInt(65536);
				return new ImagePlus("g16", new ShortProcessor(w, h, s, null));
			}
			case "32-bit" -> {
				float[] f = new float[w * h];
				for (int i = 0; i < f.length; i++) f[i] = (float) r.nextGaussian();
				f[3] = Float.NaN;
				f[4] = Float.POSITIVE_INFINITY;
				f[5] = Float.NEGATIVE_INFINITY;
				ImagePlus imp = new ImagePlus("g32", new FloatProcessor(w, h, f));
				imp.setDisplayRange(-2, 2);
				return imp;
			}
			case "RGB" -> {
				return rgb(w, h, 1);
			}
			case "indexed colour" -> {
				byte[] b = new byte[w * h];
				r.nextBytes(b);
				ImageProcessor ip = new ByteProcessor(w, h, b);
				byte[] red = new byte[256], green = new byte[256], blue = new byte[256];
				for (int i = 0; i < 256; i++) { red[i] = (byte) i; green[i] = (byte) (255 - i); blue[i] = (byte) (i * 3); }
				ip.setColorModel(new LUT(red, green, blue));
				return new ImagePlus("idx", ip) {
					{
						setType(COLOR_256);
					}
				};
			}
			case "composite" -> {
				ImageStack st = new ImageStack(w, h);
				for (int c = 0; c < 3; c++) {
					ShortProcessor sp = new ShortProcessor(w, h);
					for (int p = 0; p < w * h; p++) sp.set(p, r.nextInt(4096));
					st.addSlice("c" + c, sp);
				}
				ImagePlus base = new ImagePlus("comp", st);
				base.setDimensions(3, 1, 1);
				return new CompositeImage(base, IJ.COMPOSITE);
			}
			case "hyperstack" -> {
				ImageStack st = new ImageStack(w, h);
				for (int i = 0; i < 2 * 2 * 2; i++) {
					float[] f = new float[w * h];
					for (int p = 0; p < f.length; p++) f[p] = r.nextFloat() * 100;
					st.addSlice("p" + i, new FloatProcessor(w, h, f));
				}
				ImagePlus imp = new ImagePlus("hyper", st);
				imp.setDimensions(2, 2, 2);
				imp.setOpenAsHyperStack(true);
				return imp;
			}
			case "1x1" -> {
				return rgb(1, 1, 2);
			}
			case "1x5000" -> {
				return rgb(1, 5000, 3);
			}
			case "5000x1" -> {
				return rgb(5000, 1, 4);
			}
			default -> throw new IllegalArgumentException(kind);
		}
	}

	/** Rows "8-bit" ... "5000x1": a new RGB image of the same size and dimensions; the source untouched, no files. */
	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "8-bit", "16-bit", "32-bit", "RGB", "indexed colour", "composite", "hyperstack", "1x1", "1x5000", "5000x1" })
	void imageTypes(String kind) throws Exception {
		ImagePlus imp = image(kind);
		long sum = checksum(imp);
		Map<String, String> files = snapshot(tmp);
		ImagePlus out = StyleBankRunner.apply(imp, new StyleBankRunner.Request(TINY, "alpha", Engines.DeviceChoice.CPU), Progress.NONE);
		assertEquals(ImagePlus.COLOR_RGB, out.getType());
		assertEquals(imp.getWidth(), out.getWidth());
		assertEquals(imp.getHeight(), out.getHeight());
		assertEquals(imp.getStackSize(), out.getStackSize());
		assertEquals(imp.getNChannels(), out.getNChannels());
		assertEquals(imp.getNFrames(), out.getNFrames());
		// regions work on every type too (one oval over the middle, the rest kept)
		Roi roi = new Roi(0, 0, Math.max(1, imp.getWidth() / 2), Math.max(1, imp.getHeight() / 2));
		roi.setName("alpha");
		ImagePlus reg = RegionStyleRunner.apply(imp, List.of(roi), new RegionStyleRunner.Request(TINY, "", "keep", 2,
			StyleBankNetwork.Fusion.REGION_AWARE, Engines.DeviceChoice.CPU), Progress.NONE);
		assertEquals(imp.getStackSize(), reg.getStackSize());
		assertEquals(sum, checksum(imp), "source pixels unchanged");
		assertEquals(files, snapshot(tmp), "no files written");
		if (kind.equals("32-bit")) {
			int[] px = (int[]) out.getProcessor().getPixels();
			assertEquals(imp.getWidth() * imp.getHeight(), px.length, "NaN/Inf pixels give an ordinary RGB result");
		}
	}

	/** Gatys on the size extremes: a result of the working size's shape, nothing else touched. */
	@Test
	void gatysOnTinyAndThinImages() throws Exception {
		Map<String, String> files = snapshot(tmp);
		for (ImagePlus imp : new ImagePlus[] { image("1x1"), image("1x5000"), image("5000x1"), image("hyperstack") }) {
			long sum = checksum(imp);
			ImagePlus out = GatysRunner.apply(imp, List.of(rgb(20, 20, 6)), List.of(), gatysRequest("offline", 2, 32, 1), Progress.NONE,
				null, line -> {});
			// the working size keeps the aspect ratio, but at least 16 pixels a side (VGG pools four times)
			int[] want = org.neuralstyle.gatys.GatysOptimizer.outputSize(imp.getWidth(), imp.getHeight(), 32);
			assertEquals(Math.max(want[0], 16), out.getWidth(), imp.getTitle());
			assertEquals(Math.max(want[1], 16), out.getHeight(), imp.getTitle());
			assertEquals(sum, checksum(imp), "source pixels unchanged");
		}
		assertEquals(files, snapshot(tmp));
	}

	static GatysRunner.Request gatysRequest(String network, int iterations, int size, double styleScale) {
		GatysSettings d = GatysSettings.defaults(false);
		// no layers: the network's own (the offline network's are not VGG's)
		GatysSettings s = new GatysSettings(List.of(), java.util.Map.of(), Double.NaN, Double.NaN, Double.NaN, d.method(),
			d.learningRate(), d.history(), iterations, size, styleScale, d.init(), d.initBlend(), 0, 1, d.colour(), 0, 0);
		return new GatysRunner.Request(network, null, false, s, null, "", false, 0, Engines.DeviceChoice.CPU);
	}

	/** A 20000 x 20000 image is declined before anything large is allocated (the image itself is 1 x 1 pixel). */
	@Test
	void hugeImageIsDeclinedBeforeAnyAllocation() throws Exception {
		long heap = Runtime.getRuntime().maxMemory();
		assertTrue(20000L * 20000 * 28 > heap, "precondition: the test JVM's heap (" + heap + ") is smaller than 11.2 GB");
		ImagePlus huge = new ImagePlus("huge", new ByteProcessor(1, 1)) {
			@Override
			public int getWidth() {
				return 20000;
			}

			@Override
			public int getHeight() {
				return 20000;
			}
		};
		Runtime rt = Runtime.getRuntime();
		long usedBefore = rt.totalMemory() - rt.freeMemory();
		String m = refusedInProcess(IllegalArgumentException.class, huge,
			() -> StyleBankRunner.apply(huge, new StyleBankRunner.Request(TINY, "alpha", Engines.DeviceChoice.CPU), Progress.NONE),
			"20000 x 20000", "Scale it down", "memory budget", "Edit > Options > Memory");
		assertTrue(m.contains("GB"), m);
		Roi roi = new Roi(0, 0, 10, 10);
		roi.setName("alpha");
		refusedInProcess(IllegalArgumentException.class, huge, () -> RegionStyleRunner.apply(huge, List.of(roi),
			new RegionStyleRunner.Request(TINY, "", "keep", 0, null, Engines.DeviceChoice.CPU), Progress.NONE), "20000 x 20000", "Scale it down");
		refusedInProcess(IllegalArgumentException.class, huge, () -> GatysRunner.apply(huge, List.of(rgb(8, 8, 1)), List.of(),
			gatysRequest("offline", 1, 64, 1), Progress.NONE, null, line -> {}), "20000 x 20000", "Scale it down");
		assertTrue(rt.totalMemory() - rt.freeMemory() - usedBefore < 200L << 20, "nothing large was allocated");
	}

	/**
	 * A Gatys result over the memory budget is not declined but optimised in tiles (tiled Gatys);
	 * the log and the result's Info say so, and nothing but the output is written.
	 */
	@Test
	void gatysResultOverTheMemoryBudgetIsTiled() throws Exception {
		Path style = tmp.resolve("style.png");
		new FileSaver(rgb(16, 16, 7)).saveAsPng(style.toString());
		Path out = tmp.resolve("g.png");
		System.setProperty("neuralstyle.memory.mb", "8");
		try {
			Seen seen = capture(() -> Headless.gatys("input=[" + inputPng() + "] style=[" + style + "] output=[" + out
				+ "] network=offline size=128 iterations=2"));
			assertFalse(seen.message().startsWith("Error"), seen.message());
			assertTrue((seen.message() + seen.console()).contains("tile"), "the user is told the run was tiled: " + seen);
			ImagePlus result = IJ.openImage(out.toString());
			assertEquals(128, Math.max(result.getWidth(), result.getHeight()));
			assertNoTemporaryFiles(tmp);
		}
		finally {
			System.clearProperty("neuralstyle.memory.mb");
		}
	}

	// ------------------------------------------------------------------ model files

	/**
	 * Broken or hostile model files through the headless door: each refused with a message naming
	 * the file and the problem; no output, the input file and the model untouched, nothing written
	 * outside (zip entries are never extracted).
	 */
	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "missing model", "corrupted zip", "truncated zip", "zip entry ..", "zip entry absolute", "NaN weight",
		"Inf weight", "wrong shape", "truncated safetensors", "oversized safetensors header", "pickle .pt", "torch zip with data.pkl",
		"Java serialized", ".bin extension", "bank path leaves the model" })
	void brokenModels(String row) throws Exception {
		Path models = tmp.resolve("models");
		Files.createDirectories(models);
		Path model;
		String[] expect;
		switch (row) {
			case "missing model" -> {
				model = models.resolve("nothing.stylebank");
				expect = new String[] { "model not found", "nothing.stylebank" };
			}
			case "corrupted zip" -> {
				model = models.resolve("garbage.zip");
				Files.writeString(model, "PK this is not a zip archive at all");
				expect = new String[] { "garbage.zip", "not a model folder or a readable zip archive" };
			}
			case "truncated zip" -> {
				model = models.resolve("cut.zip");
				zip(model, modelEntries(TINY));
				byte[] all = Files.readAllBytes(model);
				Files.write(model, Arrays.copyOf(all, all.length / 2));
				expect = new String[] { "cut.zip", "not a model folder or a readable zip archive" };
			}
			case "zip entry ..", "zip entry absolute" -> {
				model = models.resolve("evil.zip");
				Map<String, byte[]> e = modelEntries(TINY);
				e.put(row.endsWith("..") ? "../../evil.txt" : "/tmp/evil-" + ProcessHandle.current().pid() + ".txt",
					"x".getBytes(StandardCharsets.UTF_8));
				zip(model, e);
				expect = new String[] { "evil.zip", row.endsWith("..") ? "'..'" : "absolute", "refused" };
			}
			case "NaN weight", "Inf weight" -> {
				model = copyTiny("bad.stylebank");
				editTensors(model.resolve("banks/beta.safetensors"), t -> {
					Tensor w = t.get("bank.weight");
					float[] d = w.data().clone();
					d[5] = row.startsWith("NaN") ? Float.NaN : Float.NEGATIVE_INFINITY;
					t.put("bank.weight", new Tensor(w.shape(), d));
				});
				Files.move(model, models.resolve("bad.stylebank"));
				model = models.resolve("bad.stylebank");
				expect = new String[] { "banks/beta.safetensors", "bank.weight", "NaN or infinite" };
			}
			case "wrong shape" -> {
				model = copyTiny("shape.stylebank");
				editTensors(model.resolve("autoencoder.safetensors"),
					t -> t.put("encoder.conv2.weight", new Tensor(new long[] { 12, 8, 5, 5 }, new float[12 * 8 * 25])));
				Files.move(model, models.resolve("shape.stylebank"));
				model = models.resolve("shape.stylebank");
				expect = new String[] { "autoencoder.safetensors", "encoder.conv2.weight", "[12, 8, 5, 5]", "expected [12, 8, 3, 3]" };
			}
			case "truncated safetensors" -> {
				model = copyTiny("trunc.stylebank");
				Path ae = model.resolve("autoencoder.safetensors");
				byte[] b = Files.readAllBytes(ae);
				Files.write(ae, Arrays.copyOf(b, b.length - 64));
				Files.move(model, models.resolve("trunc.stylebank"));
				model = models.resolve("trunc.stylebank");
				expect = new String[] { "autoencoder.safetensors", "truncated" };
			}
			case "oversized safetensors header" -> {
				model = copyTiny("header.stylebank");
				Path ae = model.resolve("autoencoder.safetensors");
				byte[] b = Files.readAllBytes(ae);
				ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
				Files.write(ae, b);
				Files.move(model, models.resolve("header.stylebank"));
				model = models.resolve("header.stylebank");
				expect = new String[] { "autoencoder.safetensors", "header length", "not plausible" };
			}
			case "pickle .pt" -> {
				model = models.resolve("model.pt");
				// a pickle stream (protocol 2) that would call os.system if unpickled
				Files.write(model, "\u0080\u0002cposix\nsystem\nq\u0000X\u0002\u0000\u0000\u0000idq\u0001\u0085q\u0002Rq\u0003."
					.getBytes(StandardCharsets.ISO_8859_1));
				expect = new String[] { "model.pt", "pickle", "never reads them", "safetensors" };
			}
			case "torch zip with data.pkl" -> {
				model = models.resolve("checkpoint.zip");
				zip(model, Map.of("archive/data.pkl", new byte[] { (byte) 0x80, 2, '.' }, "archive/version", "3".getBytes(StandardCharsets.UTF_8)));
				expect = new String[] { "archive/data.pkl", "pickle", "never reads them" };
			}
			case "Java serialized" -> {
				model = models.resolve("model.dat");
				ByteArrayOutputStream b = new ByteArrayOutputStream();
				try (ObjectOutputStream o = new ObjectOutputStream(b)) {
					o.writeObject(new java.util.ArrayList<>(List.of("not", "a", "model")));
				}
				Files.write(model, b.toByteArray());
				expect = new String[] { "model.dat", "Java serialized", "never reads them" };
			}
			case ".bin extension" -> {
				model = models.resolve("pytorch_model.bin");
				zip(model, modelEntries(TINY)); // even a real model archive: .bin files are refused by name
				expect = new String[] { "pytorch_model.bin", "never reads them" };
			}
			case "bank path leaves the model" -> {
				model = copyTiny("escape.stylebank");
				Path mj = model.resolve("model.json");
				JsonObject j = JsonParser.parseString(Files.readString(mj)).getAsJsonObject();
				j.getAsJsonArray("styles").get(1).getAsJsonObject().addProperty("bank", "../../../etc/passwd");
				Files.writeString(mj, j.toString());
				Files.move(model, models.resolve("escape.stylebank"));
				model = models.resolve("escape.stylebank");
				expect = new String[] { "model.json", "inside the model", "'..'" };
			}
			default -> throw new IllegalArgumentException(row);
		}
		Path in = inputPng();
		Map<String, String> input = snapshot(in.getParent().resolve("in.png"));
		Path out = tmp.resolve("out.png");
		Path finalModel = model;
		refused(() -> stylize(finalModel, "alpha", out), List.of(tmp), expect);
		assertFalse(Files.exists(out));
		assertEquals(input, snapshot(in), "input file unchanged");
		assertFalse(Files.exists(tmp.getParent().resolve("evil.txt")) || Files.exists(tmp.resolve("evil.txt")), "nothing extracted");
		assertFalse(Files.exists(Path.of("/tmp/evil-" + ProcessHandle.current().pid() + ".txt")), "nothing extracted");
	}

	/** A style file exported from another autoencoder is refused on import; the model folder is unchanged. */
	@Test
	void styleFileFromAnotherAutoencoder() throws Exception {
		Path model = copyTiny("mine.stylebank");
		StyleBankModel tiny = StyleBankModel.load(TINY);
		byte[] good = StyleFiles.export(tiny, "beta");
		Map<String, String> meta = new LinkedHashMap<>(Safetensors.metadata(good));
		meta.put("autoencoderSha256", "0".repeat(64));
		meta.put("id", "foreign");
		Path foreign = tmp.resolve("foreign.stylebank-style.safetensors");
		Files.write(foreign, Safetensors.toBytes(Safetensors.read(good), meta));
		refused(() -> Headless.manageStyles("model=[" + model + "] action=import file=[" + foreign + "]"), List.of(tmp),
			"foreign.stylebank-style.safetensors", "another autoencoder", "Learn New StyleBank Style");
		// a Java serialized stream given as a style file: refused by the safetensors header check
		Path ser = tmp.resolve("x.stylebank-style.safetensors");
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		try (ObjectOutputStream o = new ObjectOutputStream(b)) {
			o.writeObject("not a style");
		}
		Files.write(ser, b.toByteArray());
		refused(() -> Headless.manageStyles("model=[" + model + "] action=import file=[" + ser + "]"), List.of(tmp),
			"x.stylebank-style.safetensors", "header length");
		assertEquals(2, StyleBankModel.load(model).styles().size());
	}

	/**
	 * A model folder without write permission: rename, remove, import, learn and train refuse
	 * before anything changes. Tests may run as root, where chmod does not deny writes; so the
	 * folder is made unwritable by chmod only when not root, and in every case the output is also
	 * a path whose parent is a regular file (which no user can write into). Both go through
	 * ResultFiles.checkModelWritable, the check every door uses.
	 */
	@Test
	void modelFolderWithoutWritePermission() throws Exception {
		Path model = copyTiny("ro.stylebank");
		Path styleFile = tmp.resolve("beta.stylebank-style.safetensors");
		Files.write(styleFile, StyleFiles.export(StyleBankModel.load(TINY), "beta"));
		Path content = trainingFolders();
		Path blocker = tmp.resolve("a-file.txt");
		Files.writeString(blocker, "not a folder");
		Path underFile = blocker.resolve("out.stylebank");
		String small = " channels=4,8,8 size=32 batch=1 network=offline seed=1 iterations=1";
		String[] actions = {
			"model=[" + model + "] action=rename style=alpha name=Other output=[" + underFile + "]",
			"model=[" + model + "] action=remove style=alpha output=[" + underFile + "]",
			"model=[" + model + "] action=import file=[" + styleFile + "] output=[" + underFile + "]",
			"model=[" + model + "] action=export style=alpha file=[" + blocker.resolve("alpha.stylebank-style.safetensors") + "]",
		};
		for (String a : actions) refused(() -> Headless.manageStyles(a), List.of(tmp), "a-file.txt", "is a file, not a folder");
		refused(() -> Headless.learnStyle("model=[" + model + "] style=[" + content.resolve("styles/wave.png") + "] id=w2 content=["
			+ content.resolve("content") + "] output=[" + underFile + "]" + small), List.of(tmp), "is a file, not a folder");
		refused(() -> Headless.train("content=[" + content.resolve("content") + "] styles=[" + content.resolve("styles") + "] output=["
			+ underFile + "]" + small), List.of(tmp), "is a file, not a folder");
		if (!isRoot()) {
			Files.setPosixFilePermissions(model, PosixFilePermissions.fromString("r-xr-xr-x"));
			try {
				assertFalse(Files.isWritable(model), "chmod made the folder read-only");
				refused(() -> Headless.manageStyles("model=[" + model + "] action=rename style=alpha name=Other"), List.of(tmp),
					"no permission to write", "ro.stylebank");
				refused(() -> Headless.manageStyles("model=[" + model + "] action=import file=[" + styleFile + "]"), List.of(tmp),
					"no permission to write");
				refused(() -> Headless.learnStyle("model=[" + model + "] style=[" + content.resolve("styles/wave.png") + "] id=w2 content=["
					+ content.resolve("content") + "]" + small), List.of(tmp), "no permission to write");
			}
			finally {
				Files.setPosixFilePermissions(model, PosixFilePermissions.fromString("rwxr-xr-x"));
			}
		}
		// the default model cannot be copied into an unusable models folder
		withModelsFolder(blocker.resolve("models"), () -> {
			Path out = tmp.resolve("d.png");
			refused(() -> Headless.stylize("input=[" + inputPng() + "] style=great_wave output=[" + out + "]"), List.of(tmp),
				"default model cannot be copied into the models folder", "-Dneuralstyle.models");
			return null;
		});
	}

	/** tmp/folders/content (two images) and tmp/folders/styles (one image) for training rows. */
	Path trainingFolders() throws IOException {
		Path root = tmp.resolve("folders");
		if (Files.exists(root)) return root;
		Files.createDirectories(root.resolve("content"));
		Files.createDirectories(root.resolve("styles"));
		for (int i = 0; i < 2; i++) new FileSaver(rgb(40, 36, 10 + i)).saveAsPng(root.resolve("content/c" + i + ".png").toString());
		new FileSaver(rgb(32, 32, 20)).saveAsPng(root.resolve("styles/wave.png").toString());
		return root;
	}

	/** VGG weights with missing layers, wrong shapes or not safetensors: the error names the file and the tensor. */
	@Test
	void vggFileWithMissingLayersOrWrongShapes() throws Exception {
		Path models = tmp.resolve("models");
		Files.createDirectories(models);
		Path vgg = models.resolve(VggWeights.fileName(Vgg.Arch.VGG19));
		Map<String, Tensor> partial = Safetensors.read(Files.readAllBytes(TestFiles.resource("reference/vgg_partial.safetensors")));
		Path style = tmp.resolve("style.png");
		new FileSaver(rgb(16, 16, 7)).saveAsPng(style.toString());
		Path out = tmp.resolve("g.png");
		withModelsFolder(models, () -> {
			Supplier<String> run = () -> Headless.gatys("input=[" + inputPng() + "] style=[" + style + "] output=[" + out
				+ "] network=vgg19 size=32 iterations=1");
			Files.write(vgg, Safetensors.toBytes(partial)); // stops at features.5 (relu2_1); the defaults need relu5_1
			refused(run, List.of(tmp), "vgg19.tv_in1k.safetensors", "features.7.weight", "is missing", "torchvision");
			Map<String, Tensor> wrong = new LinkedHashMap<>(partial);
			wrong.put("features.0.weight", new Tensor(new long[] { 64, 1, 3, 3 }, new float[64 * 9]));
			Files.write(vgg, Safetensors.toBytes(wrong));
			refused(run, List.of(tmp), "features.0.weight", "[64, 1, 3, 3]", "expected [64, 3, 3, 3]");
			Map<String, Tensor> nan = new LinkedHashMap<>(partial);
			float[] d = partial.get("features.2.weight").data().clone();
			d[0] = Float.NaN;
			nan.put("features.2.weight", new Tensor(partial.get("features.2.weight").shape(), d));
			Files.write(vgg, Safetensors.toBytes(nan));
			refused(() -> Headless.gatys("input=[" + inputPng() + "] style=[" + style + "] output=[" + out
				+ "] network=vgg19 size=32 iterations=1 style_layers=relu1_1 content_layers=relu2_1"), List.of(tmp),
				"features.2.weight", "NaN or infinite");
			// a pickle under the right name
			Files.write(vgg, "\u0080\u0002cposix\nsystem\nq\u0000X\u0002\u0000\u0000\u0000idq\u0001\u0085q\u0002Rq\u0003."
				.getBytes(StandardCharsets.ISO_8859_1));
			refused(run, List.of(tmp), "vgg19.tv_in1k.safetensors", "header length");
			assertFalse(Files.exists(out));
			return null;
		});
	}

	/** Missing VGG weights are never fetched without consent (download=true); the models folder stays as it was. */
	@Test
	void downloadNeedsConsent() throws Exception {
		Path models = tmp.resolve("models");
		Files.createDirectories(models);
		Path style = tmp.resolve("style.png");
		new FileSaver(rgb(16, 16, 7)).saveAsPng(style.toString());
		withModelsFolder(models, () -> {
			refused(() -> Headless.gatys("input=[" + inputPng() + "] style=[" + style + "] output=[" + tmp.resolve("g.png")
				+ "] network=vgg16 size=32 iterations=1"), List.of(tmp), "vgg16 weights are not installed", "huggingface.co",
				"download=true", models.toString());
			Path content = trainingFolders();
			refused(() -> Headless.train("content=[" + content.resolve("content") + "] styles=[" + content.resolve("styles") + "] output=["
				+ tmp.resolve("t.stylebank") + "] network=vgg16 channels=4,8,8 size=32 batch=1 iterations=1"), List.of(tmp),
				"vgg16 weights are not installed", "download=true");
			assertEquals(Map.of("", "dir"), snapshot(models), "nothing downloaded: the models folder is still empty");
			return null;
		});
	}

	// ------------------------------------------------------------------ cancel

	/** Cancels after the given number of progress reports. */
	static final class CancelAfter implements Progress {
		final int reports;
		int seen;

		CancelAfter(int reports) {
			this.reports = reports;
		}

		@Override
		public synchronized void report(int done, int total, String message) {
			seen++;
		}

		@Override
		public synchronized boolean isCancelled() {
			return seen >= reports;
		}
	}

	/** Cancel during model loading, between slices and between tile passes: no result, nothing written, source untouched. */
	@Test
	void cancelStyleBankAtEveryStage() throws Exception {
		ImageStack st = new ImageStack(30, 20);
		for (int i = 0; i < 3; i++) st.addSlice(rgb(30, 20, i).getProcessor());
		ImagePlus stack = new ImagePlus("stack", st);
		var req = new StyleBankRunner.Request(TINY, "alpha", Engines.DeviceChoice.CPU);
		// 1 report = "Loading model": cancelled while the model loads
		refusedInProcess(Progress.CancelledException.class, stack, () -> StyleBankRunner.apply(stack, req, new CancelAfter(1)), "cancelled");
		// after slice 1
		refusedInProcess(Progress.CancelledException.class, stack, () -> StyleBankRunner.apply(stack, req, new CancelAfter(3)), "cancelled");
		Roi roi = new Roi(2, 2, 10, 10);
		roi.setName("alpha");
		var regions = new RegionStyleRunner.Request(TINY, "", "keep", 1, null, Engines.DeviceChoice.CPU);
		refusedInProcess(Progress.CancelledException.class, stack, () -> RegionStyleRunner.apply(stack, List.of(roi), regions,
			new CancelAfter(1)), "cancelled");
		refusedInProcess(Progress.CancelledException.class, stack, () -> RegionStyleRunner.apply(stack, List.of(roi), regions,
			new CancelAfter(3)), "cancelled");
		// tiled: cancelled in a statistics pass and in the output pass
		ImagePlus big = rgb(300, 260, 3);
		System.setProperty("neuralstyle.memory.mb", "16");
		try {
			assertTrue(TiledInference.tileSize(300, 260, 8, MemoryBudget.bytes(ai.djl.Device.cpu(), Settings.current()), false) > 0, "16 MB forces tiles");
			var tiledReq = new StyleBankRunner.Request(TINY, "alpha", Engines.DeviceChoice.CPU); // the settings as they are now
			for (int after : new int[] { 4, 20, 50 }) {
				TestProgress tp = new TestProgress(after);
				refusedInProcess(Progress.CancelledException.class, big, () -> StyleBankRunner.apply(big, tiledReq, tp), "cancelled");
				assertTrue(tp.messages.stream().anyMatch(m -> m.contains("Stylizing tile")), tp.messages.toString());
			}
			System.setProperty("neuralstyle.tiling", "fast");
			var fastReq = new StyleBankRunner.Request(TINY, "alpha", Engines.DeviceChoice.CPU);
			TestProgress tp = new TestProgress(3);
			refusedInProcess(Progress.CancelledException.class, big, () -> StyleBankRunner.apply(big, fastReq, tp), "cancelled");
		}
		finally {
			System.clearProperty("neuralstyle.memory.mb");
			System.clearProperty("neuralstyle.tiling");
		}
	}

	/** Cancel during Gatys iterations: the best image so far, titled as cancelled; the source untouched, no files. */
	@Test
	void cancelGatys() throws Exception {
		Map<String, String> files = snapshot(tmp);
		ImagePlus content = rgb(30, 24, 8);
		long sum = checksum(content);
		ImagePlus out = GatysRunner.apply(content, List.of(rgb(20, 20, 9)), List.of(), gatysRequest("offline", 50, 32, 1),
			new TestProgress(2), null, line -> {});
		assertTrue(out.getTitle().contains("(cancelled at iteration 2)"), out.getTitle());
		assertEquals(32, out.getWidth());
		assertEquals(sum, checksum(content));
		assertEquals(files, snapshot(tmp));
	}

	/**
	 * Cancel during training: no model is written, the checkpoint is complete (no temporary
	 * files); cancel while learning a style: the model folder is unchanged.
	 */
	@Test
	void cancelTrainingAndLearning() throws Exception {
		Path f = trainingFolders();
		Trainer.Listener cancelAtOnce = new Trainer.Listener() {
			@Override
			public void iteration(int iteration, int total, String branch, double loss, double content, double style) {}

			@Override
			public boolean cancelled() {
				return true;
			}
		};
		String small = " channels=4,8,8 size=32 batch=1 network=offline seed=1 iterations=3";
		Path output = tmp.resolve("t.stylebank");
		assertThrows(Progress.CancelledException.class, () -> TrainingRunner.train(TrainingRunner.TrainRequest.from(Options.parse(
			"content=[" + f.resolve("content") + "] styles=[" + f.resolve("styles") + "] output=[" + output + "]" + small,
			TrainingRunner.TRAIN_KEYS), Settings.current()), Progress.NONE, cancelAtOnce, line -> {}));
		assertFalse(Files.exists(output), "no model written");
		Path checkpoint = tmp.resolve("t.stylebank.checkpoint");
		assertTrue(Files.exists(checkpoint.resolve("checkpoint.json")) && Files.exists(checkpoint.resolve("optimizer.safetensors")));
		StyleBankModel.load(checkpoint.resolve("model.stylebank"));
		assertNoTemporaryFiles(tmp);

		Path model = copyTiny("learn.stylebank");
		Map<String, String> before = snapshot(model);
		assertThrows(Progress.CancelledException.class, () -> TrainingRunner.learn(TrainingRunner.LearnRequest.from(Options.parse(
			"model=[" + model + "] style=[" + f.resolve("styles/wave.png") + "] id=w2 content=[" + f.resolve("content") + "]" + small,
			TrainingRunner.LEARN_KEYS), Settings.current()), Progress.NONE, cancelAtOnce, line -> {}));
		assertEquals(before, snapshot(model), "model unchanged");
		assertNoTemporaryFiles(tmp);
	}

	// ------------------------------------------------------------------ two runs at once

	/** A second optimisation (Gatys, training, learning) while one runs is refused with a message; nothing is written. */
	@Test
	void twoLongRunsAtOnce() throws Exception {
		Path style = tmp.resolve("style.png");
		new FileSaver(rgb(16, 16, 7)).saveAsPng(style.toString());
		Path f = trainingFolders();
		Path model = copyTiny("busy.stylebank");
		String small = " channels=4,8,8 size=32 batch=1 network=offline seed=1 iterations=1";
		try (Autograd.Session first = Autograd.begin("a Gatys style transfer")) {
			refused(() -> Headless.gatys("input=[" + inputPng() + "] style=[" + style + "] output=[" + tmp.resolve("g.png")
				+ "] network=offline size=32 iterations=1"), List.of(tmp), "a Gatys style transfer is already running", "Wait for it");
			refused(() -> Headless.train("content=[" + f.resolve("content") + "] styles=[" + f.resolve("styles") + "] output=["
				+ tmp.resolve("t.stylebank") + "] checkpoint_every=0" + small), List.of(tmp), "already running", "one optimisation at a time");
			refused(() -> Headless.learnStyle("model=[" + model + "] style=[" + f.resolve("styles/wave.png") + "] id=w2 content=["
				+ f.resolve("content") + "]" + small), List.of(tmp), "already running");
		}
		try (Autograd.Session first = Autograd.begin("a StyleBank training")) {
			ImagePlus content = rgb(20, 16, 1);
			long sum = checksum(content);
			refusedInProcess(IllegalStateException.class, content, () -> GatysRunner.apply(content, List.of(rgb(16, 16, 2)), List.of(),
				gatysRequest("offline", 1, 32, 1), Progress.NONE, null, line -> {}), "a StyleBank training is already running");
			assertEquals(sum, checksum(content));
		}
	}

	/** Two StyleBank applications at the same time (no optimisation lock): both give the sequential result. */
	@Test
	void twoStyleBankRunsAtOnce() throws Exception {
		ImagePlus a = rgb(64, 48, 11), b = rgb(48, 64, 12);
		var req = new StyleBankRunner.Request(TINY, "alpha:0.5,beta:0.5", Engines.DeviceChoice.CPU);
		int[] wantA = (int[]) StyleBankRunner.apply(a, req, Progress.NONE).getProcessor().getPixels();
		int[] wantB = (int[]) StyleBankRunner.apply(b, req, Progress.NONE).getProcessor().getPixels();
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			for (int round = 0; round < 3; round++) {
				Future<ImagePlus> fa = pool.submit(() -> StyleBankRunner.apply(a, req, Progress.NONE));
				Future<ImagePlus> fb = pool.submit(() -> StyleBankRunner.apply(b, req, Progress.NONE));
				assertArrayEquals(wantA, (int[]) fa.get(2, TimeUnit.MINUTES).getProcessor().getPixels());
				assertArrayEquals(wantB, (int[]) fb.get(2, TimeUnit.MINUTES).getProcessor().getPixels());
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	// ------------------------------------------------------------------ paths, inputs, arguments

	@Test
	void outputInAMissingFolder() throws Exception {
		Path missing = tmp.resolve("no/such/folder");
		Path style = tmp.resolve("style.png");
		new FileSaver(rgb(16, 16, 7)).saveAsPng(style.toString());
		refused(() -> stylize(TINY, "alpha", missing.resolve("out.png")), List.of(tmp), "output folder does not exist", "no/such/folder");
		refused(() -> Headless.gatys("input=[" + inputPng() + "] style=[" + style + "] output=[" + missing.resolve("g.png")
			+ "] network=offline size=32 iterations=1"), List.of(tmp), "output folder does not exist");
		Path f = trainingFolders();
		refused(() -> Headless.train("content=[" + f.resolve("content") + "] styles=[" + f.resolve("styles") + "] output=["
			+ missing.resolve("m.stylebank") + "] network=offline iterations=1"), List.of(tmp), "folder does not exist");
		refused(() -> Headless.manageStyles("model=[" + TINY + "] action=export style=alpha file=[" + missing.resolve("a.safetensors") + "]"),
			List.of(tmp), "folder does not exist");
		refused(() -> stylize(TINY, "alpha", tmp.resolve("out.jpg")), List.of(tmp), ".png, .tif or .tiff");
		// a stack cannot be a PNG: found only when the result is written; the temporary file is removed
		ImageStack st = new ImageStack(12, 10);
		for (int i = 0; i < 2; i++) st.addSlice(rgb(12, 10, i).getProcessor());
		Path stack = tmp.resolve("stack.tif");
		new FileSaver(new ImagePlus("stack", st)).saveAsTiffStack(stack.toString());
		refused(() -> Headless.stylize("input=[" + stack + "] model=[" + TINY + "] style=alpha output=[" + tmp.resolve("s.png") + "]"),
			List.of(tmp), "a PNG holds one image", "2 slices", "write it as .tif");
		assertFalse(Files.exists(tmp.resolve("no")));
	}

	@Test
	void nonImageFileAsInput() throws Exception {
		Path text = tmp.resolve("notes.txt");
		Files.writeString(text, "just some notes\n");
		Path fake = tmp.resolve("fake.png");
		Files.writeString(fake, "not really a PNG");
		Path model = tmp.resolve("model.stylebank");
		for (Path in : new Path[] { text, fake, model }) {
			if (in == model) Files.createDirectories(model);
			refused(() -> Headless.stylize("input=[" + in + "] model=[" + TINY + "] style=alpha output=[" + tmp.resolve("o.png") + "]"),
				List.of(tmp), in.getFileName().toString(), in == model ? "input image not found" : "cannot open");
		}
		// a non-image file as a style image (Gatys) and as a ROI file
		refused(() -> Headless.gatys("input=[" + inputPng() + "] style=[" + text + "] output=[" + tmp.resolve("g.png")
			+ "] network=offline size=32 iterations=1"), List.of(tmp), "notes.txt", "cannot open");
		refused(() -> Headless.stylizeRegions("input=[" + inputPng() + "] model=[" + TINY + "] rois=[" + text + "] output=["
			+ tmp.resolve("r.png") + "]"), List.of(tmp), "notes.txt", ".roi or a RoiSet .zip");
	}

	/** Macro argument typos: unknown style (the message lists the styles), unknown key (lists the keys), bad numbers. */
	@Test
	void macroArgumentTypos() throws Exception {
		Path out = tmp.resolve("o.png");
		Path style = tmp.resolve("style.png");
		new FileSaver(rgb(16, 16, 7)).saveAsPng(style.toString());
		Path f = trainingFolders();
		String gatys = "input=[" + inputPng() + "] style=[" + style + "] output=[" + out + "] network=offline ";
		String train = "content=[" + f.resolve("content") + "] styles=[" + f.resolve("styles") + "] output=[" + tmp.resolve("t.stylebank")
			+ "] network=offline ";
		List<Path> folders = List.of(tmp);
		refused(() -> stylize(TINY, "gamma", out), folders, "no style 'gamma'", "Available styles: alpha", "beta");
		refused(() -> Headless.stylize("input=[" + inputPng() + "] model=[" + TINY + "] stlye=alpha output=[" + out + "]"), folders,
			"unknown argument 'stlye'", "Known arguments", "style");
		refused(() -> Headless.gatys(gatys + "iterations=-5"), folders, "iterations must be 1..100000", "-5");
		refused(() -> Headless.gatys(gatys + "size=abc"), folders, "size must be a number", "abc");
		refused(() -> Headless.gatys(gatys + "itrations=5"), folders, "unknown argument 'itrations'", "iterations");
		refused(() -> Headless.train(train + "iterations=-5"), folders, "iterations must be at least 1");
		refused(() -> Headless.train(train + "size=abc"), folders, "size must be a number");
		refused(() -> Headless.train(train + "channels=4,x,8"), folders, "channels must be three whole numbers");
		Path set = roiSet(new Roi(1, 1, 5, 5), "cells");
		refused(() -> Headless.stylizeRegions("input=[" + inputPng() + "] model=[" + TINY + "] rois=[" + set
			+ "] feather=soft output=[" + out + "]"), folders, "feather must be a number", "soft");
		refused(() -> Headless.manageStyles("model=[" + TINY + "] action=rename style=gamma name=x"), folders, "no style 'gamma'",
			"Available styles");
		refused(() -> Headless.manageStyles("model=[" + TINY + "] action=delete"), folders, "action must be list, rename, remove, export or import");
	}

	/**
	 * Training towards targets: a missing folder or target image and a negative pixel weight are
	 * refused before the training with what to fix; with the targets in place a model is written
	 * whose manifest says it was trained towards them.
	 */
	@Test
	void trainingTowardsTargets() throws Exception {
		Path f = trainingFolders();
		Path targets = tmp.resolve("targets");
		String train = "content=[" + f.resolve("content") + "] styles=[" + f.resolve("styles") + "] output=[" + tmp.resolve("d.stylebank")
			+ "] network=offline size=16 batch=1 iterations=3 channels=4,4,4 checkpoint_every=0 targets=[" + targets + "]";
		List<Path> folders = List.of(tmp);
		refused(() -> Headless.train(train), folders, "targets folder not found", targets.toString());
		Files.createDirectories(targets.resolve("wave"));
		new FileSaver(rgb(20, 18, 30)).saveAsPng(targets.resolve("wave/c0.png").toString());
		refused(() -> Headless.train(train), folders, "no target image for content image c1.png in style 'wave'", "wave", "c1.png");
		new FileSaver(rgb(20, 18, 31)).saveAsPng(targets.resolve("wave/c1.png").toString());
		refused(() -> Headless.train(train + " pixel_weight=-1"), folders, "pixel_weight must be >= 0");
		String done = Headless.train(train);
		assertTrue(done.startsWith("Wrote model"), done);
		String manifest = Files.readString(tmp.resolve("d.stylebank").resolve("model.json"));
		assertTrue(manifest.contains("distillation") && manifest.matches("(?s).*\"styleWeight\"\\s*:\\s*0(\\.0)?[,\\s}].*"), manifest);
	}

	/** Learning a new style towards targets: the same refusals as training (nothing written), then a new style beside the old. */
	@Test
	void learningTowardsTargets() throws Exception {
		Path f = trainingFolders();
		Path model = copyTiny("learn-targets.stylebank");
		byte[] autoencoder = Files.readAllBytes(model.resolve("autoencoder.safetensors"));
		Path targets = tmp.resolve("learn-targets");
		Path out = tmp.resolve("learnt.stylebank");
		String learn = "model=[" + model + "] style=[" + f.resolve("styles/wave.png") + "] id=w2 content=[" + f.resolve("content")
			+ "] output=[" + out + "] network=offline size=16 batch=1 iterations=3 targets=[" + targets + "]";
		List<Path> folders = List.of(tmp);
		refused(() -> Headless.learnStyle(learn), folders, "targets folder not found", targets.toString());
		Files.createDirectories(targets.resolve("w2"));
		new FileSaver(rgb(20, 18, 30)).saveAsPng(targets.resolve("w2/c0.png").toString());
		refused(() -> Headless.learnStyle(learn), folders, "no target image for content image c1.png in style 'w2'", "c1.png");
		new FileSaver(rgb(20, 18, 31)).saveAsPng(targets.resolve("w2/c1.png").toString());
		refused(() -> Headless.learnStyle(learn + " pixel_weight=-1"), folders, "pixel_weight must be >= 0");
		String done = Headless.learnStyle(learn);
		assertTrue(done.startsWith("Added style 'w2'"), done);
		StyleBankModel learnt = StyleBankModel.load(out);
		assertNotNull(learnt.style("w2"), "the new style");
		assertNotNull(learnt.style("alpha"), "the old styles stay");
		assertArrayEquals(autoencoder, Files.readAllBytes(out.resolve("autoencoder.safetensors")), "the autoencoder is frozen");
	}

	/** The ImageJ 1.x menu door with a typo in its macro options: one error message (a dialog in the GUI), no result image. */
	@Test
	void menuDoorShowsOneMessage() throws Exception {
		ImagePlus imp = rgb(20, 15, 3);
		long sum = checksum(imp);
		WindowManager.setTempCurrentImage(imp);
		String seen = capture(() -> {
			try {
				Thread.currentThread().setName("Run$_menuDoorShowsOneMessage");
				Macro.setOptions("model=[" + TINY + "] style=gamma device=cpu");
				new ApplyStyleBankPlugin().run("");
			}
			catch (RuntimeException e) {
				assertEquals(Macro.MACRO_CANCELED, e.getMessage(), "only the macro abort may escape");
			}
			finally {
				Macro.setOptions(null);
			}
			return "";
		}).console();
		assertTrue(seen.contains("Available styles: alpha"), seen);
		assertFalse(seen.contains("\tat "), seen);
		assertEquals(imp, WindowManager.getCurrentImage(), "no result image");
		WindowManager.setTempCurrentImage(null);
		assertEquals(sum, checksum(imp));
	}

	// ------------------------------------------------------------------ regions

	Path roiSet(Roi roi, String name) throws IOException {
		Path set = tmp.resolve("rois-" + name + ".zip");
		roi.setName(name);
		try (OutputStream os = Files.newOutputStream(set); ZipOutputStream z = new ZipOutputStream(os)) {
			z.putNextEntry(new ZipEntry(name + ".roi"));
			DataOutputStream d = new DataOutputStream(z);
			new RoiEncoder(d).write(roi);
			d.flush();
		}
		return set;
	}

	/** Empty, outside, line and point ROIs: each refused with its name; nothing written, the source untouched. */
	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "empty", "outside", "line", "point", "no regions" })
	void badRois(String row) throws Exception {
		ImagePlus imp = rgb(30, 20, 4);
		Roi roi = switch (row) {
			case "empty" -> new ij.gui.PolygonRoi(new int[] { 2, 10, 18 }, new int[] { 2, 2, 2 }, 3, Roi.POLYGON);
			case "outside" -> new OvalRoi(100, 100, 10, 10);
			case "line" -> new Line(1, 1, 20, 15);
			case "point" -> new PointRoi(4, 4);
			default -> null;
		};
		List<Roi> rois = roi == null ? List.of() : List.of(roi);
		if (roi != null) roi.setName("cells");
		String[] expect = switch (row) {
			case "empty" -> new String[] { "'cells'", "is empty", "covers no pixel" };
			case "outside" -> new String[] { "'cells'", "outside the 30 x 20 image" };
			case "line" -> new String[] { "'cells'", "covers no area", "area selection" };
			case "point" -> new String[] { "'cells'", "covers no area" };
			default -> new String[] { "no regions" };
		};
		var req = new RegionStyleRunner.Request(TINY, "cells:alpha", "keep", 2, null, Engines.DeviceChoice.CPU);
		refusedInProcess(IllegalArgumentException.class, imp, () -> RegionStyleRunner.apply(imp, rois, req, Progress.NONE), expect);
		if (roi != null && !row.equals("empty")) {
			// Gatys regions and the headless door (a RoiSet file) say the same
			refusedInProcess(IllegalArgumentException.class, imp, () -> GatysRunner.apply(imp, List.of(rgb(16, 16, 1)), List.of(roi),
				new GatysRunner.Request("offline", null, false, gatysRequest("offline", 1, 32, 1).settings(), null, "cells:1", false, 0,
					Engines.DeviceChoice.CPU), Progress.NONE, null, line -> {}), expect);
			Path set = roiSet(roi, "cells");
			Path in = tmp.resolve("roi-input.png");
			new FileSaver(imp).saveAsPng(in.toString());
			refused(() -> Headless.stylizeRegions("input=[" + in + "] model=[" + TINY + "] rois=[" + set + "] styles=cells:alpha output=["
				+ tmp.resolve("r.png") + "]"), List.of(tmp), expect);
		}
	}

	/** Corrupted RoiSets and hostile entry names: refused or read in memory only; nothing is written anywhere. */
	@Test
	void corruptedAndHostileRoiSets() throws Exception {
		Path in = inputPng();
		Path garbage = tmp.resolve("RoiSet.zip");
		Files.writeString(garbage, "not a zip");
		refused(() -> Headless.stylizeRegions("input=[" + in + "] model=[" + TINY + "] rois=[" + garbage + "] output=[" + tmp.resolve("r.png")
			+ "]"), List.of(tmp), "RoiSet.zip", "no .roi entries");
		Path badRoi = tmp.resolve("bad.zip");
		zip(badRoi, Map.of("cells.roi", "Iout but not really".getBytes(StandardCharsets.UTF_8)));
		refused(() -> Headless.stylizeRegions("input=[" + in + "] model=[" + TINY + "] rois=[" + badRoi + "] output=[" + tmp.resolve("r.png")
			+ "]"), List.of(tmp), "bad.zip: cells.roi", "not a valid ImageJ ROI");
		// '..' and absolute entry names are only names: the RoiSet is read in memory, never extracted
		Roi r = new Roi(2, 2, 8, 8);
		ByteArrayOutputStream enc = new ByteArrayOutputStream();
		DataOutputStream d = new DataOutputStream(enc);
		new RoiEncoder(d).write(r);
		d.flush();
		Path hostile = tmp.resolve("hostile.zip");
		Map<String, byte[]> entries = new LinkedHashMap<>();
		entries.put("../../alpha.roi", enc.toByteArray());
		entries.put("/tmp/beta-" + ProcessHandle.current().pid() + ".roi", enc.toByteArray());
		zip(hostile, entries);
		Map<String, String> before = snapshot(tmp);
		Path out = tmp.resolve("r.png");
		String msg = Headless.stylizeRegions("input=[" + in + "] model=[" + TINY + "] rois=[" + hostile + "] styles=[alpha:alpha,beta-"
			+ ProcessHandle.current().pid() + ":beta] output=[" + out + "]");
		assertTrue(msg.startsWith("Wrote") && msg.contains("2 region(s)"), msg);
		Map<String, String> after = snapshot(tmp);
		after.remove("r.png");
		assertEquals(before, after, "only the result was written");
		assertFalse(Files.exists(tmp.getParent().getParent().resolve("alpha.roi")));
		assertFalse(Files.exists(Path.of("/tmp/beta-" + ProcessHandle.current().pid() + ".roi")));
	}
}
