package org.neuralstyle.imagej;

import ij.IJ;

import org.neuralstyle.Progress;

/** Progress in ImageJ's status bar and progress bar; Esc cancels. Headless, it logs to stderr. */
public final class ImageJProgress implements Progress {

	private final boolean console;

	public ImageJProgress(boolean console) {
		this.console = console;
	}

	@Override
	public void report(int done, int total, String message) {
		if (console) {
			System.err.println("[style transfer] " + message);
			return;
		}
		IJ.showStatus(message + (done < total ? " (Esc cancels)" : ""));
		IJ.showProgress(done, total);
	}

	@Override
	public boolean isCancelled() {
		return !console && IJ.escapePressed();
	}
}
