package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.gui.OvalRoi;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.io.FileSaver;
import ij.io.RoiEncoder;
import ij.process.ColorProcessor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.TestFiles;
import org.scijava.Context;
import org.scijava.command.Command;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every function through its three doors: the ImageJ 1.x plugin (macro options, as a macro or
 * a recorded line runs it), the SciJava command and the headless entry point. The same options
 * give bit-identical results; the same misspelt key and the same bad value give the same message
 * at every door, and nothing is written.
 */
class DoorParityTest {

	@TempDir
	Path tmp;

	static final String TINY = "[" + TestFiles.tinyModel() + "]";

	@AfterEach
	void clear() {
		Macro.setOptions(null);
		WindowManager.setTempCurrentImage(null);
	}

	static ImagePlus sample(long seed, int w, int h) {
		Random r = new Random(seed);
		int[] px = new int[w * h];
		for (int i = 0; i < px.length; i++) px[i] = 0xff000000 | r.nextInt(1 << 24);
		return new ImagePlus("sample", new ColorProcessor(w, h, px));
	}

	/** The image as the headless door will read it: written as PNG and read back, so that all three doors see the same pixels. */
	Path png(String name, ImagePlus imp) {
		Path p = tmp.resolve(name + ".png");
		new FileSaver(imp).saveAsPng(p.toString());
		return p;
	}

	/** Runs an ImageJ 1.x plugin with macro options on the current image; returns the image it showed (or null) and what it printed. */
	record Ij1(ImagePlus shown, String console) {}

	static Ij1 ij1(ImagePlus current, String options, Runnable plugin) {
		WindowManager.setTempCurrentImage(current);
		String console = BadInputMatrixTest.capture(() -> {
			Thread.currentThread().setName("Run$_doorParity");
			Macro.setOptions(options);
			try {
				plugin.run();
			}
			catch (RuntimeException e) {
				assertEquals(Macro.MACRO_CANCELED, e.getMessage(), "only the macro abort may escape");
			}
			finally {
				Macro.setOptions(null);
			}
			return "";
		}).console();
		ImagePlus shown = WindowManager.getCurrentImage();
		WindowManager.setTempCurrentImage(null);
		return new Ij1(shown == current ? null : shown, console);
	}

	static CommandModule scijava(Class<? extends Command> c, Object... inputs) throws Exception {
		try (Context context = new Context(CommandService.class)) {
			return context.service(CommandService.class).run(c, true, inputs).get();
		}
	}

	static int[] pixels(ImagePlus imp) {
		return (int[]) imp.getProcessor().convertToRGB().getPixels();
	}

	/** The message of a refusal: the headless "Error: " line without its prefix. */
	static String headlessError(String line) {
		assertTrue(line.startsWith("Error: "), line);
		return line.substring(7);
	}

	/** Checks that every door refused with the same message (the same first sentence for unknown keys, whose lists name each door's own keys). */
	static void sameRefusal(String headless, CommandModule scijava, Ij1 ij1, String expected) {
		String h = headlessError(headless);
		assertTrue(h.contains(expected), h);
		assertTrue(scijava.isCanceled(), "the SciJava door refused");
		String s = scijava.getCancelReason();
		String key = h.contains("Known arguments") ? h.substring(0, h.indexOf("Known arguments")) : h;
		assertTrue(s.startsWith(key), "SciJava: " + s + " / headless: " + h);
		assertTrue(ij1.console().contains(key), "ImageJ 1.x: " + ij1.console() + " / headless: " + h);
		assertEquals(null, ij1.shown(), "no result image");
	}

