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

	/** Returns the report; a report starting with "Error: " (from the headless entry points) counts as failure. */
	abstract String compute() throws Exception;

	@Override
	public final void run() {
		try {
			String m = compute();
			if (m.startsWith("Error: ")) throw new IllegalArgumentException(m.substring(7));
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
