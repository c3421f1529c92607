package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.io.FileSaver;
import ij.WindowManager;
import ij.process.ColorProcessor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.Progress;
import org.neuralstyle.TestFiles;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.StyleBankRunner;
import org.neuralstyle.nn.Engines;
import org.scijava.Context;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SciJava command, the headless entry point and its argument parsing give the core's result. */
class DoorsTest {

	@TempDir
	Path tmp;

	static ImagePlus sample() {
		Random r = new Random(5);
		int[] px = new int[29 * 22];
		for (int i = 0; i < px.length; i++) px[i] = 0xff000000 | r.nextInt(1 << 24);
		return new ImagePlus("sample", new ColorProcessor(29, 22, px));
	}

	static int[] direct(ImagePlus imp, String style) throws Exception {
		return (int[]) StyleBankRunner.apply(imp, new StyleBankRunner.Request(TestFiles.tinyModel(), style,
			Engines.DeviceChoice.CPU), Progress.NONE).getProcessor().getPixels();
	}

	@Test
	void scijavaCommandThroughCommandService() throws Exception {
		ImagePlus imp = sample();
		try (Context context = new Context(CommandService.class)) {
			CommandModule module = context.service(CommandService.class).run(ApplyStyleBankCommand.class, true,
				"image", imp, "model", TestFiles.tinyModel().toFile(), "style", "alpha:0.5,beta:0.5", "device", "cpu").get();
			ImagePlus result = (ImagePlus) module.getOutput("result");
			assertNotNull(result);
			assertArrayEquals(direct(imp, "alpha:0.5,beta:0.5"), (int[]) result.getProcessor().getPixels());

			CommandModule bad = context.service(CommandService.class).run(ApplyStyleBankCommand.class, true,
				"image", imp, "model", TestFiles.tinyModel().toFile(), "style", "nope", "device", "cpu").get();
			assertTrue(bad.isCanceled());
			assertTrue(bad.getCancelReason().contains("Available styles"), bad.getCancelReason());
			assertEquals(null, bad.getOutput("result"));
		}
	}

	@Test
	void ij1PluginReadsMacroOptions() throws Exception {
		ImagePlus imp = sample();
		WindowManager.setTempCurrentImage(imp);
		try {
			// what IJ.run("Apply StyleBank Style", options) does once the menu label is resolved
			Thread.currentThread().setName("Run$_ij1PluginReadsMacroOptions");
			Macro.setOptions("model=[" + TestFiles.tinyModel() + "] style=beta device=cpu");
			new ApplyStyleBankPlugin().run("");
			ImagePlus shown = WindowManager.getCurrentImage();
			assertNotNull(shown);
			assertEquals("sample-beta", shown.getTitle());
			assertArrayEquals(direct(imp, "beta"), (int[]) shown.getProcessor().getPixels());
		}
		finally {
			Macro.setOptions(null);
			WindowManager.setTempCurrentImage(null);
		}
	}

	@Test
	void regionDoorsGiveTheRunnersResult() throws Exception {
		ImagePlus imp = sample();
		ij.gui.Roi roi = new ij.gui.OvalRoi(3, 3, 15, 12);
		roi.setName("cells");
		ij.gui.Overlay overlay = new ij.gui.Overlay(roi);
		imp.setOverlay(overlay);
		ImagePlus expected = org.neuralstyle.imagej.RegionStyleRunner.apply(imp, java.util.List.of(roi),
			new org.neuralstyle.imagej.RegionStyleRunner.Request(TestFiles.tinyModel(), "cells:alpha", "beta", 2,
				org.neuralstyle.stylebank.StyleBankNetwork.Fusion.REGION_AWARE, Engines.DeviceChoice.CPU), Progress.NONE);
		try (Context context = new Context(CommandService.class)) {
			CommandModule module = context.service(CommandService.class).run(ApplyRegionStylesCommand.class, true,
				"image", imp, "model", TestFiles.tinyModel().toFile(), "regions", "overlay", "styles", "cells:alpha",
				"outside", "beta", "feather", 2.0, "fusion", "region-aware", "device", "cpu").get();
			assertArrayEquals((int[]) expected.getProcessor().getPixels(),
				(int[]) ((ImagePlus) module.getOutput("result")).getProcessor().getPixels());
			CommandModule none = context.service(CommandService.class).run(ApplyRegionStylesCommand.class, true,
				"image", imp, "model", TestFiles.tinyModel().toFile(), "regions", "selection", "styles", "",
				"outside", "keep", "feather", 0.0, "fusion", "paper", "device", "cpu").get();
			assertTrue(none.isCanceled());
			assertTrue(none.getCancelReason().contains("selection is empty"), none.getCancelReason());
		}
		WindowManager.setTempCurrentImage(imp);
		try {
			Thread.currentThread().setName("Run$_regionDoors");
			Macro.setOptions("model=[" + TestFiles.tinyModel() + "] regions=overlay styles=cells:alpha outside=beta feather=2 "
				+ "fusion=region-aware device=cpu");
			new ApplyRegionStylesPlugin().run("");
			ImagePlus shown = WindowManager.getCurrentImage();
			assertEquals("sample-regions", shown.getTitle());
			assertArrayEquals((int[]) expected.getProcessor().getPixels(), (int[]) shown.getProcessor().getPixels());
		}
		finally {
			Macro.setOptions(null);
			WindowManager.setTempCurrentImage(null);
		}
	}

