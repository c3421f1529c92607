package org.neuralstyle.command;

import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;

/** SciJava door to incremental style learning (no menu path; the menu entry is the ImageJ 1.x one). */
@Plugin(type = Command.class, headless = true, label = "Learn New StyleBank Style")
public class LearnStyleCommand extends MessageCommand {

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

	@Override
	String compute() throws Exception {
		return Headless.learnStyle("model=[" + model + "] style=[" + style + "] content=[" + content + "]"
			+ (id == null || id.isBlank() ? "" : " id=" + id.trim()) + " " + options, stopOnCancel());
	}
}
