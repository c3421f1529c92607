package org.neuralstyle.command;

import ij.ImagePlus;
import ij.ImageStack;
import ij.Macro;
import ij.Undo;
import ij.WindowManager;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.neuralstyle.Progress;
import org.neuralstyle.TestFiles;
import org.neuralstyle.imagej.InPlace;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.MemoryBudget;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.StyleBankRunner;
import org.neuralstyle.nn.Engines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** In-place with undo, the settings, the help texts and the menu: what the dialogs rest on. */
class DialogsAndInPlaceTest {

	@AfterEach
	void clear() {
		for (String k : new String[] { Settings.MEMORY, Settings.TILING, Settings.DEVICE }) {
			if (!Settings.fixed(k)) System.clearProperty(k);
		}
		WindowManager.setTempCurrentImage(null);
	}

	static ImagePlus grey() {
		Random r = new Random(9);
		byte[] px = new byte[27 * 19];
		r.nextBytes(px);
		return new ImagePlus("grey", new ByteProcessor(27, 19, px));
	}

	@Test
	void inPlaceReplacesPixelsAndUndoRestoresTheOriginal() throws Exception {
		ImagePlus imp = grey();
		byte[] before = ((byte[]) imp.getProcessor().getPixels()).clone();
		ImagePlus expected = StyleBankRunner.apply(imp, new StyleBankRunner.Request(TestFiles.tinyModel(), "beta", Engines.DeviceChoice.CPU), Progress.NONE);
		WindowManager.setTempCurrentImage(imp);
		Thread.currentThread().setName("Run$_inPlace");
		Macro.setOptions("model=[" + TestFiles.tinyModel() + "] style=beta device=cpu in_place");
		new ApplyStyleBankPlugin().run("");
		Macro.setOptions(null);
		assertSame(imp, WindowManager.getCurrentImage(), "no new image: the source itself was changed");
		assertEquals(ImagePlus.COLOR_RGB, imp.getType());
		assertEquals("grey", imp.getTitle());
		assertArrayEquals((int[]) expected.getProcessor().getPixels(), (int[]) imp.getProcessor().getPixels());
		assertTrue(imp.changes);
		Undo.undo(); // Edit > Undo
		assertEquals(ImagePlus.GRAY8, imp.getType());
		assertArrayEquals(before, (byte[]) imp.getProcessor().getPixels());
	}

	@Test
	void inPlaceOnStacksReplacesEveryPlaneAndKeepsDimensions() throws Exception {
		ImageStack st = new ImageStack(16, 12);
		for (int i = 0; i < 4; i++) st.addSlice("s" + i, grey().getProcessor().resize(16, 12));
		ImagePlus imp = new ImagePlus("stack", st);
		imp.setDimensions(1, 2, 2);
		imp.setOpenAsHyperStack(true);
		ImagePlus result = StyleBankRunner.apply(imp, new StyleBankRunner.Request(TestFiles.tinyModel(), "alpha", Engines.DeviceChoice.CPU), Progress.NONE);
		InPlace.replace(imp, result);
		assertEquals(4, imp.getStackSize());
		assertEquals(2, imp.getNSlices());
		assertEquals(2, imp.getNFrames());
		assertEquals(ImagePlus.COLOR_RGB, imp.getType());
		assertArrayEquals((int[]) result.getStack().getPixels(3), (int[]) imp.getStack().getPixels(3));
	}

