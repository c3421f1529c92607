package org.neuralstyle.imagej;

import ij.IJ;

import org.neuralstyle.Progress;

/** Progress in ImageJ's status bar and progress bar; Esc cancels. Headless, it logs to stderr. */
public final class ImageJProgress implements Progress {

	private final boolean console;
	private long lastPrint;

	public ImageJProgress(boolean console) {
		this.console = console;
	}

	@Override
	public void report(int done, int total, String message) {
		if (console) {
			long now = System.nanoTime();
			// at most one line every 2 s (and the first and last), so long runs do not flood the log
			if (done == 0 || done >= total || now - lastPrint > 2_000_000_000L) {
				lastPrint = now;
				System.err.println("[style transfer] " + message);
			}
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
