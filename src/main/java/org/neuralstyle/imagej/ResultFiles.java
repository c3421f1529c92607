package org.neuralstyle.imagej;

import ij.IJ;
import ij.ImagePlus;
import ij.io.FileSaver;

import org.neuralstyle.nn.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import javax.imageio.ImageIO;

/** Opens inputs and writes results: PNG or TIFF by extension, via a temporary file and a rename. */
public final class ResultFiles {

	private ResultFiles() {}

	public static ImagePlus open(Path input) {
		if (!Files.isRegularFile(input)) throw new IllegalArgumentException("input image not found: " + input);
		ImagePlus imp = IJ.openImage(input.toString());
		if (imp == null) {
			throw new IllegalArgumentException("ImageJ cannot open " + input + " as an image (is it a TIFF, PNG, JPEG, ...?)");
		}
		if (imp.getWidth() < 1 || imp.getHeight() < 1 || imp.getStackSize() < 1) {
			// e.g. a text file, which ImageJ imports as a "text image" of numbers
			throw new IllegalArgumentException("ImageJ cannot open " + input + " as an image: it holds no pixels (is it a TIFF, PNG, "
				+ "JPEG, ...?)");
		}
		return imp;
	}

	/** Checks the output path before any work is done, so a long run does not fail at the end. */
	public static void checkWritable(Path output) {
		String ext = extension(output);
		if (!ext.equals("png") && !ext.equals("tif") && !ext.equals("tiff")) {
			throw new IllegalArgumentException("output must end in .png, .tif or .tiff, got " + output.getFileName());
		}
		Path dir = output.toAbsolutePath().getParent();
		if (dir != null && !Files.isDirectory(dir) && Files.exists(dir)) {
			throw new IllegalArgumentException("output folder " + dir + " is a file, not a folder");
		}
		if (dir == null || !Files.isDirectory(dir)) throw new IllegalArgumentException("output folder does not exist: " + dir);
		if (!Files.isWritable(dir)) throw new IllegalArgumentException("output folder is not writable: " + dir);
		if (Files.isDirectory(output)) throw new IllegalArgumentException("output is a folder, not a file: " + output);
	}

	/** Checks that a model can be written there (folder or .zip) before training starts or a model is changed. */
	public static void checkModelWritable(Path model) {
		Path abs = model.toAbsolutePath();
		Path dir = Files.isDirectory(abs) ? abs : abs.getParent();
		checkFolder(dir);
		if (Files.isDirectory(abs)) {
			// changes go into the model's subfolders too
			for (String sub : new String[] { "banks", "thumbnails" }) {
				if (Files.exists(abs.resolve(sub))) checkFolder(abs.resolve(sub));
			}
		}
	}

	private static void checkFolder(Path dir) {
		if (dir == null) throw new IllegalArgumentException("no folder given to write in");
		for (Path p = dir; p != null; p = p.getParent()) {
			if (Files.exists(p) && !Files.isDirectory(p)) {
				throw new IllegalArgumentException("cannot write in " + dir + ": " + p + " is a file, not a folder; choose another output");
			}
		}
		if (!Files.isDirectory(dir)) throw new IllegalArgumentException("folder does not exist: " + dir);
		if (!Files.isWritable(dir)) throw new IllegalArgumentException("no permission to write in " + dir + "; choose another output");
	}

	/** Checks that a file can be written there (its folder exists and is writable, it is not a folder) before any work. */
	public static void checkFileWritable(Path file) {
		Path abs = file.toAbsolutePath();
		checkFolder(abs.getParent());
		if (Files.isDirectory(abs)) throw new IllegalArgumentException("output is a folder, not a file: " + file);
	}

	public static void save(ImagePlus imp, Path output) throws IOException {
		checkWritable(output);
		String ext = extension(output);
		Path abs = output.toAbsolutePath();
		AtomicFiles.write(abs, "." + ext, tmp -> {
			if (ext.equals("png")) {
				if (imp.getStackSize() > 1) {
					throw new IllegalArgumentException("a PNG holds one image but the result has " + imp.getStackSize()
						+ " slices; write it as .tif");
				}
				if (!ImageIO.write(imp.getProcessor().getBufferedImage(), "png", tmp.toFile())) {
					throw new IOException("no PNG writer available");
				}
			}
			else {
				FileSaver saver = new FileSaver(imp);
				boolean ok = imp.getStackSize() > 1 ? saver.saveAsTiffStack(tmp.toString()) : saver.saveAsTiff(tmp.toString());
				if (!ok) throw new IOException("could not write " + tmp);
			}
		});
	}

	private static String extension(Path p) {
		String n = p.getFileName() == null ? "" : p.getFileName().toString();
		int dot = n.lastIndexOf('.');
		return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
	}
}
