package org.neuralstyle.imagej;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import ij.ImagePlus;
import ij.process.ColorProcessor;

import org.neuralstyle.nn.AtomicFiles;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.TiledPasses;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * A large image as a folder that many machines read and write at once: one TIFF per row of
 * tiles ({@code row-00000.tif}, ... each {@code rowHeight} pixels high and the image's full
 * width; the last may be lower) and {@code rows.properties} (width, height, rowHeight). RGB or
 * 8-bit rows (16-bit or float rows would each be scaled by their own display range).
 */
public final class TileRows {

	public static final String LAYOUT = "rows.properties";

	public record Layout(int width, int height, int rowHeight) {
		public int rows() {
			return (height + rowHeight - 1) / rowHeight;
		}
	}

	private TileRows() {}

	public static Path rowFile(Path dir, int row) {
		return dir.resolve(String.format(Locale.ROOT, "row-%05d.tif", row));
	}

	public static Layout layout(Path dir) throws IOException {
		Path f = dir.resolve(LAYOUT);
		if (!Files.isRegularFile(f)) throw new IllegalArgumentException(dir + " is not a folder of tile rows (no " + LAYOUT + ")");
		Properties p = new Properties();
		p.load(new StringReader(Files.readString(f)));
		try {
			Layout l = new Layout(Integer.parseInt(p.getProperty("width").trim()), Integer.parseInt(p.getProperty("height").trim()),
				Integer.parseInt(p.getProperty("rowHeight").trim()));
			if (l.width() < 1 || l.height() < 1 || l.rowHeight() < 16) throw new NumberFormatException();
			return l;
		}
		catch (RuntimeException e) {
			throw new IllegalArgumentException(f + " must give width, height and rowHeight (at least 16) as whole numbers");
		}
	}

	public static void writeLayout(Path dir, Layout l) throws IOException {
		String text = "width=" + l.width() + "\nheight=" + l.height() + "\nrowHeight=" + l.rowHeight() + "\n";
		AtomicFiles.write(dir.resolve(LAYOUT), text.getBytes(StandardCharsets.UTF_8));
	}

	/** Cuts a single-plane image into rows of {@code rowHeight} (for images that one machine can still open). */
	public static Layout split(ImagePlus imp, Path dir, int rowHeight) throws IOException {
		Files.createDirectories(dir);
		Layout l = new Layout(imp.getWidth(), imp.getHeight(), rowHeight);
		for (int r = 0; r < l.rows(); r++) {
			int y = r * rowHeight, rh = Math.min(rowHeight, l.height() - y);
			ij.process.ImageProcessor ip = imp.getProcessor().duplicate();
			ip.setRoi(0, y, l.width(), rh);
			ImagePlus row = new ImagePlus("row", ip.crop());
			row.setCalibration(imp.getCalibration());
			ResultFiles.save(row, rowFile(dir, r));
		}
		writeLayout(dir, l);
		return l;
	}

	/** The rows put back together as one RGB image (for images that fit in memory). */
	public static ImagePlus assemble(Path dir) throws IOException {
		Layout l = layout(dir);
		ColorProcessor out = new ColorProcessor(l.width(), l.height());
		for (int r = 0; r < l.rows(); r++) out.insert(ResultFiles.open(rowFile(dir, r)).getProcessor().convertToRGB(), 0, r * l.rowHeight());
		return new ImagePlus(dir.getFileName().toString(), out);
	}

	/** Reads the padded image's crops from the rows, keeping the last few rows read (a tile needs its row and its neighbours). */
	public static TiledPasses.Source source(Path dir, Layout l, TiledPasses.Plan plan) {
		Map<Integer, float[]> cache = new LinkedHashMap<>(8, 0.75f, true) {
			@Override
			protected boolean removeEldestEntry(Map.Entry<Integer, float[]> e) {
				return size() > 4;
			}
		};
		return (y0, y1, x0, x1) -> {
			int cw = x1 - x0, ch = y1 - y0, w = l.width();
			float[] out = new float[3 * cw * ch];
			for (int y = 0; y < ch; y++) {
				int sy = TiledPasses.sourceIndex(y0 + y, l.height(), plan.paddedHeight());
				int r = sy / l.rowHeight(), ly = sy % l.rowHeight();
				float[] row = cache.computeIfAbsent(r, k -> read(dir, l, k));
				int rh = Math.min(l.rowHeight(), l.height() - r * l.rowHeight());
				for (int x = 0; x < cw; x++) {
					int sx = TiledPasses.sourceIndex(x0 + x, w, plan.paddedWidth());
					for (int c = 0; c < 3; c++) out[c * cw * ch + y * cw + x] = row[c * rh * w + ly * w + sx];
				}
			}
			return out;
		};
	}

	private static float[] read(Path dir, Layout l, int r) {
		ImagePlus imp = ResultFiles.open(rowFile(dir, r));
		int rh = Math.min(l.rowHeight(), l.height() - r * l.rowHeight());
		if (imp.getWidth() != l.width() || imp.getHeight() != rh) {
			throw new IllegalArgumentException(rowFile(dir, r) + " is " + imp.getWidth() + " x " + imp.getHeight() + ", expected " + l.width() + " x " + rh);
		}
		return ImagePlanes.rgb(imp, 1);
	}

	/** Writes one output row (3 x rows x width floats in [0, 1]) as RGB, whole or not at all. */
	public static void writeRow(Path dir, int row, float[] chw, int width, int rows) throws IOException {
		ColorProcessor cp;
		try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
			cp = ImagePlanes.toColorProcessor(m.create(chw, new Shape(1, 3, rows, width)));
		}
		ResultFiles.save(new ImagePlus("row", cp), rowFile(dir, row));
	}
}
