package org.neuralstyle.imagej;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.LUT;
import ij.process.ShortProcessor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.neuralstyle.Progress;
import org.neuralstyle.TestFiles;
import org.neuralstyle.TestProgress;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.MemoryBudget;
import org.neuralstyle.stylebank.TiledInference;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every ImageJ image type through the runner: size, type, calibration, untouched source. */
class StyleBankRunnerTest {

	static final StyleBankRunner.Request ALPHA = new StyleBankRunner.Request(TestFiles.tinyModel(), "alpha",
		Engines.DeviceChoice.CPU);
	static StyleBankNetwork net;
	static NDManager manager;

	@BeforeAll
	static void setUp() throws Exception {
		net = new StyleBankNetwork(StyleBankModel.load(TestFiles.tinyModel()), Device.cpu());
		manager = Engines.pytorch().newBaseManager(Device.cpu());
	}

	@AfterAll
	static void tearDown() {
		net.close();
		manager.close();
	}

	static ImagePlus randomRgb(int w, int h, long seed) {
		Random r = new Random(seed);
		int[] px = new int[w * h];
		for (int i = 0; i < px.length; i++) px[i] = 0xff000000 | r.nextInt(1 << 24);
		return new ImagePlus("rgb.tif", new ColorProcessor(w, h, px));
	}

	/** The network applied directly to a known [0,1] tensor, as 8-bit RGB: the expected pixels. */
	static int[] expected(float[] chw, int w, int h, StyleMix mix) {
		try (NDManager m = manager.newSubManager()) {
			NDArray y = net.apply(m.create(chw, new Shape(1, 3, h, w)), mix);
			return (int[]) ImagePlanes.toColorProcessor(y).getPixels();
		}
	}

	static ImagePlus run(ImagePlus imp) throws Exception {
		Object before = imp.getStack().getImageArray()[0];
		Object copy = cloneArray(before);
		ImagePlus out = StyleBankRunner.apply(imp, ALPHA, Progress.NONE);
		assertNotSame(imp, out);
		assertEquals(ImagePlus.COLOR_RGB, out.getType());
		assertEquals(imp.getWidth(), out.getWidth());
		assertEquals(imp.getHeight(), out.getHeight());
		assertEquals(imp.getStackSize(), out.getStackSize());
		assertPixelsEqual(copy, imp.getStack().getImageArray()[0]);
		return out;
	}

	static Object cloneArray(Object a) {
		if (a instanceof byte[] b) return b.clone();
		if (a instanceof short[] s) return s.clone();
		if (a instanceof float[] f) return f.clone();
		return ((int[]) a).clone();
	}

	static void assertPixelsEqual(Object a, Object b) {
		if (a instanceof byte[] x) assertArrayEquals(x, (byte[]) b, "source pixels unchanged");
		else if (a instanceof short[] x) assertArrayEquals(x, (short[]) b, "source pixels unchanged");
		else if (a instanceof float[] x) assertArrayEquals(x, (float[]) b, "source pixels unchanged");
		else assertArrayEquals((int[]) a, (int[]) b, "source pixels unchanged");
	}

	@Test
	void rgbMatchesTheNetworkAndKeepsCalibration() throws Exception {
		ImagePlus imp = randomRgb(23, 17, 1);
		Calibration cal = imp.getCalibration();
		cal.pixelWidth = 0.25;
		cal.pixelHeight = 0.5;
		cal.setUnit("um");
		ImagePlus out = run(imp);
		assertEquals("rgb-alpha", out.getTitle());
		assertEquals(0.25, out.getCalibration().pixelWidth);
		assertEquals(0.5, out.getCalibration().pixelHeight);
		assertEquals("µm", out.getCalibration().getUnit());
		int[] px = (int[]) imp.getProcessor().getPixels();
		int n = px.length;
		float[] chw = new float[3 * n];
		for (int i = 0; i < n; i++) {
			chw[i] = ((px[i] >> 16) & 0xff) / 255f;
			chw[n + i] = ((px[i] >> 8) & 0xff) / 255f;
			chw[2 * n + i] = (px[i] & 0xff) / 255f;
		}
		assertArrayEquals(expected(chw, 23, 17, StyleMix.single("alpha")), (int[]) out.getProcessor().getPixels());
	}

