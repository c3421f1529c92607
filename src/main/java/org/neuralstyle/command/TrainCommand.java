package org.neuralstyle.command;

import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;

/** SciJava door to StyleBank training (no menu path; the menu entry is the ImageJ 1.x one). */
@Plugin(type = Command.class, headless = true, label = "Train StyleBank Model")
public class TrainCommand extends MessageCommand {

	@Parameter(label = "Content images folder", style = "directory")
	private File content;

	@Parameter(label = "Style images folder (one image per style)", style = "directory")
	private File styles;

	@Parameter(label = "Output model (NAME.stylebank or .zip)", style = "save")
	private File output;

	@Parameter(label = "Other settings (key=value ..., see README)", required = false)
	private String options = "";

	@Override
	String compute() throws Exception {
		return Headless.train("content=[" + content + "] styles=[" + styles + "] output=[" + output + "] " + options, stopOnCancel());
	}
}