	@Test
	void inPlaceRefusesCompositesBeforeAnyWork() {
		ImageStack st = new ImageStack(8, 8);
		st.addSlice(new ByteProcessor(8, 8));
		st.addSlice(new ByteProcessor(8, 8));
		ImagePlus imp = new ImagePlus("c", st);
		imp.setDimensions(2, 1, 1);
		ImagePlus comp = new ij.CompositeImage(imp, ij.IJ.COMPOSITE);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InPlace.check(comp));
		assertTrue(e.getMessage().contains("Untick 'in_place'"), e.getMessage());
	}

	@Test
	void flagsInMacroOptions() {
		Set<String> keys = Set.of("model", "device", "in_place", "in_place_x", "not_in_place");
		assertTrue(Options.parse("model=x in_place device=cpu", keys).flag("in_place", false));
		assertTrue(Options.parse("in_place", keys).flag("in_place", false));
		assertTrue(Options.parse("model=x in_place=true", keys).flag("in_place", false));
		assertFalse(Options.parse("model=[in_place x] device=cpu", keys).flag("in_place_x", false));
		assertFalse(Options.parse("model=x not_in_place", keys).flag("in_place", false));
		assertFalse(Options.parse(null, keys).flag("in_place", false));
	}

	@Test
	void settingsValidateAndReachTheSettingsObject() {
		if (Settings.fixed(Settings.MEMORY)) return; // given on the command line: the dialog cannot change it (asserted below otherwise)
		Settings.set(Settings.MEMORY, "1536");
		assertEquals(1536, Settings.current().memoryMb());
		assertEquals(1536L << 20, MemoryBudget.bytes(ai.djl.Device.cpu(), Settings.current()));
		Settings.set(Settings.MEMORY, "0");
		assertEquals(0, Settings.current().memoryMb(), "0 = automatic");
		Settings.set(Settings.TILING, "fast");
		assertTrue(Settings.current().tiling() == EngineSettings.Tiling.FAST);
		Settings.set(Settings.TILING, "exact");
		assertFalse(Settings.current().tiling() == EngineSettings.Tiling.FAST);
		assertThrows(IllegalArgumentException.class, () -> Settings.set(Settings.MEMORY, "lots"));
		assertThrows(IllegalArgumentException.class, () -> Settings.set(Settings.MEMORY, "-5"));
		assertThrows(IllegalArgumentException.class, () -> Settings.set(Settings.MEMORY, "12"));
		assertThrows(IllegalArgumentException.class, () -> Settings.set(Settings.TILING, "quick"));
		assertThrows(IllegalArgumentException.class, () -> Settings.set(Settings.DEVICE, "tpu"));
		Settings.set(Settings.DEVICE, "cpu");
		assertEquals(org.neuralstyle.nn.Engines.DeviceChoice.CPU, Settings.current().device());
		Settings.set(Settings.DEVICE, "auto");
	}

	@Test
	void settingsMacroDoorRefusesBadValuesWithAMessage() {
		Thread.currentThread().setName("Run$_settings");
		Macro.setOptions("memory=abc tiling=exact models= device=auto");
		ij.IJ.redirectErrorMessages(); // headless: the error goes to the log instead of a dialog
		new SettingsPlugin().run("");
		Macro.setOptions(null);
		assertNotEquals("abc", System.getProperty(Settings.MEMORY));
	}

	@Test
	void everyDialogHasHelpForEveryFieldAndItsReadmeSection() throws Exception {
		String readme = Files.readString(Path.of("README.md"));
		assertEquals(readme, Help.readme(), "the README is packed into the jar for the Help buttons");
		record Dialog(String title, String[][] fields, String section) {}
		for (Dialog d : List.of(new Dialog(ApplyStyleBankPlugin.TITLE, ApplyStyleBankPlugin.FIELDS, "In ImageJ and Fiji"),
			new Dialog(ApplyRegionStylesPlugin.TITLE, ApplyRegionStylesPlugin.FIELDS, "Styles per region"),
			new Dialog(SettingsPlugin.TITLE, SettingsPlugin.FIELDS, "Big images"),
			new Dialog(StylizeFolderPlugin.TITLE, StylizeFolderPlugin.FIELDS, "Collections"),
			new Dialog("Train", TrainingPlugins.fields("train"), "Training StyleBank models"),
			new Dialog("Learn", TrainingPlugins.fields("learn"), "Training StyleBank models"),
			new Dialog("Styles", TrainingPlugins.fields("styles"), "Training StyleBank models"),
			new Dialog(GatysPlugin.TITLE, GatysPlugin.FIELDS, "Gatys: style transfer by optimisation"),
			new Dialog(ImportStyleBankPlugin.TITLE, ImportStyleBankPlugin.FIELDS, "Importing PyTorch StyleBank models"),
			new Dialog(GetVggWeightsPlugin.TITLE, GetVggWeightsPlugin.FIELDS, "VGG weights and the offline default")))
		{
			assertFalse(Help.section(readme, d.section()).isBlank(), "README has section " + d.section());
			String html = Help.html(d.title(), d.fields(), d.section());
			for (String[] f : d.fields()) {
				assertTrue(html.contains("<b>" + f[0] + "</b>"), d.title() + " help names " + f[0]);
				assertTrue(f[1].length() > 15, d.title() + " " + f[0] + " has real help");
			}
			assertTrue(html.contains("From the README"), d.title());
		}
		String h = Help.markdownToHtml("# T\ntext `code` **b**\n\n```\nx < y\n```\n| a | b |\n|---|---|\n| 1 | 2 |\n");
		assertTrue(h.contains("<tt>code</tt>") && h.contains("<b>b</b>") && h.contains("x &lt; y") && h.contains("| 1 | 2 |"), h);
	}

	@Test
	void menuHasEveryFunctionOnce() throws Exception {
		List<String> lines = Files.readAllLines(Path.of("plugins.config"));
		List<String> commands = lines.stream().filter(l -> l.startsWith("Plugins>Style Transfer, \"") && !l.contains("\"-\""))
			.map(l -> l.substring(l.indexOf('"') + 1, l.indexOf('"', l.indexOf('"') + 1))).toList();
		assertEquals(List.of("Apply StyleBank Style", "Apply Styles to Regions", "Stylize Folder", "Gatys Style Transfer", "Train StyleBank Model",
			"Learn New StyleBank Style", "Manage StyleBank Styles", "Import PyTorch StyleBank", "Get VGG Weights", "Style Transfer Settings"), commands);
		for (String l : lines) {
			if (!l.startsWith("Plugins>") || l.contains("\"-\"")) continue;
			String cls = l.substring(l.lastIndexOf(", ") + 2, l.lastIndexOf('('));
			assertTrue(ij.plugin.PlugIn.class.isAssignableFrom(Class.forName(cls)), cls);
		}
	}

	@Test
	void previewWorksOnTheVisiblePlaneReducedTo256Pixels() throws Exception {
		ImagePlus big = new ImagePlus("big", new ColorProcessor(700, 350));
		ij.process.ImageProcessor r = StylePreview.reduce(big);
		assertEquals(256, r.getWidth());
		assertEquals(128, r.getHeight());
		ImagePlus small = grey();
		assertEquals(27, StylePreview.reduce(small).getWidth(), "small images are not enlarged");
	}

	@Test
	void thumbnailsAreClickableByPosition() throws Exception {
		var model = org.neuralstyle.stylebank.StyleBankModel.load(TestFiles.tinyModel());
		java.awt.Choice choice = null; // headless: no AWT Choice; the legend form still lays out and maps clicks
		StylePicker p = new StylePicker(model, true, choice, null);
		int n = model.styles().size() + 1;
		assertEquals(n * (StylePicker.CELL + StylePicker.GAP) + StylePicker.GAP, p.getPreferredSize().width);
		assertEquals(0, p.indexAt(StylePicker.GAP + 1, StylePicker.GAP + 1));
		assertEquals(1, p.indexAt(2 * StylePicker.GAP + StylePicker.CELL + 1, StylePicker.GAP + 5));
		assertEquals(-1, p.indexAt(1, 1));
		assertEquals(-1, p.indexAt(n * (StylePicker.CELL + StylePicker.GAP) + StylePicker.GAP + 1, 10));
	}

	@Test
	void scijavaCommandInPlace() throws Exception {
		ImagePlus imp = grey();
		ImagePlus expected = StyleBankRunner.apply(imp, new StyleBankRunner.Request(TestFiles.tinyModel(), "alpha", Engines.DeviceChoice.CPU), Progress.NONE);
		try (org.scijava.Context context = new org.scijava.Context(org.scijava.command.CommandService.class)) {
			var module = context.service(org.scijava.command.CommandService.class).run(ApplyStyleBankCommand.class, true,
				"image", imp, "model", TestFiles.tinyModel().toFile(), "style", "alpha", "device", "cpu", "inPlace", true).get();
			assertSame(imp, module.getOutput("result"));
			assertArrayEquals((int[]) expected.getProcessor().getPixels(), (int[]) imp.getProcessor().getPixels());
		}
	}
}
