package org.neuralstyle.imagej;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Line;
import ij.gui.OvalRoi;
import ij.gui.PointRoi;
import ij.gui.PolygonRoi;
import ij.gui.Roi;
import ij.gui.ShapeRoi;
import ij.io.RoiEncoder;
import ij.process.ByteProcessor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.image.RegionMasks;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ImageJ ROIs to masks, positions, ROI files, feathering and normalisation. */
class RoiMasksTest {

	@TempDir
	Path tmp;

	static float[] mask(Roi roi, int w, int h) {
		return RegionMasks.values(RoiMasks.mask(roi, "r", w, h));
	}

	static int count(float[] m) {
		int n = 0;
		for (float v : m) if (v == 1f) n++;
		else assertEquals(0f, v);
		return n;
	}

	@Test
	void areaRoisBecomeMasks() {
		assertEquals(12, count(mask(new Roi(2, 3, 4, 3), 10, 10)));
		float[] rect = mask(new Roi(2, 3, 4, 3), 10, 10);
		assertEquals(1f, rect[3 * 10 + 2]);
		assertEquals(0f, rect[3 * 10 + 6]);
		// clipped at the image border
		assertEquals(4, count(mask(new Roi(-2, -2, 4, 4), 10, 10)));
		int oval = count(mask(new OvalRoi(0, 0, 20, 20), 20, 20));
		assertTrue(Math.abs(oval - Math.PI * 100) < 20, "oval area " + oval);
		PolygonRoi triangle = new PolygonRoi(new int[] { 0, 10, 0 }, new int[] { 0, 0, 10 }, 3, Roi.POLYGON);
		int tri = count(mask(triangle, 10, 10));
		assertTrue(tri > 40 && tri < 60, "triangle area " + tri);
		// a composite with a hole
		ShapeRoi ring = new ShapeRoi(new Roi(0, 0, 10, 10)).not(new ShapeRoi(new Roi(3, 3, 4, 4)));
		float[] r = mask(ring, 10, 10);
		assertEquals(100 - 16, count(r));
		assertEquals(0f, r[5 * 10 + 5], "the hole is outside the region");
	}

