package org.neuralstyle.command;

import org.neuralstyle.Progress;
import org.neuralstyle.stylebank.Trainer;
import org.scijava.ItemIO;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;

/**
 * What the SciJava training and library commands share: a one-line report as the output
 * "message", failures as the cancel reason (and a log line), and training stopped by cancel.
 */
abstract class MessageCommand extends ContextCommand {

	@Parameter(type = ItemIO.OUTPUT)
	private String message;

	@Parameter(required = false)
	private LogService log;

	/** Returns the report; throws with a user-facing message on failure. */
	abstract String compute() throws Exception;

	@Override
	public final void run() {
		try {
			String m = compute();
			if (log != null) log.info(m);
			message = m;
		}
		catch (Progress.CancelledException e) {
			cancel("cancelled");
		}
		catch (Exception | OutOfMemoryError e) {
			if (log != null) log.error(e.getMessage());
			cancel(e.getMessage() != null ? e.getMessage() : e.toString());
		}
	}

	/** Progress to the log (SciJava commands have no status bar of their own here); cancel through the command. */
	Progress progress() {
		return new Progress() {
			@Override
			public void report(int done, int total, String message) {}

			@Override
			public boolean isCancelled() {
				return isCanceled();
			}
		};
	}

	void info(String line) {
		if (log != null) log.info(line);
	}

	/** Stops training when this command is cancelled. */
	Trainer.Listener stopOnCancel() {
		return new Trainer.Listener() {
			@Override
			public void iteration(int iteration, int total, String branch, double loss, double content, double style) {}

			@Override
			public boolean cancelled() {
				return isCanceled();
			}
		};
	}
}
