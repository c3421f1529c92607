package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.macro.Interpreter;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.ImageJProgress;

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

	/**
	 * Runs the work with ImageJ's progress bar (Esc cancels), shows the new image (headless
	 * without a macro interpreter: makes it the current image), and turns any failure into one
	 * error dialog (or log line), aborting a calling macro.
	 */
	static void runAndShow(String title, boolean macro, Work work) {
		try {
			ImagePlus result = work.run(new ImageJProgress(IJ.getInstance() == null));
			if (GraphicsEnvironment.isHeadless() && !Interpreter.isBatchMode()) WindowManager.setTempCurrentImage(result);
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