	@Test
	void badRoisAreRefusedWithTheirName() {
		var e = assertThrows(IllegalArgumentException.class, () -> RoiMasks.mask(new Roi(50, 50, 5, 5), "far", 10, 10));
		assertTrue(e.getMessage().contains("'far'") && e.getMessage().contains("outside"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> RoiMasks.mask(new Line(0, 0, 5, 5), "line", 10, 10));
		assertTrue(e.getMessage().contains("'line'") && e.getMessage().contains("covers no area"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> RoiMasks.mask(new PointRoi(3, 3), "pt", 10, 10));
		assertTrue(e.getMessage().contains("covers no area"), e.getMessage());
		PolygonRoi flat = new PolygonRoi(new int[] { 1, 5, 9 }, new int[] { 2, 2, 2 }, 3, Roi.POLYGON);
		e = assertThrows(IllegalArgumentException.class, () -> RoiMasks.mask(flat, "flat", 10, 10));
		assertTrue(e.getMessage().contains("'flat'") && (e.getMessage().contains("empty") || e.getMessage().contains("outside")),
			e.getMessage());
	}

	@Test
	void positionsBindRoisToPlanes() {
		ImageStack st = new ImageStack(4, 4);
		for (int i = 0; i < 12; i++) st.addSlice(new ByteProcessor(4, 4));
		ImagePlus hyper = new ImagePlus("h", st);
		hyper.setDimensions(2, 3, 2); // c, z, t
		Roi unbound = new Roi(0, 0, 2, 2);
		Roi channel2 = new Roi(0, 0, 2, 2);
		channel2.setPosition(2, 0, 0);
		Roi plane5 = new Roi(0, 0, 2, 2);
		plane5.setPosition(5);
		for (int i = 1; i <= 12; i++) {
			assertTrue(RoiMasks.appliesTo(unbound, hyper, i));
			assertEquals(hyper.convertIndexToPosition(i)[0] == 2, RoiMasks.appliesTo(channel2, hyper, i), "plane " + i);
			assertEquals(i == 5, RoiMasks.appliesTo(plane5, hyper, i));
		}
	}

	@Test
	void roiFilesAsTheRoiManagerSavesThem() throws IOException {
		Roi a = new OvalRoi(1, 1, 6, 6);
		a.setName("cells");
		Roi b = new Roi(2, 2, 5, 5);
		b.setName("background");
		b.setPosition(3);
		Path one = tmp.resolve("single.roi");
		assertTrue(RoiEncoder.save(a, one.toString()));
		List<Roi> single = RoiFiles.read(one);
		assertEquals("cells", single.get(0).getName());
		assertEquals(count(mask(a, 10, 10)), count(mask(single.get(0), 10, 10)));

		// a RoiSet.zip the way the ROI Manager writes it: entries NNNN-NNNN.roi encoded by RoiEncoder
		Path set = tmp.resolve("RoiSet.zip");
		try (OutputStream os = Files.newOutputStream(set); ZipOutputStream zip = new ZipOutputStream(os)) {
			int k = 0;
			for (Roi r : new Roi[] { a, b }) {
				zip.putNextEntry(new ZipEntry(String.format("%04d-%04d.roi", ++k, k * 7)));
				DataOutputStream out = new DataOutputStream(zip);
				new RoiEncoder(out).write(r);
				out.flush();
			}
		}
		List<Roi> rois = RoiFiles.read(set);
		assertEquals(2, rois.size());
		assertEquals("cells", rois.get(0).getName());
		assertEquals("background", rois.get(1).getName());
		assertEquals(3, rois.get(1).getPosition());

		Path garbage = tmp.resolve("bad.roi");
		Files.write(garbage, new byte[] { 1, 2, 3, 4, 5 });
		var e = assertThrows(IllegalArgumentException.class, () -> RoiFiles.read(garbage));
		assertTrue(e.getMessage().contains("not a valid ImageJ ROI"), e.getMessage());
		Path notZip = tmp.resolve("bad.zip");
		Files.writeString(notZip, "not a zip at all");
		e = assertThrows(IllegalArgumentException.class, () -> RoiFiles.read(notZip));
		assertTrue(e.getMessage().contains("bad.zip"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> RoiFiles.read(tmp.resolve("rois.txt")));
		assertTrue(e.getMessage().contains("not found"), e.getMessage());
	}

	@Test
	void featherMakesARampAndKeepsValuesInRange() {
		int w = 40, h = 5;
		float[] m = new float[w * h];
		for (int y = 0; y < h; y++) for (int x = 0; x < 20; x++) m[y * w + x] = 1;
		float[] f = RegionMasks.feather(m, w, h, 6);
		float[] row = java.util.Arrays.copyOfRange(f, 2 * w, 3 * w);
		for (int x = 1; x < w; x++) assertTrue(row[x] <= row[x - 1] + 1e-6f, "monotone ramp");
		assertEquals(1f, row[0], 1e-6);
		assertEquals(0f, row[w - 1], 1e-6);
		assertEquals(0.5f, (row[19] + row[20]) / 2, 0.02, "the ramp is centred on the edge");
		assertTrue(row[15] < 1f && row[24] > 0f, "about one radius wide on each side");
		float[] same = RegionMasks.feather(m, w, h, 0);
		assertFalse(same == m);
		org.junit.jupiter.api.Assertions.assertArrayEquals(m, same);
	}

	@Test
	void normalisationSumsToOne() {
		float[] a = { 1, 0.8f, 0.2f, 0, 0.5f };
		float[] b = { 0, 0.8f, 0.3f, 0, 1 };
		List<float[]> n = RegionMasks.normalise(List.of(a, b), 5);
		assertEquals(3, n.size());
		for (int i = 0; i < 5; i++) assertEquals(1f, n.get(0)[i] + n.get(1)[i] + n.get(2)[i], 1e-6);
		assertEquals(0.5f, n.get(0)[1], 1e-6, "overlap > 1 is divided by the sum");
		assertEquals(0.2f, n.get(0)[2], 1e-6, "overlap < 1 is kept");
		assertEquals(0.5f, n.get(2)[2], 1e-6, "and the rest is outside");
		assertEquals(1f, n.get(2)[3]);
	}
}
