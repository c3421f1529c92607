package org.neuralstyle;

/**
 * How long work reports progress and learns that the user cancelled. One interface for every
 * engine; the doors adapt it to ImageJ's status bar, SciJava's StatusService or the console.
 */
public interface Progress {

	/** {@code done} of {@code total} steps finished; {@code message} says what is running. */
	void report(int done, int total, String message);

	boolean isCancelled();

	/** Throws {@link CancelledException} if the user cancelled. */
	default void checkCancelled() {
		if (isCancelled()) throw new CancelledException();
	}

	Progress NONE = new Progress() {
		@Override
		public void report(int done, int total, String message) {}

		@Override
		public boolean isCancelled() {
			return false;
		}
	};

	/** Thrown when the user cancelled; nothing is left half-done. */
	final class CancelledException extends RuntimeException {
		public CancelledException() {
			super("cancelled by the user");
		}
	}
}