	@Test
	void gatysDoors() throws Exception {
		Path content = tmp.resolve("content.png");
		new FileSaver(sample()).saveAsPng(content.toString());
		ImagePlus styleImp = new ImagePlus("paint", new ColorProcessor(20, 20, sample().getProcessor().resize(20, 20).getPixels() instanceof int[] p
			? reversed(p) : null));
		Path style = tmp.resolve("paint.png");
		new FileSaver(styleImp).saveAsPng(style.toString());
		Path out = tmp.resolve("g.png");
		String msg = Headless.gatys("input=" + content + " style=" + style + " output=" + out
			+ " network=offline size=24 iterations=3 seed=2");
		String bad;
		assertTrue(msg.startsWith("Wrote") && msg.contains("3 iterations"), msg);
		assertEquals(24, IJ.openImage(out.toString()).getWidth());
		msg = Headless.gatys("input=" + content + " style=" + style + " output=" + out + " network=offline size=40 iterations=2 tile=32");
		assertTrue(msg.startsWith("Wrote") && msg.contains("tiles of 32 px (margin 16), 2 sweeps"), msg);
		assertEquals(40, IJ.openImage(out.toString()).getWidth());
		bad = Headless.gatys("input=" + content + " style=" + style + " output=" + out + " network=offline tile=10");
		assertTrue(bad.contains("tile must be 0 (automatic"), bad);
		bad = Headless.gatys("input=" + content + " style=" + style + " output=" + out + " network=vgg19");
		assertTrue(bad.startsWith("Error:") && bad.contains("huggingface.co") && bad.contains("download=true"), bad);
		bad = Headless.gatys("input=" + content + " style=" + style + " output=" + out + " colour=purple");
		assertTrue(bad.contains("colour must be one of none, luminance, match"), bad);
		bad = Headless.gatys("input=" + content + " style=" + style + " output=" + out + " network=random-vgg style_layers=relu9_1 iterations=1");
		assertTrue(bad.contains("unknown VGG layer 'relu9_1'"), bad);
		// the offline network names its own layers
		bad = Headless.gatys("input=" + content + " style=" + style + " output=" + out + " network=offline content_layers=relu4_2 iterations=1");
		assertTrue(bad.startsWith("Error:") && bad.contains("unknown layer 'relu4_2'") && bad.contains("scale1, scale2"), bad);

		ImagePlus imp = IJ.openImage(content.toString());
		ImagePlus st = IJ.openImage(style.toString());
		try (Context context = new Context(CommandService.class)) {
			CommandModule module = context.service(CommandService.class).run(GatysCommand.class, true,
				"image", imp, "style", st, "iterations", 2, "size", 20, "network", "offline", "options", "seed=2 colour=luminance").get();
			ImagePlus result = (ImagePlus) module.getOutput("result");
			assertEquals(20, result.getWidth());
			module = context.service(CommandService.class).run(GatysCommand.class, true,
				"image", imp, "style", st, "iterations", 2, "size", 40, "tile", 32, "network", "offline").get();
			result = (ImagePlus) module.getOutput("result");
			assertEquals(40, result.getWidth());
			assertTrue(String.valueOf(result.getProperty("Info")).contains("tiles of 32 px"), String.valueOf(result.getProperty("Info")));
		}
		WindowManager.setTempCurrentImage(imp);
		try {
			Thread.currentThread().setName("Run$_gatysDoors");
			// headless there are no image windows: style may also be a file
			Macro.setOptions("style=[" + style + "] network=offline size=40 iterations=2 seed=2 tile=32");
			new GatysPlugin().run("");
			ImagePlus shown = WindowManager.getCurrentImage();
			assertEquals("content-gatys", shown.getTitle());
			assertEquals(40, shown.getWidth());
			assertTrue(String.valueOf(shown.getProperty("Info")).contains("tiles of 32 px"), String.valueOf(shown.getProperty("Info")));
		}
		finally {
			Macro.setOptions(null);
			WindowManager.setTempCurrentImage(null);
		}
	}

