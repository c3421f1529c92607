package org.neuralstyle.command;

import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;

/** SciJava door to incremental style learning (no menu path; the menu entry is the ImageJ 1.x one). */
@Plugin(type = Command.class, headless = true, label = "Learn New StyleBank Style")
public class LearnStyleCommand extends ContextCommand {

	@Parameter(label = "Model", style = "both")
	private File model;

	@Parameter(label = "Style image", style = "open")
	private File style;

	@Parameter(label = "Style id", required = false)
	private String id = "";

	@Parameter(label = "Content images folder", style = "directory")
	private File content;

	@Parameter(label = "Other settings (key=value ..., see README)", required = false)
	private String options = "";

	@Parameter(type = ItemIO.OUTPUT)
	private String message;

	@Parameter(required = false)
	private LogService log;

	@Override
	public void run() {
		message = TrainingCommands.call(this, log, () -> Headless.learnStyle("model=[" + model + "] style=[" + style + "] content=["
			+ content + "]" + (id == null || id.isBlank() ? "" : " id=" + id.trim()) + " " + options, TrainingCommands.cancelOn(this)));
	}
}
