package org.neuralstyle.imagej;

import ij.gui.Roi;
import ij.io.RoiDecoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * ROI files as the ROI Manager saves them: a single {@code .roi} or a RoiSet {@code .zip}.
 * Files are read into memory with size caps and decoded by ImageJ's RoiDecoder; nothing is
 * extracted to disk. A ROI without a stored name takes its file or entry name.
 */
public final class RoiFiles {

	static final long MAX_ROI_BYTES = 64L << 20;
	static final int MAX_ROIS = 100_000;

	private RoiFiles() {}

	public static List<Roi> read(Path file) throws IOException {
		if (!Files.isRegularFile(file)) throw new IllegalArgumentException("ROI file not found: " + file);
		String name = file.getFileName().toString();
		String lower = name.toLowerCase(Locale.ROOT);
		List<Roi> out = new ArrayList<>();
		if (lower.endsWith(".roi")) {
			if (Files.size(file) > MAX_ROI_BYTES) throw new IllegalArgumentException(file + " is too large for a ROI file");
			out.add(decode(Files.readAllBytes(file), name.substring(0, name.length() - 4), file.toString()));
		}
		else if (lower.endsWith(".zip")) {
			try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
				for (ZipEntry e; (e = zip.getNextEntry()) != null;) {
					String entry = e.getName();
					if (e.isDirectory() || !entry.toLowerCase(Locale.ROOT).endsWith(".roi")) continue;
					if (out.size() >= MAX_ROIS) throw new IllegalArgumentException(file + " holds more than " + MAX_ROIS + " ROIs");
					String base = entry.substring(entry.lastIndexOf('/') + 1);
					out.add(decode(readCapped(zip, file + ": " + entry), base.substring(0, base.length() - 4), file + ": " + entry));
				}
			}
			catch (java.util.zip.ZipException e) {
				throw new IllegalArgumentException(file + " is not a readable zip archive (" + e.getMessage() + ")");
			}
			if (out.isEmpty()) throw new IllegalArgumentException(file + " holds no .roi entries (is it a RoiSet saved by the ROI Manager?)");
		}
		else {
			throw new IllegalArgumentException("ROI file must be a .roi or a RoiSet .zip as saved by the ROI Manager, got " + name);
		}
		return out;
	}

	private static Roi decode(byte[] bytes, String name, String where) {
		Roi roi;
		try {
			roi = new RoiDecoder(bytes, name).getRoi();
		}
		catch (IOException | RuntimeException | OutOfMemoryError e) {
			// a corrupt header can claim absurd sizes; the decoder's allocation then fails
			throw new IllegalArgumentException(where + " is not a valid ImageJ ROI (" + e + ")");
		}
		if (roi == null) throw new IllegalArgumentException(where + " is not a valid ImageJ ROI");
		if (roi.getName() == null) roi.setName(name);
		return roi;
	}

	private static byte[] readCapped(InputStream in, String where) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] buf = new byte[1 << 16];
		long total = 0;
		for (int n; (n = in.read(buf)) > 0;) {
			total += n;
			if (total > MAX_ROI_BYTES) throw new IllegalArgumentException(where + " is too large for a ROI");
			out.write(buf, 0, n);
		}
		return out.toByteArray();
	}
}
