package org.neuralstyle.imagej;

import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.plugin.frame.RoiManager;
import ij.process.ImageProcessor;

import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.basictypeaccess.array.FloatArray;
import net.imglib2.type.numeric.real.FloatType;

import org.neuralstyle.image.RegionMasks;

import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * ImageJ regions as ImgLib2 masks, in one place: the active selection, the ROI Manager or the
 * overlay; any area ROI (rectangle, oval, polygon, freehand, traced, rotated, composite with
 * holes). Line and point selections are refused: they cover no area to style.
 */
public final class RoiMasks {

	public enum Source {
		SELECTION, ROI_MANAGER, OVERLAY;

		public static Source parse(String s) {
			String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('_', ' ');
			return switch (t) {
				case "selection" -> SELECTION;
				case "roi manager", "roimanager", "manager" -> ROI_MANAGER;
				case "overlay" -> OVERLAY;
				default -> throw new IllegalArgumentException("regions must come from selection, roi manager or overlay, got '" + s + "'");
			};
		}

		public String label() {
			return switch (this) {
				case SELECTION -> "selection";
				case ROI_MANAGER -> "roi manager";
				case OVERLAY -> "overlay";
			};
		}
	}

	private RoiMasks() {}

	/** The ROIs of the chosen source; a clear error if there are none. */
	public static List<Roi> rois(ImagePlus imp, Source source) {
		List<Roi> out = new ArrayList<>();
		switch (source) {
			case SELECTION -> {
				if (imp.getRoi() != null) out.add(imp.getRoi());
			}
			case ROI_MANAGER -> {
				RoiManager rm = RoiManager.getInstance();
				if (rm != null) out.addAll(Arrays.asList(rm.getRoisAsArray()));
			}
			case OVERLAY -> {
				Overlay o = imp.getOverlay();
				if (o != null) out.addAll(Arrays.asList(o.toArray()));
			}
		}
		if (out.isEmpty()) {
			throw new IllegalArgumentException("no regions: the " + source.label() + " is empty. Draw a selection, "
				+ "add ROIs to the ROI Manager (Analyze > Tools > ROI Manager) or to the overlay, or choose another source.");
		}
		return out;
	}

	/** A name for messages and for matching styles: the ROI's name, or "ROI n" (1-based). */
	public static String name(Roi roi, int index) {
		String n = roi.getName();
		return n == null || n.isBlank() ? "ROI " + (index + 1) : n;
	}

	/**
	 * The ROI as a mask of the image's size: 1 inside, 0 outside. Refuses line and point ROIs,
	 * ROIs entirely outside the image and ROIs that cover no pixel.
	 */
	public static ArrayImg<FloatType, FloatArray> mask(Roi roi, String name, int width, int height) {
		if (roi.isLineOrPoint() || !roi.isArea()) {
			throw new IllegalArgumentException("region '" + name + "' is a " + roi.getTypeAsString().toLowerCase(Locale.ROOT)
				+ " selection, which covers no area. Use an area selection (rectangle, oval, polygon, freehand, ...).");
		}
		Rectangle b = roi.getBounds();
		if (b.width <= 0 || b.height <= 0) {
			throw new IllegalArgumentException("region '" + name + "' is empty: it covers no pixel of the image (" + b.width + " x "
				+ b.height + " pixels)");
		}
		Rectangle inside = b.intersection(new Rectangle(0, 0, width, height));
		if (inside.isEmpty()) {
			throw new IllegalArgumentException("region '" + name + "' (at x=" + b.x + ", y=" + b.y + ", " + b.width + " x "
				+ b.height + ") lies outside the " + width + " x " + height + " image");
		}
		ArrayImg<FloatType, FloatArray> img = RegionMasks.empty(width, height);
		float[] m = img.update(null).getCurrentStorageArray();
		ImageProcessor rm = roi.getMask();
		int count = 0;
		for (int y = inside.y; y < inside.y + inside.height; y++) {
			for (int x = inside.x; x < inside.x + inside.width; x++) {
				if (rm == null || rm.get(x - b.x, y - b.y) != 0) {
					m[y * width + x] = 1f;
					count++;
				}
			}
		}
		if (count == 0) throw new IllegalArgumentException("region '" + name + "' is empty: it covers no pixel of the image");
		return img;
	}

	/**
	 * Whether a ROI applies to plane {@code index} (1-based) of the image: ROIs bound to a
	 * channel, slice or frame (hyperstack position) or to a stack position apply only there;
	 * unbound ROIs apply to every plane.
	 */
	public static boolean appliesTo(Roi roi, ImagePlus imp, int index) {
		if (roi.hasHyperStackPosition()) {
			int[] czt = imp.convertIndexToPosition(index);
			return (roi.getCPosition() == 0 || roi.getCPosition() == czt[0])
				&& (roi.getZPosition() == 0 || roi.getZPosition() == czt[1])
				&& (roi.getTPosition() == 0 || roi.getTPosition() == czt[2]);
		}
		return roi.getPosition() == 0 || roi.getPosition() == index;
	}
}