	static void nothingIn(Path dir) throws Exception {
		try (var files = Files.list(dir)) {
			List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".png") || n.startsWith(".")).toList();
			assertEquals(List.of(), names.stream().filter(n -> n.startsWith("out")).toList(), "nothing written");
		}
	}

	@Test
	void applyStyleBankStyle() throws Exception {
		ImagePlus imp = IJ.openImage(png("in", sample(3, 31, 22)).toString());
		Path out = tmp.resolve("out.png");
		String opts = "model=" + TINY + " style=alpha mix=[alpha:0.25,beta:0.75] device=cpu";
		Ij1 a = ij1(imp, opts, () -> new ApplyStyleBankPlugin().run(""));
		CommandModule b = scijava(ApplyStyleBankCommand.class, "image", imp, "model", TestFiles.tinyModel().toFile(), "style", "alpha",
			"device", "cpu", "options", "mix=[alpha:0.25,beta:0.75]");
		String c = Headless.stylize("input=[" + tmp.resolve("in.png") + "] output=[" + out + "] " + opts);
		assertTrue(c.startsWith("Wrote"), c);
		assertNotNull(a.shown(), a.console());
		int[] expected = pixels(IJ.openImage(out.toString()));
		assertArrayEquals(expected, pixels(a.shown()), "ImageJ 1.x door");
		assertArrayEquals(expected, pixels((ImagePlus) b.getOutput("result")), "SciJava door");

		Files.delete(out);
		String typo = "model=" + TINY + " style=alpha devise=cpu";
		sameRefusal(Headless.stylize("input=[" + tmp.resolve("in.png") + "] output=[" + out + "] " + typo),
			scijava(ApplyStyleBankCommand.class, "image", imp, "model", TestFiles.tinyModel().toFile(), "style", "alpha", "options", "devise=cpu"),
			ij1(imp, typo, () -> new ApplyStyleBankPlugin().run("")), "unknown argument 'devise'. Did you mean 'device'?");
		String bad = "model=" + TINY + " style=alpha device=tpu";
		sameRefusal(Headless.stylize("input=[" + tmp.resolve("in.png") + "] output=[" + out + "] " + bad),
			scijava(ApplyStyleBankCommand.class, "image", imp, "model", TestFiles.tinyModel().toFile(), "style", "alpha", "device", "tpu"),
			ij1(imp, bad, () -> new ApplyStyleBankPlugin().run("")), "device must be auto, cpu or gpu, got 'tpu'");
		nothingIn(tmp);
	}

	/** The shipped default model loads and stylizes in every door, each of its styles, with the same pixels. */
	@Test
	void theDefaultModelInEveryDoor() throws Exception {
		ImagePlus imp = IJ.openImage(png("in", sample(5, 40, 28)).toString());
		for (String style : new String[] { "starry_night", "the_scream", "great_wave" }) {
			Path out = tmp.resolve("out-" + style + ".png");
			Ij1 a = ij1(imp, "model=default style=" + style + " mix=[] device=cpu", () -> new ApplyStyleBankPlugin().run(""));
			CommandModule b = scijava(ApplyStyleBankCommand.class, "image", imp, "style", style, "device", "cpu");
			String c = Headless.stylize("input=[" + tmp.resolve("in.png") + "] output=[" + out + "] style=" + style + " device=cpu");
			assertTrue(c.startsWith("Wrote"), c);
			int[] expected = pixels(IJ.openImage(out.toString()));
			assertArrayEquals(expected, pixels(a.shown()), style + ": ImageJ 1.x door");
			assertArrayEquals(expected, pixels((ImagePlus) b.getOutput("result")), style + ": SciJava door");
			assertTrue(!java.util.Arrays.equals(expected, pixels(imp)), style + ": the image is changed");
		}
	}

	@Test
	void applyStylesToRegions() throws Exception {
		ImagePlus imp = IJ.openImage(png("in", sample(4, 30, 24)).toString());
		Roi roi = new OvalRoi(4, 3, 17, 14);
		roi.setName("cells");
		imp.setOverlay(new Overlay(roi));
		Path rois = tmp.resolve("RoiSet.zip");
		try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(rois))) {
			zip.putNextEntry(new ZipEntry("cells.roi"));
			zip.write(RoiEncoder.saveAsByteArray(roi));
			zip.closeEntry();
		}
		Path out = tmp.resolve("out.png");
		String opts = "model=" + TINY + " styles=[cells:alpha] outside=beta feather=2 fusion=paper device=cpu";
		Ij1 a = ij1(imp, "regions=overlay " + opts, () -> new ApplyRegionStylesPlugin().run(""));
		CommandModule b = scijava(ApplyRegionStylesCommand.class, "image", imp, "model", TestFiles.tinyModel().toFile(), "regions", "overlay",
			"styles", "cells:alpha", "outside", "beta", "feather", 2.0, "fusion", "paper", "device", "cpu");
		String c = Headless.stylizeRegions("input=[" + tmp.resolve("in.png") + "] rois=[" + rois + "] output=[" + out + "] " + opts);
		assertTrue(c.startsWith("Wrote"), c);
		int[] expected = pixels(IJ.openImage(out.toString()));
		assertArrayEquals(expected, pixels(a.shown()), "ImageJ 1.x door");
		assertArrayEquals(expected, pixels((ImagePlus) b.getOutput("result")), "SciJava door");

		Files.delete(out);
		sameRefusal(Headless.stylizeRegions("input=[" + tmp.resolve("in.png") + "] rois=[" + rois + "] output=[" + out + "] " + opts + " feathr=3"),
			scijava(ApplyRegionStylesCommand.class, "image", imp, "model", TestFiles.tinyModel().toFile(), "regions", "overlay", "styles",
				"cells:alpha", "options", "feathr=3"),
			ij1(imp, "regions=overlay " + opts + " feathr=3", () -> new ApplyRegionStylesPlugin().run("")),
			"unknown argument 'feathr'. Did you mean 'feather'?");
		String bad = "model=" + TINY + " styles=[cells:alpha] feather=-1 device=cpu";
		sameRefusal(Headless.stylizeRegions("input=[" + tmp.resolve("in.png") + "] rois=[" + rois + "] output=[" + out + "] " + bad),
			scijava(ApplyRegionStylesCommand.class, "image", imp, "model", TestFiles.tinyModel().toFile(), "regions", "overlay", "styles",
				"cells:alpha", "feather", -1.0),
			ij1(imp, "regions=overlay " + bad, () -> new ApplyRegionStylesPlugin().run("")), "feather must be between 0 and 1000 pixels");
		nothingIn(tmp);
	}

	@Test
	void gatysStyleTransfer() throws Exception {
		ImagePlus content = IJ.openImage(png("content", sample(5, 26, 20)).toString());
		Path stylePath = png("paint", sample(6, 20, 20));
		ImagePlus style = IJ.openImage(stylePath.toString());
		Path out = tmp.resolve("out.png");
		String opts = "network=offline size=24 iterations=2 seed=3 init=blend device=cpu";
		Ij1 a = ij1(content, "style=[" + stylePath + "] " + opts, () -> new GatysPlugin().run(""));
		CommandModule b = scijava(GatysCommand.class, "image", content, "style", style, "iterations", 2, "size", 24, "network", "offline",
			"device", "cpu", "options", "seed=3 init=blend");
		String c = Headless.gatys("input=[" + tmp.resolve("content.png") + "] style=[" + stylePath + "] output=[" + out + "] " + opts);
		assertTrue(c.startsWith("Wrote"), c);
		int[] expected = pixels(IJ.openImage(out.toString()));
		assertArrayEquals(expected, pixels(a.shown()), "ImageJ 1.x door");
		assertArrayEquals(expected, pixels((ImagePlus) b.getOutput("result")), "SciJava door");

		Files.delete(out);
		sameRefusal(Headless.gatys("input=[" + tmp.resolve("content.png") + "] style=[" + stylePath + "] output=[" + out + "] " + opts
			+ " iteratons=500"),
			scijava(GatysCommand.class, "image", content, "style", style, "network", "offline", "options", "iteratons=500"),
			ij1(content, "style=[" + stylePath + "] " + opts + " iteratons=500", () -> new GatysPlugin().run("")),
			"unknown argument 'iteratons'. Did you mean 'iterations'?");
		sameRefusal(Headless.gatys("input=[" + tmp.resolve("content.png") + "] style=[" + stylePath + "] output=[" + out
			+ "] network=offline colour=purple"),
			scijava(GatysCommand.class, "image", content, "style", style, "network", "offline", "options", "colour=purple"),
			ij1(content, "style=[" + stylePath + "] network=offline colour=purple", () -> new GatysPlugin().run("")),
			"colour must be one of none, luminance, match");
		nothingIn(tmp);
	}

	/** Folders of a few random images for training. */
	Path trainingData() throws Exception {
		Path data = tmp.resolve("data");
		Files.createDirectories(data.resolve("content"));
		Files.createDirectories(data.resolve("styles"));
		for (int i = 0; i < 2; i++) new FileSaver(sample(10 + i, 40, 36)).saveAsPng(data.resolve("content/c" + i + ".png").toString());
		new FileSaver(sample(20, 32, 32)).saveAsPng(data.resolve("styles/waves.png").toString());
		return data;
	}

	static final String SMALL = "iterations=2 size=32 batch=1";
	static final String MORE = "channels=4,8,8 network=offline seed=1 deterministic=true";

	@Test
	void trainAModel() throws Exception {
		Path data = trainingData();
		String folders = "content=[" + data.resolve("content") + "] styles=[" + data.resolve("styles") + "]";
		Path[] outs = { tmp.resolve("a.stylebank"), tmp.resolve("b.stylebank"), tmp.resolve("c.stylebank") };
		Ij1 a = ij1(null, folders + " output=[" + outs[0] + "] " + SMALL + " more=[" + MORE + "]", () -> new TrainingPlugins().run("train"));
		CommandModule b = scijava(TrainCommand.class, "content", data.resolve("content").toFile(), "styles", data.resolve("styles").toFile(),
			"output", outs[1].toFile(), "options", SMALL + " " + MORE);
		String c = Headless.train(folders + " output=[" + outs[2] + "] " + SMALL + " " + MORE);
		assertTrue(c.startsWith("Wrote model"), c);
		assertTrue(Files.exists(outs[0].resolve("model.json")), a.console());
		assertEquals(null, b.getCancelReason());
		for (String f : new String[] { "autoencoder.safetensors", "banks/waves.safetensors" }) {
			byte[] expected = Files.readAllBytes(outs[2].resolve(f));
			assertArrayEquals(expected, Files.readAllBytes(outs[0].resolve(f)), "ImageJ 1.x door: " + f);
			assertArrayEquals(expected, Files.readAllBytes(outs[1].resolve(f)), "SciJava door: " + f);
		}

		Path out = tmp.resolve("out.stylebank");
		sameRefusal(Headless.train(folders + " output=[" + out + "] " + SMALL + " lerning_rate=0.1"),
			scijava(TrainCommand.class, "content", data.resolve("content").toFile(), "styles", data.resolve("styles").toFile(),
				"output", out.toFile(), "options", SMALL + " lerning_rate=0.1"),
			ij1(null, folders + " output=[" + out + "] " + SMALL + " more=[lerning_rate=0.1]", () -> new TrainingPlugins().run("train")),
			"unknown argument 'lerning_rate'");
		sameRefusal(Headless.train(folders + " output=[" + out + "] " + SMALL + " channels=4,x,8"),
			scijava(TrainCommand.class, "content", data.resolve("content").toFile(), "styles", data.resolve("styles").toFile(),
				"output", out.toFile(), "options", SMALL + " channels=4,x,8"),
			ij1(null, folders + " output=[" + out + "] " + SMALL + " more=[channels=4,x,8]", () -> new TrainingPlugins().run("train")),
			"channels must be three whole numbers");
		assertTrue(Files.notExists(out) && Files.notExists(Path.of(out + ".checkpoint")), "nothing written");
	}

	@Test
	void learnAStyleAndManageTheLibrary() throws Exception {
		Path data = trainingData();
		List<Path> models = new ArrayList<>();
		for (String n : new String[] { "a", "b", "c" }) {
			Path m = tmp.resolve(n + ".stylebank");
			org.neuralstyle.stylebank.StyleBankModel.load(TestFiles.tinyModel()).save(m);
			models.add(m);
		}
		String rest = " style=[" + data.resolve("styles/waves.png") + "] id=w2 content=[" + data.resolve("content") + "] " + SMALL;
		Ij1 a = ij1(null, "model=[" + models.get(0) + "]" + rest + " more=[" + MORE + "]", () -> new TrainingPlugins().run("learn"));
		CommandModule b = scijava(LearnStyleCommand.class, "model", models.get(1).toFile(), "style", data.resolve("styles/waves.png").toFile(),
			"id", "w2", "content", data.resolve("content").toFile(), "options", SMALL + " " + MORE);
		String c = Headless.learnStyle("model=[" + models.get(2) + "]" + rest + " " + MORE);
		assertTrue(c.startsWith("Added style"), c);
		assertEquals(null, b.getCancelReason());
		byte[] expected = Files.readAllBytes(models.get(2).resolve("banks/w2.safetensors"));
		assertArrayEquals(expected, Files.readAllBytes(models.get(0).resolve("banks/w2.safetensors")), "ImageJ 1.x door: " + a.console());
		assertArrayEquals(expected, Files.readAllBytes(models.get(1).resolve("banks/w2.safetensors")), "SciJava door");

		Path[] files = { tmp.resolve("a.stylebank-style.safetensors"), tmp.resolve("b.stylebank-style.safetensors"),
			tmp.resolve("c.stylebank-style.safetensors") };
		ij1(null, "model=[" + models.get(0) + "] action=export style=w2 file=[" + files[0] + "]", () -> new TrainingPlugins().run("styles"));
		scijava(ManageStylesCommand.class, "model", models.get(1).toFile(), "action", "export", "style", "w2", "file", files[1].toFile());
		String e = Headless.manageStyles("model=[" + models.get(2) + "] action=export style=w2 file=[" + files[2] + "]");
		assertTrue(e.startsWith("Exported"), e);
		assertArrayEquals(Files.readAllBytes(files[2]), Files.readAllBytes(files[0]), "ImageJ 1.x door");
		assertArrayEquals(Files.readAllBytes(files[2]), Files.readAllBytes(files[1]), "SciJava door");

		Path none = tmp.resolve("none.stylebank-style.safetensors");
		String m = "model=[" + models.get(2) + "] action=export";
		sameRefusal(Headless.manageStyles(m + " style=w2 fil=[" + none + "]"),
			scijava(ManageStylesCommand.class, "model", models.get(2).toFile(), "action", "export", "style", "w2", "options", "fil=[" + none + "]"),
			ij1(null, m + " style=w2 fil=[" + none + "]", () -> new TrainingPlugins().run("styles")), "unknown argument 'fil'. Did you mean 'file'?");
		sameRefusal(Headless.manageStyles(m + " style=nope file=[" + none + "]"),
			scijava(ManageStylesCommand.class, "model", models.get(2).toFile(), "action", "export", "style", "nope", "file", none.toFile()),
			ij1(null, m + " style=nope file=[" + none + "]", () -> new TrainingPlugins().run("styles")), "Available styles");
		assertTrue(Files.notExists(none), "nothing written");
	}

	@Test
	void importPyTorchStyleBank() throws Exception {
		Path src = TestFiles.resource("torchfile/whole_zip.pth");
		Path[] out = { tmp.resolve("a.stylebank"), tmp.resolve("b.stylebank"), tmp.resolve("c.stylebank") };
		String opts = "source=[" + src + "] name=imported output=";
		Ij1 a = ij1(null, opts + "[" + out[0] + "]", () -> new ImportStyleBankPlugin().run(""));
		CommandModule b = scijava(ImportStyleBankCommand.class, "source", src.toFile(), "output", out[1].toFile(), "name", "imported");
		String c = Headless.importStyleBank(opts + "[" + out[2] + "]");
		assertTrue(c.startsWith("Imported one state dict"), c);
		assertEquals(null, b.getCancelReason());
		for (String f : List.of("model.json", "autoencoder.safetensors", "banks/0.safetensors", "banks/1.safetensors")) {
			byte[] expected = Files.readAllBytes(out[2].resolve(f));
			assertArrayEquals(expected, Files.readAllBytes(out[0].resolve(f)), "ImageJ 1.x door: " + f + " " + a.console());
			assertArrayEquals(expected, Files.readAllBytes(out[1].resolve(f)), "SciJava door: " + f);
		}

		Path hostile = TestFiles.resource("torchfile/hostile/posix_system.pth");
		Path none = tmp.resolve("none.stylebank");
		String h = "source=[" + hostile + "] output=[" + none + "]";
		sameRefusal(Headless.importStyleBank(h), scijava(ImportStyleBankCommand.class, "source", hostile.toFile(), "output", none.toFile()),
			ij1(null, h, () -> new ImportStyleBankPlugin().run("")), "refuses posix.system: this file holds code, not only weights");
		sameRefusal(Headless.importStyleBank("sorce=[" + src + "] output=[" + none + "]"),
			scijava(ImportStyleBankCommand.class, "source", src.toFile(), "output", none.toFile(), "options", "sorce=x"),
			ij1(null, "sorce=[" + src + "] output=[" + none + "]", () -> new ImportStyleBankPlugin().run("")),
			"unknown argument 'sorce'. Did you mean 'source'?");
		sameRefusal(Headless.importStyleBank("source=[" + src + "] output=[" + out[0] + "]"),
			scijava(ImportStyleBankCommand.class, "source", src.toFile(), "output", out[0].toFile()),
			ij1(null, "source=[" + src + "] output=[" + out[0] + "]", () -> new ImportStyleBankPlugin().run("")), "already exists");
		assertTrue(Files.notExists(none), "nothing written");
		try (var files = Files.list(tmp)) {
			assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList(), "no temporary files left");
		}
	}
}
