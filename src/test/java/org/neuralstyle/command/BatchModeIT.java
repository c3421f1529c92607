package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ColorProcessor;
import ij.process.ShortProcessor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.Progress;
import org.neuralstyle.TestFiles;
import org.neuralstyle.imagej.StyleBankRunner;
import org.neuralstyle.nn.Engines;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged plugin in the real ImageJ 1.x layout of target/imagej, run as a user runs it:
 * {@code java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch macros/stylize.ijm "..."}
 * from the repository root, in a separate JVM whose plugin class loader loads DJL.
 */
class BatchModeIT {

	@TempDir
	Path tmp;

	record Result(int exit, String out, String err) {}

	static Result imagej(String macro, String args) throws IOException, InterruptedException {
		Path imagej = Path.of(System.getProperty("imagej.dir", "target/imagej"));
		List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
			"-Dplugins.dir=" + imagej, "-Dneuralstyle.models=" + System.getProperty("neuralstyle.models", "target/test-models"), "-jar", imagej.resolve("ij.jar").toString(), "-batch", macro, args));
		ProcessBuilder pb = new ProcessBuilder(cmd);
		pb.environment().remove("DISPLAY");
		Path out = Files.createTempFile("ij-out", ".txt"), err = Files.createTempFile("ij-err", ".txt");
		pb.redirectOutput(out.toFile()).redirectError(err.toFile());
		Process p = pb.start();
		// a guard against a hang, not a speed limit: generous enough for a machine loaded several times over
		if (!p.waitFor(15, TimeUnit.MINUTES)) {
			p.destroyForcibly();
			throw new AssertionError("ImageJ did not finish in 15 minutes: " + cmd);
		}
		Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
		Files.delete(out);
		Files.delete(err);
		return r;
	}

	static ImagePlus sample(int w, int h) {
		Random r = new Random(9);
		int[] px = new int[w * h];
		for (int i = 0; i < px.length; i++) px[i] = 0xff000000 | r.nextInt(1 << 24);
		return new ImagePlus("sample", new ColorProcessor(w, h, px));
	}

	@Test
	void stylizesAPngLikeTheInProcessEngine() throws Exception {
		Path in = tmp.resolve("in.png");
		new FileSaver(sample(45, 31)).saveAsPng(in.toString());
		Path out = tmp.resolve("out.png");
		Result r = imagej("macros/stylize.ijm", "input=" + in + " model=" + TestFiles.tinyModel() + " style=alpha output=" + out);
		assertEquals(0, r.exit(), r.err());
		assertTrue(r.out().contains("Wrote"), r.out());
		ImagePlus written = IJ.openImage(out.toString());
		ImagePlus expected = StyleBankRunner.apply(IJ.openImage(in.toString()),
			new StyleBankRunner.Request(TestFiles.tinyModel(), "alpha", Engines.DeviceChoice.CPU), Progress.NONE);
		assertArrayEquals((int[]) expected.getProcessor().getPixels(), (int[]) written.getProcessor().getPixels());
	}

	@Test
	void aFolderWithACorruptFileExitsNonZeroAndARunWithoutFailuresZero() throws Exception {
		Collection c = Collection.make(tmp);
		String args = "input=" + c.input() + " output=" + c.output() + " model=" + TestFiles.tinyModel() + " style=alpha device=cpu";
		Result r = imagej("macros/stylize_folder.ijm", args);
		assertNotEquals(0, r.exit(), r.out() + r.err());
		assertTrue(r.err().contains("Error: 1 file(s) failed: 2 written, 1 skipped"), r.err());
		c.checkFirstRun();
		Files.delete(c.input().resolve("c.tif"));
		Files.delete(c.output().resolve("b.tif"));
		r = imagej("macros/stylize_folder.ijm", args);
		assertEquals(0, r.exit(), r.err());
		assertTrue(r.out().contains("Stylized folder: 1 written, 2 skipped"), r.out());
	}

	@Test
	void stacksGoToTiffAndZippedModelsWork() throws Exception {
		ImageStack st = new ImageStack(20, 13);
		for (int i = 0; i < 3; i++) {
			ShortProcessor sp = new ShortProcessor(20, 13);
			for (int p = 0; p < 20 * 13; p++) sp.set(p, 100 * i + p);
			st.addSlice(sp);
		}
		ImagePlus stack = new ImagePlus("stack", st);
		stack.getCalibration().pixelWidth = 0.5;
		Path in = tmp.resolve("stack.tif");
		new FileSaver(stack).saveAsTiffStack(in.toString());
		Path zip = tmp.resolve("tiny.stylebank.zip");
		org.neuralstyle.stylebank.StyleBankModel.load(TestFiles.tinyModel()).save(zip);
		Path out = tmp.resolve("styled stack.tif");
		Result r = imagej("macros/stylize.ijm", "input=" + in + " model=" + zip + " style=[alpha:1,beta:1] output=[" + out + "]");
		assertEquals(0, r.exit(), r.err());
		ImagePlus written = IJ.openImage(out.toString());
		assertEquals(3, written.getStackSize());
		assertEquals(ImagePlus.COLOR_RGB, written.getType());
		assertEquals(0.5, written.getCalibration().pixelWidth);
	}

	@Test
	void regionsFromARoiSetLikeTheInProcessEngine() throws Exception {
		Path in = tmp.resolve("in.png");
		new FileSaver(sample(60, 40)).saveAsPng(in.toString());
		ij.gui.Roi a = new ij.gui.OvalRoi(5, 5, 25, 20);
		a.setName("cells");
		ij.gui.Roi b = new ij.gui.Roi(28, 10, 30, 25);
		b.setName("alpha");
		Path set = tmp.resolve("RoiSet.zip");
		try (var os = Files.newOutputStream(set); var zip = new java.util.zip.ZipOutputStream(os)) {
			for (ij.gui.Roi r : new ij.gui.Roi[] { a, b }) {
				zip.putNextEntry(new java.util.zip.ZipEntry(r.getName() + ".roi"));
				var out = new java.io.DataOutputStream(zip);
				new ij.io.RoiEncoder(out).write(r);
				out.flush();
			}
		}
		Path out = tmp.resolve("regions.png");
		Result r = imagej("macros/stylize_regions.ijm", "input=" + in + " model=" + TestFiles.tinyModel() + " rois=" + set
			+ " styles=[cells:beta*0.3+alpha*0.7] outside=reconstruct feather=3 fusion=paper output=" + out);
		assertEquals(0, r.exit(), r.err());
		assertTrue(r.out().contains("2 region(s)"), r.out());
		ImagePlus expected = org.neuralstyle.imagej.RegionStyleRunner.apply(IJ.openImage(in.toString()), List.of(a, b),
			new org.neuralstyle.imagej.RegionStyleRunner.Request(TestFiles.tinyModel(), "cells:beta*0.3+alpha*0.7", "reconstruct", 3,
				org.neuralstyle.stylebank.StyleBankNetwork.Fusion.PAPER, Engines.DeviceChoice.CPU), Progress.NONE);
		assertArrayEquals((int[]) expected.getProcessor().getPixels(), (int[]) IJ.openImage(out.toString()).getProcessor().getPixels());

		Result bad = imagej("macros/stylize_regions.ijm", "input=" + in + " model=" + TestFiles.tinyModel() + " rois=" + set
			+ " output=" + tmp.resolve("never.png"));
		assertNotEquals(0, bad.exit());
		assertTrue(bad.err().contains("'cells'") && bad.err().contains("Available styles"), bad.err());
		Result noRois = imagej("macros/stylize_regions.ijm", "input=" + in + " model=" + TestFiles.tinyModel() + " rois=" + in
			+ " output=" + tmp.resolve("never.png"));
		assertNotEquals(0, noRois.exit());
		assertTrue(noRois.err().contains(".roi or a RoiSet .zip"), noRois.err());
		assertFalse(Files.exists(tmp.resolve("never.png")));
	}

	@Test
	void gatysHeadlessAndTheDemo() throws Exception {
		Path in = tmp.resolve("in.png");
		new FileSaver(sample(40, 30)).saveAsPng(in.toString());
		Path out = tmp.resolve("gatys.png");
		Result r = imagej("macros/gatys.ijm", "input=" + in + " style=src/test/resources/samples/starry_night.jpg output=" + out
			+ " network=offline size=32 iterations=3");
		assertEquals(0, r.exit(), r.err());
		assertEquals(32, IJ.openImage(out.toString()).getWidth());
		Result bad = imagej("macros/gatys.ijm", "input=" + in + " style=src/test/resources/samples/starry_night.jpg output="
			+ tmp.resolve("never.png") + " network=vgg16");
		assertNotEquals(0, bad.exit());
		assertTrue(bad.err().contains("vgg16 weights are not installed") && bad.err().contains("huggingface.co"), bad.err());
		assertFalse(Files.exists(tmp.resolve("never.png")));

		Result demo = imagej("macros/demo.ijm", "iterations=10"); // the README's demo, shorter
		assertEquals(0, demo.exit(), demo.err());
		for (String f : new String[] { "target/demo/chelsea-gatys.png", "target/demo/chelsea-gatys-regions.png" }) {
			assertEquals(256, IJ.openImage(f).getWidth(), f);
		}
		for (String f : new String[] { "starry_night", "the_scream", "great_wave", "regions" }) {
			assertEquals(451, IJ.openImage("target/demo/chelsea-default-" + f + ".png").getWidth(), f);
		}
	}

	@Test
	void trainLearnAndManageStylesHeadless() throws Exception {
		Path content = tmp.resolve("content"), styles = tmp.resolve("styles");
		Files.createDirectories(content);
		Files.createDirectories(styles);
		for (int i = 0; i < 2; i++) new FileSaver(sample(72, 64)).saveAsPng(content.resolve("c" + i + ".png").toString());
		Files.copy(Path.of("src/test/resources/samples/starry_night.jpg"), styles.resolve("Starry Night.jpg"));
		Files.copy(Path.of("src/test/resources/samples/great_wave.jpg"), styles.resolve("great_wave.jpg"));
		Path model = tmp.resolve("mine.stylebank");
		String small = " channels=4,8,8 size=32 batch=2 network=offline seed=1";
		Result r = imagej("macros/train.ijm", "content=" + content + " styles=" + styles + " output=" + model + " iterations=6 checkpoint_every=3"
			+ small);
		assertEquals(0, r.exit(), r.err());
		assertTrue(r.out().contains("2 styles, 6 iterations"), r.out());
		assertTrue(Files.exists(model.resolve("thumbnails/starry-night.png")));
		assertTrue(Files.exists(tmp.resolve("mine.stylebank.checkpoint/checkpoint.json")));
		assertTrue(Files.readString(model.resolve("model.json")).contains("\"source\": \"Starry Night.jpg\""));

		byte[] ae = Files.readAllBytes(model.resolve("autoencoder.safetensors"));
		r = imagej("macros/learn_style.ijm", "model=" + model + " style=" + styles.resolve("great_wave.jpg") + " id=wave2 content=" + content
			+ " iterations=4" + small);
		assertEquals(0, r.exit(), r.err());
		assertArrayEquals(ae, Files.readAllBytes(model.resolve("autoencoder.safetensors")), "the autoencoder file is untouched");

		r = imagej("macros/manage_styles.ijm", "model=" + model + " action=list");
		assertEquals(0, r.exit(), r.err());
		assertTrue(r.out().contains("3 style(s)") && r.out().contains("wave2"), r.out());
		Path shared = tmp.resolve("wave2.stylebank-style.safetensors");
		assertEquals(0, imagej("macros/manage_styles.ijm", "model=" + model + " action=export style=wave2 file=" + shared).exit());
		assertEquals(0, imagej("macros/manage_styles.ijm", "model=" + model + " action=remove style=wave2").exit());
		assertEquals(0, imagej("macros/manage_styles.ijm", "model=" + model + " action=import file=" + shared).exit());
		r = imagej("macros/manage_styles.ijm", "model=" + TestFiles.tinyModel() + " action=import file=" + shared + " output="
			+ tmp.resolve("never.stylebank"));
		assertNotEquals(0, r.exit());
		assertTrue(r.err().contains("another autoencoder"), r.err());
		r = imagej("macros/stylize.ijm", "input=" + content.resolve("c0.png") + " model=" + model + " style=wave2 output=" + tmp.resolve("w.png"));
		assertEquals(0, r.exit(), r.err());
	}

	@Test
	void withoutModelTheShippedDefaultModelIsUsed() throws Exception {
		Path in = tmp.resolve("in.png");
		new FileSaver(sample(50, 40)).saveAsPng(in.toString());
		Path out = tmp.resolve("default.png");
		Result r = imagej("macros/stylize.ijm", "input=" + in + " style=great_wave output=" + out);
		assertEquals(0, r.exit(), r.err());
		assertEquals(50, IJ.openImage(out.toString()).getWidth());
		Result bad = imagej("macros/stylize.ijm", "input=" + in + " style=nope output=" + out);
		assertTrue(bad.err().contains("starry_night") && bad.err().contains("the_scream"), bad.err());
	}

	@Test
	void theRegionDemoRuns() throws Exception {
		Result r = imagej("macros/demo_regions.ijm", "");
		assertEquals(0, r.exit(), r.err());
		for (String f : new String[] { "target/demo/chelsea-regions.png", "target/demo/chelsea-regions-paper.png" }) {
			ImagePlus img = IJ.openImage(f);
			assertEquals(451, img.getWidth(), f);
		}
	}

	@Test
	void badArgumentsExitNonZeroWithAClearMessage() throws Exception {
		Path in = tmp.resolve("in.png");
		new FileSaver(sample(16, 16)).saveAsPng(in.toString());
		Path out = tmp.resolve("never.png");
		String[][] cases = {
			{ "input=" + in + " model=" + TestFiles.tinyModel() + " style=gamma output=" + out, "Available styles: alpha" },
			{ "input=" + in + " model=" + tmp.resolve("missing.zip") + " style=alpha output=" + out, "model not found" },
			{ "input=" + in + " model=" + TestFiles.tinyModel() + " style=alpha", "missing argument 'output='" },
			{ "input=" + tmp.resolve("nope.png") + " model=" + TestFiles.tinyModel() + " style=alpha output=" + out, "input image not found" },
		};
		for (String[] c : cases) {
			Result r = imagej("macros/stylize.ijm", c[0]);
			assertNotEquals(0, r.exit(), c[0] + "\n" + r.out() + r.err());
			assertTrue(r.err().contains("Error: ") && r.err().contains(c[1]), c[0] + " -> " + r.err());
			assertFalse(r.err().contains("\tat "), "no stack trace for a user error: " + r.err());
		}
		assertFalse(Files.exists(out));
	}

	@Test
	void importsAPyTorchStyleBankAndUsesIt() throws Exception {
		Path model = tmp.resolve("imported.stylebank.zip");
		Result r = imagej("macros/import_stylebank.ijm", "source=" + TestFiles.resource("torchfile/split_zip") + " output=" + model);
		assertEquals(0, r.exit(), r.err());
		assertTrue(r.out().contains("Imported") && r.out().contains("2 style(s) (0, 1)"), r.out());
		Path in = tmp.resolve("in.png");
		new FileSaver(sample(24, 20)).saveAsPng(in.toString());
		r = imagej("macros/stylize.ijm", "input=" + in + " model=" + model + " style=1 output=" + tmp.resolve("s.png"));
		assertEquals(0, r.exit(), r.err());
		Path never = tmp.resolve("never.stylebank");
		Result bad = imagej("macros/import_stylebank.ijm", "source=" + TestFiles.resource("torchfile/hostile/posix_system.pth") + " output=" + never);
		assertNotEquals(0, bad.exit(), bad.out());
		assertTrue(bad.err().contains("Error: ") && bad.err().contains("refuses posix.system"), bad.err());
		assertFalse(Files.exists(never));
	}
}
