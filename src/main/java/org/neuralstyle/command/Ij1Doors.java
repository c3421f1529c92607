package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.macro.Interpreter;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.ImageJProgress;
import org.neuralstyle.imagej.InPlace;
import org.neuralstyle.imagej.Options;

import java.awt.GraphicsEnvironment;
import java.util.Set;

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

	/**
	 * The macro options of this run checked against the function's keys (null without a macro):
	 * an unknown key is refused here, as at every other door, even where a dialog would read the
	 * values itself and ignore it.
	 */
	static Options macroOptions(String options, Set<String> keys) {
		return options == null ? null : Options.parse(options, keys);
	}

	/** Shows a refusal before any work (a dialog, or the log headless) and aborts a calling macro. */
	static void refuse(String title, boolean macro, Exception e) {
		IJ.error(title, e.getMessage() != null ? e.getMessage() : e.toString());
		if (macro) Macro.abort();
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