	static int[] reversed(int[] p) {
		int[] r = new int[p.length];
		for (int i = 0; i < p.length; i++) r[i] = p[p.length - 1 - i];
		return r;
	}

	@Test
	void headlessStylizeWritesPngAndTiff() throws Exception {
		Path in = tmp.resolve("in.png");
		new FileSaver(sample()).saveAsPng(in.toString());
		Path out = tmp.resolve("out dir");
		Files.createDirectories(out);
		String msg = Headless.stylize("input=[" + in + "] model=[" + TestFiles.tinyModel() + "] style=alpha device=cpu output=["
			+ out.resolve("r.png") + "]");
		assertTrue(msg.startsWith("Wrote"), msg);
		ImagePlus png = IJ.openImage(out.resolve("r.png").toString());
		assertArrayEquals(direct(IJ.openImage(in.toString()), "alpha"), (int[]) png.getProcessor().getPixels());
		msg = Headless.stylize("input=[" + in + "] model=[" + TestFiles.tinyModel() + "] style=alpha output=[" + out.resolve("r.tif") + "]");
		assertTrue(msg.startsWith("Wrote"), msg);
		assertArrayEquals((int[]) png.getProcessor().getPixels(),
			(int[]) IJ.openImage(out.resolve("r.tif").toString()).getProcessor().getPixels());
		try (var files = Files.list(out)) {
			assertEquals(Set.of("r.png", "r.tif"), Set.copyOf(files.map(p -> p.getFileName().toString()).toList()),
				"no temporary files left behind");
		}
	}

	@Test
	void headlessErrorsAreOneClearLine() throws Exception {
		Path in = tmp.resolve("in.png");
		new FileSaver(sample()).saveAsPng(in.toString());
		String model = "model=[" + TestFiles.tinyModel() + "]";
		String[][] cases = {
			{ "input=[" + in + "] " + model + " style=alpha", "missing argument 'output='" },
			{ "input=[" + in + "] " + model + " style=alpha output=/tmp/x.jpg", ".png, .tif or .tiff" },
			{ "input=[" + in + "] " + model + " style=alpha output=/no/such/dir/x.png", "does not exist" },
			{ "input=/no/such.png " + model + " style=alpha output=" + tmp.resolve("x.png"), "input image not found" },
			{ "input=[" + in + "] " + model + " style=zeta output=" + tmp.resolve("x.png"), "Available styles: alpha" },
			{ "input=[" + in + "] " + model + " style=alpha device=tpu output=" + tmp.resolve("x.png"), "auto, cpu or gpu" },
			{ "input=[" + in + "] " + model + " style=alpha sytle=beta output=" + tmp.resolve("x.png"), "unknown argument 'sytle'" },
			{ "input=[" + in + "] model=/no/model style=alpha output=" + tmp.resolve("x.png"), "model not found" },
			{ "input=[" + in + "] " + model + " style=alpha:x output=" + tmp.resolve("x.png"), "not a number" },
		};
		for (String[] c : cases) {
			String msg = Headless.stylize(c[0]);
			assertTrue(msg.startsWith("Error: ") && msg.contains(c[1]), c[0] + " -> " + msg);
		}
		assertFalse(Files.exists(tmp.resolve("x.png")));
	}

	@Test
	void macroArgs() {
		Set<String> known = Set.of("a", "b", "flag");
		Options m = Options.parse(" a=1  b=[two words] flag", known);
		assertEquals("1", m.get("a", null));
		assertEquals("two words", m.get("b", null));
		assertEquals("true", m.get("flag", null));
		assertThrows(IllegalArgumentException.class, () -> Options.parse("a=1 a=2", known));
		assertThrows(IllegalArgumentException.class, () -> Options.parse("b=[open", known));
		assertThrows(IllegalArgumentException.class, () -> Options.parse("c=3", known));
	}
}
