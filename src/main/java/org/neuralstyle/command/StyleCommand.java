package org.neuralstyle.command;

import ij.ImagePlus;

import org.neuralstyle.Progress;
import org.scijava.ItemIO;
import org.scijava.app.StatusService;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;

/**
 * What the SciJava commands share: progress through the StatusService, cancel through the
 * command's own cancel flag, one clear cancel reason (and a log line) on failure, and the
 * resulting image as the output "result".
 */
abstract class StyleCommand extends ContextCommand {

	@Parameter(type = ItemIO.OUTPUT)
	private ImagePlus result;

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private LogService log;

	/** Does the work; throws with a user-facing message on bad input. */
	abstract ImagePlus compute(Progress progress) throws Exception;

	@Override
	public final void run() {
		try {
			result = compute(progress(status, this::isCanceled));
		}
		catch (Progress.CancelledException e) {
			cancel("cancelled");
		}
		catch (Exception | OutOfMemoryError e) {
			if (log != null) log.error(getClass().getSimpleName() + ": " + e.getMessage());
			cancel(e.getMessage() != null ? e.getMessage() : e.toString());
		}
	}

	/** Progress through SciJava's status service (absent: none shown); cancelled when {@code cancelled} says so. */
	static Progress progress(StatusService status, java.util.function.BooleanSupplier cancelled) {
		return new Progress() {
			@Override
			public void report(int done, int total, String message) {
				if (status != null) status.showStatus(done, total, message);
			}

			@Override
			public boolean isCancelled() {
				return cancelled.getAsBoolean();
			}
		};
	}

	void info(String line) {
		if (log != null) log.info(line);
	}
}
