package org.neuralstyle.imagej;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import ij.process.ColorProcessor;
import ij.process.ShortProcessor;

import org.junit.jupiter.api.Test;
import org.neuralstyle.Progress;
import org.neuralstyle.TestFiles;
import org.neuralstyle.TestProgress;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.StyleBankNetwork.Fusion;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Region styles through ImageJ images and ROIs. */
class RegionStyleRunnerTest {

	static ImagePlus rgb(int w, int h) {
		Random r = new Random(11);
		int[] px = new int[w * h];
		for (int i = 0; i < px.length; i++) px[i] = 0xff000000 | r.nextInt(1 << 24);
		return new ImagePlus("img", new ColorProcessor(w, h, px));
	}

	static RegionStyleRunner.Request request(String styles, String outside, double feather, Fusion fusion) {
		return new RegionStyleRunner.Request(TestFiles.tinyModel(), styles, outside, feather, fusion, Engines.DeviceChoice.CPU);
	}

	static Roi named(Roi roi, String name) {
		roi.setName(name);
		return roi;
	}

	static int[] pixels(ImagePlus imp) {
		return (int[]) imp.getProcessor().getPixels();
	}

	@Test
	void keepOutsideWithHardEdgesLeavesOutsidePixelsBitIdentical() throws Exception {
		ImagePlus imp = rgb(37, 29);
		int[] before = pixels(imp).clone();
		List<Roi> rois = List.of(named(new OvalRoi(3, 4, 14, 12), "alpha"), named(new Roi(15, 10, 15, 15), "beta"));
		for (Fusion fusion : Fusion.values()) {
			ImagePlus out = RegionStyleRunner.apply(imp, rois, request("", "keep", 0, fusion), Progress.NONE);
			assertArrayEquals(before, pixels(imp), "the source is not modified");
			assertEquals("img-regions", out.getTitle());
			int[] px = pixels(out);
			int inside = 0, changed = 0;
			for (int y = 0; y < 29; y++) {
				for (int x = 0; x < 37; x++) {
					int i = y * 37 + x;
					boolean in = rois.get(0).contains(x, y) || rois.get(1).contains(x, y);
					if (!in) assertEquals(before[i], px[i], fusion + ": outside pixel " + x + "," + y);
					else {
						inside++;
						if (px[i] != before[i]) changed++;
					}
				}
			}
			assertTrue(changed > inside * 0.9, fusion + ": the regions are stylized (" + changed + "/" + inside + ")");
		}
	}

	@Test
	void oneRegionCoveringEverythingEqualsThePlainStyle() throws Exception {
		ImagePlus imp = rgb(26, 19);
		int[] plain = pixels(StyleBankRunner.apply(imp, new StyleBankRunner.Request(TestFiles.tinyModel(), "beta",
			Engines.DeviceChoice.CPU), Progress.NONE));
		for (Fusion fusion : Fusion.values()) {
			for (String outside : new String[] { "keep", "reconstruct", "alpha" }) {
				ImagePlus out = RegionStyleRunner.apply(imp, List.of(named(new Roi(0, 0, 26, 19), "everything")),
					request("everything:beta", outside, 0, fusion), Progress.NONE);
				assertArrayEquals(plain, pixels(out), fusion + " outside=" + outside);
			}
		}
	}

	@Test
	void outsideReconstructOrStyleAndFeatherChangeTheResult() throws Exception {
		ImagePlus imp = rgb(30, 24);
		List<Roi> rois = List.of(named(new Roi(5, 5, 12, 12), "cells"));
		int[] keep = pixels(RegionStyleRunner.apply(imp, rois, request("cells:alpha", "keep", 0, Fusion.REGION_AWARE), Progress.NONE));
		int[] recon = pixels(RegionStyleRunner.apply(imp, rois, request("cells:alpha", "reconstruct", 0, Fusion.REGION_AWARE), Progress.NONE));
		int[] styled = pixels(RegionStyleRunner.apply(imp, rois, request("cells:alpha", "beta", 0, Fusion.REGION_AWARE), Progress.NONE));
		int[] soft = pixels(RegionStyleRunner.apply(imp, rois, request("cells:alpha", "keep", 6, Fusion.REGION_AWARE), Progress.NONE));
		int[] mixed = pixels(RegionStyleRunner.apply(imp, rois, request("cells:alpha*0.5+beta*0.5", "keep", 0, Fusion.REGION_AWARE), Progress.NONE));
		int corner = 0; // far from the region
		assertEquals(pixels(imp)[corner], keep[corner]);
		assertNotEquals(keep[corner], recon[corner]);
		assertNotEquals(recon[corner], styled[corner]);
		int border = 11 * 30 + 18; // just outside the region's right edge
		assertNotEquals(keep[border], soft[border], "feathering reaches across the edge");
		int centre = 11 * 30 + 11;
		assertNotEquals(keep[centre], mixed[centre], "a region can mix styles");
	}

