package org.neuralstyle.imagej;

import ij.ImagePlus;

import org.neuralstyle.image.Resize;
import org.neuralstyle.stylebank.Trainer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

/**
 * Training data from folders: every image ImageJ opens in a content folder, and one style per
 * image in a style folder (its id from the file name: lower case, other characters than
 * letters, digits, '-' and '_' become '-'). Large content images are scaled down so that their
 * short side is at most twice the crop size (crops cover 50-100 % of the short side).
 */
public final class TrainingInputs {

	private TrainingInputs() {}

	static final java.util.Set<String> IMAGE_EXTENSIONS = java.util.Set.of("png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif");

	public static List<Path> images(Path folder, String what) throws IOException {
		if (!Files.isDirectory(folder)) throw new IllegalArgumentException(what + " folder not found: " + folder);
		List<Path> out = new ArrayList<>();
		try (Stream<Path> s = Files.list(folder)) {
			for (Path p : s.sorted().toList()) {
				String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
				int dot = n.lastIndexOf('.');
				if (Files.isRegularFile(p) && dot > 0 && IMAGE_EXTENSIONS.contains(n.substring(dot + 1))) out.add(p);
			}
		}
		if (out.isEmpty()) throw new IllegalArgumentException(what + " folder " + folder + " holds no images (png, jpg, tif, ...)");
		return out;
	}

	public static List<Trainer.ContentImage> content(Path folder, int cropSize) throws IOException {
		List<Trainer.ContentImage> out = new ArrayList<>();
		for (Path p : images(folder, "content")) {
			ImagePlus imp = ResultFiles.open(p);
			int w = imp.getWidth(), h = imp.getHeight();
			float[] rgb = ImagePlanes.rgb(imp, 1);
			double k = Math.min(1, 2.0 * cropSize / Math.min(w, h));
			if (k < 1) {
				int nw = Math.max(8, (int) Math.round(w * k)), nh = Math.max(8, (int) Math.round(h * k));
				rgb = Resize.area(rgb, 3, w, h, nw, nh);
				w = nw;
				h = nh;
			}
			if (Math.min(w, h) < 16) throw new IllegalArgumentException(p + " is too small to crop from (at least 16 pixels a side)");
			out.add(new Trainer.ContentImage(rgb, w, h));
		}
		return out;
	}

	/**
	 * Content images with target images, for training towards targets (distillation): for each
	 * content image NAME.ext and each style id, {@code targets}/ID/NAME.* (any image type ImageJ
	 * opens), for example the Gatys result of that image in that style. A content image's targets
	 * must share one size; the content image is scaled to it.
	 */
	public static List<Trainer.ContentImage> contentWithTargets(Path folder, Path targets, List<String> styleIds) throws IOException {
		if (!Files.isDirectory(targets)) throw new IllegalArgumentException("targets folder not found: " + targets);
		Map<String, Map<String, Path>> byStyle = new HashMap<>(); // style id -> base name -> file
		for (String id : styleIds) {
			Map<String, Path> files = new HashMap<>();
			Path dir = targets.resolve(id);
			if (Files.isDirectory(dir)) for (Path p : images(dir, "target")) files.putIfAbsent(baseName(p), p);
			byStyle.put(id, files);
		}
		List<Trainer.ContentImage> out = new ArrayList<>();
		for (Path p : images(folder, "content")) {
			String base = baseName(p);
			Map<String, float[]> t = new HashMap<>();
			int tw = -1, th = -1;
			for (String id : styleIds) {
				Path file = byStyle.get(id).get(base);
				if (file == null) {
					throw new IllegalArgumentException("no target image for content image " + p.getFileName() + " in style '" + id
						+ "': expected " + targets.resolve(id).resolve(base + ".png") + " (for example its Gatys result in that style)");
				}
				ImagePlus imp = ResultFiles.open(file);
				if (tw >= 0 && (imp.getWidth() != tw || imp.getHeight() != th)) {
					throw new IllegalArgumentException("the target images of " + p.getFileName() + " differ in size (" + file + " is "
						+ imp.getWidth() + " x " + imp.getHeight() + ", another " + tw + " x " + th + "); make them one size");
				}
				tw = imp.getWidth();
				th = imp.getHeight();
				if (Math.min(tw, th) < 16) throw new IllegalArgumentException(file + " is too small to crop from (at least 16 pixels a side)");
				t.put(id, ImagePlanes.rgb(imp, 1));
			}
			ImagePlus imp = ResultFiles.open(p);
			float[] rgb = ImagePlanes.rgb(imp, 1);
			if (imp.getWidth() != tw || imp.getHeight() != th) rgb = Resize.area(rgb, 3, imp.getWidth(), imp.getHeight(), tw, th);
			out.add(new Trainer.ContentImage(rgb, tw, th, t));
		}
		return out;
	}

	private static String baseName(Path p) {
		String n = p.getFileName().toString();
		return n.contains(".") ? n.substring(0, n.lastIndexOf('.')) : n;
	}

	public static Trainer.StyleImage style(Path file, String id, String name) {
		ImagePlus imp = ResultFiles.open(file);
		String fileName = file.getFileName().toString();
		String base = baseName(file);
		String styleId = id == null || id.isBlank() ? idFor(base) : id.trim();
		String styleName = name == null || name.isBlank() ? prettify(base) : name.trim();
		return new Trainer.StyleImage(styleId, styleName, ImagePlanes.rgb(imp, 1), imp.getWidth(), imp.getHeight(), fileName);
	}

	public static List<Trainer.StyleImage> styles(Path folder) throws IOException {
		List<Trainer.StyleImage> out = new ArrayList<>();
		java.util.Set<String> ids = new java.util.HashSet<>();
		for (Path p : images(folder, "style")) {
			Trainer.StyleImage s = style(p, null, null);
			if (!ids.add(s.id())) throw new IllegalArgumentException("two style images give the id '" + s.id() + "'; rename one");
			out.add(s);
		}
		return out;
	}

	static String idFor(String base) {
		String id = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]+", "-").replaceAll("^-+|-+$", "");
		return id.isEmpty() ? "style" : id;
	}

	static String prettify(String base) {
		String s = base.replace('_', ' ').replace('-', ' ').trim();
		return s.isEmpty() ? base : Character.toUpperCase(s.charAt(0)) + s.substring(1);
	}

	/** A PNG of the style image, 96 pixels on the long side. */
	public static byte[] thumbnail(Trainer.StyleImage s) {
		double k = 96.0 / Math.max(s.width(), s.height());
		int w = Math.max(1, (int) Math.round(s.width() * k)), h = Math.max(1, (int) Math.round(s.height() * k));
		float[] small = Resize.area(s.rgb(), 3, s.width(), s.height(), w, h);
		BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
		int n = w * h;
		for (int i = 0; i < n; i++) {
			int r = Math.round(small[i] * 255), g = Math.round(small[n + i] * 255), b = Math.round(small[2 * n + i] * 255);
			img.setRGB(i % w, i / w, (clamp(r) << 16) | (clamp(g) << 8) | clamp(b));
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try {
			ImageIO.write(img, "png", out);
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
		return out.toByteArray();
	}

	private static int clamp(int v) {
		return Math.max(0, Math.min(255, v));
	}
}
