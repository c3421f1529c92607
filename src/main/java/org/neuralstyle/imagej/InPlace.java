package org.neuralstyle.imagej;

import ij.ImagePlus;
import ij.Undo;

/**
 * The in-place option: the source image takes the result's pixels (and becomes RGB) instead of
 * a new image opening. For a single image this is undoable with Edit > Undo (the original
 * processor, type, LUT, display range and calibration come back); for stacks ImageJ keeps no
 * undo copy, which the dialogs say. Composite images are refused: their channels would turn into
 * RGB planes, which is rarely what anyone wants in place.
 */
public final class InPlace {

	private InPlace() {}

	/** Throws with advice when the source cannot be replaced, before any work is done. */
	public static void check(ImagePlus source) {
		if (source.isComposite() && source.getNChannels() > 1) {
			throw new IllegalArgumentException("in place does not work for composite (multi-channel) images: each channel would "
				+ "become an RGB plane. Untick 'in_place' to get a new image.");
		}
		if (source.isLocked()) throw new IllegalArgumentException("the image is locked by another command; wait for it or untick 'in_place'");
	}

	/** Replaces the source's pixels with the result's (same width, height and plane count). */
	public static void replace(ImagePlus source, ImagePlus result) {
		check(source);
		if (result.getWidth() != source.getWidth() || result.getHeight() != source.getHeight()
			|| result.getStackSize() != source.getStackSize())
		{
			throw new IllegalStateException("the result's size differs from the source's; it was not written in place");
		}
		if (source.getStackSize() == 1) {
			Undo.setup(Undo.TYPE_CONVERSION, source);
			source.setProcessor(result.getProcessor());
		}
		else {
			Undo.reset();
			int c = source.getNChannels(), z = source.getNSlices(), t = source.getNFrames();
			boolean hyper = source.isHyperStack();
			source.setStack(result.getStack(), c, z, t);
			if (hyper) source.setOpenAsHyperStack(true);
		}
		source.changes = true;
		source.updateAndDraw();
	}
}