	@Test
	void stylesComeFromMappingPropertyOrNameAndErrorsListTheStyles() throws Exception {
		ImagePlus imp = rgb(20, 20);
		Roi byProperty = named(new Roi(0, 0, 10, 10), "nucleus");
		byProperty.setProperty("style", "beta");
		Roi byName = named(new Roi(10, 10, 10, 10), "alpha");
		ImagePlus a = RegionStyleRunner.apply(imp, List.of(byProperty, byName), request("", "keep", 0, Fusion.PAPER), Progress.NONE);
		ImagePlus b = RegionStyleRunner.apply(imp, List.of(byProperty, byName), request("nucleus:beta,alpha:alpha", "keep", 0,
			Fusion.PAPER), Progress.NONE);
		assertArrayEquals(pixels(a), pixels(b));

		Roi unknown = named(new Roi(0, 0, 5, 5), "mitochondria");
		var e = assertThrows(IllegalArgumentException.class,
			() -> RegionStyleRunner.apply(imp, List.of(unknown), request("", "keep", 0, Fusion.PAPER), Progress.NONE));
		assertTrue(e.getMessage().contains("mitochondria") && e.getMessage().contains("Available styles: alpha"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class,
			() -> RegionStyleRunner.apply(imp, List.of(unknown), request("mitochondria:gamma", "keep", 0, Fusion.PAPER), Progress.NONE));
		assertTrue(e.getMessage().contains("gamma") && e.getMessage().contains("alpha"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class,
			() -> RegionStyleRunner.apply(imp, List.of(unknown), request("mitochondria:alpha,nucleus:beta", "keep", 0, Fusion.PAPER),
				Progress.NONE));
		assertTrue(e.getMessage().contains("no such ROI"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class,
			() -> RegionStyleRunner.apply(imp, List.of(named(new Roi(40, 40, 5, 5), "alpha")), request("", "keep", 0, Fusion.PAPER),
				Progress.NONE));
		assertTrue(e.getMessage().contains("outside"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class,
			() -> RegionStyleRunner.apply(imp, List.of(named(new Roi(1, 1, 5, 5), "alpha")), request("", "zeta", 0, Fusion.PAPER),
				Progress.NONE));
		assertTrue(e.getMessage().contains("zeta"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> request("", "keep", -1, Fusion.PAPER));
		assertTrue(e.getMessage().contains("feather"), e.getMessage());
	}

	@Test
	void sixteenBitStacksWithBoundRois() throws Exception {
		int w = 24, h = 18;
		ImageStack st = new ImageStack(w, h);
		for (int s = 0; s < 3; s++) {
			ShortProcessor sp = new ShortProcessor(w, h);
			for (int p = 0; p < w * h; p++) sp.set(p, (p * 37 + s * 1000) % 4000);
			st.addSlice(sp);
		}
		ImagePlus imp = new ImagePlus("stack16", st);
		imp.setDisplayRange(0, 3999);
		Roi onSecond = named(new Roi(2, 2, 10, 10), "alpha");
		onSecond.setPosition(2);
		Roi everywhere = named(new Roi(14, 4, 8, 8), "beta");
		TestProgress progress = new TestProgress();
		ImagePlus out = RegionStyleRunner.apply(imp, List.of(onSecond, everywhere), request("", "keep", 0, Fusion.REGION_AWARE), progress);
		assertEquals(3, out.getStackSize());
		assertEquals(3, progress.maxDone(), "progress per slice");
		ImagePlus plainRgb = StyleBankRunner.apply(imp, new StyleBankRunner.Request(TestFiles.tinyModel(), "reconstruction",
			Engines.DeviceChoice.CPU), Progress.NONE);
		int inAlpha = 5 * w + 5;
		// slice 1 and 3: the alpha ROI does not apply, so its area is untouched (grey as displayed)
		int grey1 = (int) Math.round(imp.getStack().getProcessor(1).get(inAlpha) / 3999.0 * 255);
		assertEquals(0xff000000 | grey1 << 16 | grey1 << 8 | grey1, ((int[]) out.getStack().getPixels(1))[inAlpha]);
		int grey2 = (int) Math.round(imp.getStack().getProcessor(2).get(inAlpha) / 3999.0 * 255);
		assertNotEquals(0xff000000 | grey2 << 16 | grey2 << 8 | grey2, ((int[]) out.getStack().getPixels(2))[inAlpha]);
		assertEquals(3, plainRgb.getStackSize());

		assertThrows(Progress.CancelledException.class,
			() -> RegionStyleRunner.apply(imp, List.of(everywhere), request("", "keep", 0, Fusion.PAPER), new TestProgress(1)));
	}
}