	/** Greyscale planes whose display range maps to [0, 1] the same way must give the same output. */
	@Test
	void greyTypesMapTheirDisplayRange() throws Exception {
		int w = 19, h = 14;
		Random r = new Random(2);
		byte[] b = new byte[w * h];
		short[] s = new short[w * h];
		float[] f = new float[w * h];
		for (int i = 0; i < b.length; i++) {
			int v = r.nextInt(256);
			b[i] = (byte) v;
			s[i] = (short) (1000 + 10 * v); // display range 1000..3550 maps like 0..255
			f[i] = -1 + v / 127.5f;        // display range -1..1
		}
		ImagePlus i8 = new ImagePlus("g8", new ByteProcessor(w, h, b));
		ImagePlus i16 = new ImagePlus("g16", new ShortProcessor(w, h, s, null));
		i16.setDisplayRange(1000, 3550);
		ImagePlus i32 = new ImagePlus("g32", new FloatProcessor(w, h, f));
		i32.setDisplayRange(-1, 1);
		int[] o8 = (int[]) run(i8).getProcessor().getPixels();
		int[] o16 = (int[]) run(i16).getProcessor().getPixels();
		int[] o32 = (int[]) run(i32).getProcessor().getPixels();
		float[] chw = new float[3 * w * h];
		for (int i = 0; i < w * h; i++) chw[i] = chw[w * h + i] = chw[2 * w * h + i] = (b[i] & 0xff) / 255f;
		int[] want = expected(chw, w, h, StyleMix.single("alpha"));
		assertArrayEquals(want, o8, "8-bit");
		assertArrayEquals(want, o16, "16-bit through its display range");
		assertMostlyEqual(want, o32, "32-bit through its display range");
	}

	/** 32-bit arithmetic differs from v/255 in the last bit; allow one 8-bit step. */
	static void assertMostlyEqual(int[] want, int[] got, String what) {
		for (int i = 0; i < want.length; i++) {
			for (int shift = 0; shift <= 16; shift += 8) {
				int a = (want[i] >> shift) & 0xff, c = (got[i] >> shift) & 0xff;
				assertTrue(Math.abs(a - c) <= 1, what + " pixel " + i);
			}
		}
	}

	@Test
	void invertedLutAndIndexedColour() throws Exception {
		int w = 12, h = 9;
		byte[] b = new byte[w * h];
		for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 7);
		ImagePlus inv = new ImagePlus("inv", new ByteProcessor(w, h, b.clone()));
		inv.getProcessor().invertLut();
		byte[] flipped = new byte[b.length];
		for (int i = 0; i < b.length; i++) flipped[i] = (byte) (255 - (b[i] & 0xff));
		ImagePlus plain = new ImagePlus("plain", new ByteProcessor(w, h, flipped));
		assertArrayEquals((int[]) run(plain).getProcessor().getPixels(), (int[]) run(inv).getProcessor().getPixels(),
			"an inverting LUT is seen as the user sees it");

