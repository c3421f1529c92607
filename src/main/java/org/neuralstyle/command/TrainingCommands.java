package org.neuralstyle.command;

import org.neuralstyle.Progress;
import org.neuralstyle.stylebank.Trainer;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;

/** What the SciJava training commands share: one message out, failures as the cancel reason. */
final class TrainingCommands {

	interface Work {
		String run() throws Exception;
	}

	private TrainingCommands() {}

	static String call(ContextCommand command, LogService log, Work work) {
		try {
			String m = work.run();
			if (m.startsWith("Error: ")) throw new IllegalArgumentException(m.substring(7));
			if (log != null) log.info(m);
			return m;
		}
		catch (Progress.CancelledException e) {
			command.cancel("cancelled");
		}
		catch (Exception | OutOfMemoryError e) {
			if (log != null) log.error(e.getMessage());
			command.cancel(e.getMessage() != null ? e.getMessage() : e.toString());
		}
		return null;
	}

	/** Stops training when the command is cancelled. */
	static Trainer.Listener cancelOn(ContextCommand command) {
		return new Trainer.Listener() {
			@Override
			public void iteration(int iteration, int total, String branch, double loss, double content, double style) {}

			@Override
			public boolean cancelled() {
				return command.isCanceled();
			}
		};
	}
}
