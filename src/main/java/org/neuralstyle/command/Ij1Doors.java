package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.macro.Interpreter;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.ImageJProgress;
import org.neuralstyle.imagej.InPlace;

import java.awt.GraphicsEnvironment;

/** What the ImageJ 1.x plugins share: running the work, showing the result, cancel and errors. */
final class Ij1Doors {

	interface Work {
		ImagePlus run(Progress progress) throws Exception;
	}

	private Ij1Doors() {}

	/** Macro options given while no dialog can open: the values are read from the options directly. */
	static boolean headlessMacro(String options) {
		return options != null && GraphicsEnvironment.isHeadless();
	}

	/** A checkbox in macro options: recorded as the bare key when ticked. */
	static boolean flag(String options, String key) {
		return options != null && (" " + options + " ").matches("(?s).*\\s" + java.util.regex.Pattern.quote(key) + "(=true)?\\s.*");
	}

	/**
	 * Runs the work with ImageJ's progress bar (Esc cancels), shows the new image (headless
	 * without a macro interpreter: makes it the current image), and turns any failure into one
	 * error dialog (or log line), aborting a calling macro.
	 */
	static void runAndShow(String title, boolean macro, Work work) {
		runAndShow(title, macro, null, work);
	}

	/**
	 * As {@link #runAndShow(String, boolean, Work)}; with {@code inPlace} the result's pixels
	 * replace that image's (undoable for single images) instead of a new image opening.
	 */
	static void runAndShow(String title, boolean macro, ImagePlus inPlace, Work work) {
		try {
			if (inPlace != null) InPlace.check(inPlace);
			ImagePlus result = work.run(new ImageJProgress(IJ.getInstance() == null));
			if (inPlace != null) {
				InPlace.replace(inPlace, result);
				IJ.showStatus(title + ": done in place" + (inPlace.getStackSize() == 1 ? " (Edit > Undo restores it)" : ""));
			}
			else if (GraphicsEnvironment.isHeadless() && !Interpreter.isBatchMode()) WindowManager.setTempCurrentImage(result);
			else result.show();
		}
		catch (Progress.CancelledException e) {
			IJ.showStatus(title + ": cancelled");
		}
		catch (Exception | OutOfMemoryError e) {
			IJ.showProgress(1.0);
			IJ.error(title, e.getMessage() != null ? e.getMessage() : e.toString());
			if (macro) Macro.abort();
		}
	}
}