		ImageProcessor indexed = new ByteProcessor(w, h, b.clone());
		byte[] red = new byte[256], green = new byte[256], blue = new byte[256];
		for (int i = 0; i < 256; i++) { red[i] = (byte) i; green[i] = (byte) (255 - i); blue[i] = (byte) (i / 2); }
		indexed.setColorModel(new LUT(red, green, blue));
		ImagePlus idx = new ImagePlus("idx", indexed) {
			{
				setType(COLOR_256); // as ImageJ's Opener marks indexed-colour files
			}
		};
		assertEquals(ImagePlus.COLOR_256, idx.getType());
		ImagePlus asRgb = new ImagePlus("asrgb", indexed.convertToColorProcessor());
		assertArrayEquals((int[]) run(asRgb).getProcessor().getPixels(), (int[]) run(idx).getProcessor().getPixels(),
			"8-bit colour goes through its LUT");
	}

	@Test
	void stacksAndHyperstacksStylizeEverySlice() throws Exception {
		int w = 16, h = 11;
		ImageStack st = new ImageStack(w, h);
		for (int i = 0; i < 6; i++) {
			ShortProcessor sp = new ShortProcessor(w, h);
			for (int p = 0; p < w * h; p++) sp.set(p, (p * (i + 3)) % 4096);
			st.addSlice("s" + i, sp);
		}
		ImagePlus imp = new ImagePlus("stack", st);
		imp.setDimensions(2, 3, 1);
		imp.setOpenAsHyperStack(true);
		imp.setDisplayRange(0, 4095);
		ImagePlus out = run(imp);
		assertEquals(2, out.getNChannels());
		assertEquals(3, out.getNSlices());
		assertEquals("s4", out.getStack().getSliceLabel(5));
		for (int i = 1; i <= 6; i++) {
			short[] before = (short[]) st.getPixels(i);
			ImagePlus single = new ImagePlus("one", new ShortProcessor(w, h, before, null));
			single.setDisplayRange(0, 4095);
			assertArrayEquals((int[]) run(single).getProcessor().getPixels(), (int[]) out.getStack().getPixels(i), "slice " + i);
		}
	}

	@Test
	void compositeImagesUseEachChannelsDisplayRange() throws Exception {
		int w = 10, h = 10;
		ImageStack st = new ImageStack(w, h);
		for (int c = 0; c < 2; c++) {
			FloatProcessor fp = new FloatProcessor(w, h);
			for (int p = 0; p < w * h; p++) fp.setf(p, p * (c + 1));
			st.addSlice(fp);
		}
		ImagePlus base = new ImagePlus("comp", st);
		base.setDimensions(2, 1, 1);
		CompositeImage comp = new CompositeImage(base, IJ.COMPOSITE);
		comp.setPosition(1, 1, 1);
		comp.setDisplayRange(0, 99);
		comp.setPosition(2, 1, 1);
		comp.setDisplayRange(0, 198);
		ImagePlus out = run(comp);
		// channel 2 is channel 1 times two, with a display range twice as wide: same picture
		assertArrayEquals((int[]) out.getStack().getPixels(1), (int[]) out.getStack().getPixels(2));
	}

	@Test
	void tinyAndThinImagesKeepTheirSize() throws Exception {
		for (int[] size : new int[][] { { 1, 1 }, { 1, 37 }, { 5, 3 }, { 64, 2 } }) {
			ImagePlus out = run(randomRgb(size[0], size[1], 3));
			assertEquals(size[0], out.getWidth());
			assertEquals(size[1], out.getHeight());
		}
	}

	@Test
	void imagesOverTheMemoryBudgetAreTiledWithTheSameResult() throws Exception {
		ImagePlus imp = randomRgb(540, 520, 8); // small enough to run whole with the default budget
		ImagePlus first = run(imp);
		assertEquals(null, first.getProperty(StyleBankRunner.TILING), "whole");
		int[] whole = (int[]) first.getProcessor().getPixels();
		var small = ALPHA.settings().withMemoryMb(16);
		assertTrue(TiledInference.tileSize(540, 520, 8, MemoryBudget.bytes(ai.djl.Device.cpu(), small), false) > 0, "16 MB forces tiles");
		int[] tiled = (int[]) StyleBankRunner.apply(imp, new StyleBankRunner.Request(ALPHA.model(), "alpha", Engines.DeviceChoice.CPU,
			small), Progress.NONE).getProcessor().getPixels();
		assertMostlyEqual(whole, tiled, "tiled");
	}

	/** Makes every pass over more input pixels than {@code limit} fail as if out of memory (0: restores the real passes). */
	static void simulateMemoryLimit(long limit) {
		if (limit == 0) {
			StyleBankRunner.whole = REAL_WHOLE;
			StyleBankRunner.tiled = REAL_TILED;
			return;
		}
		StyleBankRunner.whole = (net, x, masks, mixes, fusion) -> {
			if (x.getShape().get(2) * x.getShape().get(3) > limit) throw new OutOfMemoryError("simulated: whole image");
			return REAL_WHOLE.run(net, x, masks, mixes, fusion);
		};
		StyleBankRunner.tiled = (net, chw, w, h, masks, mixes, fusion, tile, room, fast, progress) -> {
			long pixels = (long) (tile + 2 * TiledInference.MARGIN) * (tile + 2 * TiledInference.MARGIN);
			if (pixels > limit) throw new OutOfMemoryError("simulated: " + pixels + " pixels in one pass");
			return REAL_TILED.run(net, chw, w, h, masks, mixes, fusion, tile, room, fast, progress);
		};
	}

	static final StyleBankRunner.Pass REAL_WHOLE = StyleBankRunner.whole;
	static final StyleBankRunner.TiledPass REAL_TILED = StyleBankRunner.tiled;

	@Test
	void outOfMemoryShrinksTheTilesAndRetries() throws Exception {
		ImagePlus imp = randomRgb(400, 300, 9);
		int[] whole = (int[]) run(imp).getProcessor().getPixels();
		TestProgress record = new TestProgress();
		List<String> messages = record.messages;
		simulateMemoryLimit(200 * 200); // whole image and 512/256 tiles "fail"
		try {
			int[] recovered = (int[]) StyleBankRunner.apply(imp, ALPHA, record).getProcessor().getPixels();
			assertMostlyEqual(whole, recovered, "after retrying in smaller tiles");
			assertTrue(messages.stream().anyMatch(m -> m.contains("retrying in tiles of " + TiledInference.MAX_TILE)), messages.toString());
			assertTrue(messages.stream().anyMatch(m -> m.contains("retrying in tiles of 128")), messages.toString());
			simulateMemoryLimit(10); // nothing fits
			var e = assertThrows(IllegalArgumentException.class, () -> StyleBankRunner.apply(imp, ALPHA, Progress.NONE));
			assertTrue(e.getMessage().contains("even in tiles of 64 pixels"), e.getMessage());
		}
		finally {
			simulateMemoryLimit(0);
		}
	}

	@Test
	void clearErrors() {
		ImagePlus imp = randomRgb(8, 8, 4);
		var e = assertThrows(IllegalArgumentException.class, () -> StyleBankRunner.apply(imp,
			new StyleBankRunner.Request(TestFiles.tinyModel(), "gamma", Engines.DeviceChoice.CPU), Progress.NONE));
		assertTrue(e.getMessage().contains("alpha") && e.getMessage().contains("beta"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> StyleBankRunner.apply(imp,
			new StyleBankRunner.Request(TestFiles.tinyModel().resolveSibling("nope"), "alpha", Engines.DeviceChoice.CPU),
			Progress.NONE));
		assertTrue(e.getMessage().contains("model not found"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> StyleBankRunner.apply(null, ALPHA, Progress.NONE));
		assertTrue(e.getMessage().contains("no image"));
		ImagePlus huge = new ImagePlus("huge", new ByteProcessor(1, 1)) {
			@Override
			public int getWidth() {
				return 200_000;
			}

			@Override
			public int getHeight() {
				return 200_000;
			}
		};
		e = assertThrows(IllegalArgumentException.class, () -> StyleBankRunner.apply(huge, ALPHA, Progress.NONE));
		assertTrue(e.getMessage().contains("Scale it down"), e.getMessage());
	}

	@Test
	void cancelStopsBeforeTheNextSlice() {
		ImageStack st = new ImageStack(8, 8);
		for (int i = 0; i < 3; i++) st.addSlice(new ByteProcessor(8, 8));
		ImagePlus imp = new ImagePlus("s", st);
		Progress cancelAfterFirst = new TestProgress(1);
		assertThrows(Progress.CancelledException.class, () -> StyleBankRunner.apply(imp, ALPHA, cancelAfterFirst));
	}
}
