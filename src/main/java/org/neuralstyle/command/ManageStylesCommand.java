package org.neuralstyle.command;

import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;

/** SciJava door to the style library (no menu path; the menu entry is the ImageJ 1.x one). */
@Plugin(type = Command.class, headless = true, label = "Manage StyleBank Styles")
public class ManageStylesCommand extends MessageCommand {

	@Parameter(label = "Model", style = "both")
	private File model;

	@Parameter(label = "Action", choices = { "list", "rename", "remove", "export", "import" })
	private String action = "list";

	@Parameter(label = "Style id", required = false)
	private String style = "";

	@Parameter(label = "New name (rename)", required = false)
	private String name = "";

	@Parameter(label = "Style file (export/import)", required = false, style = "both")
	private File file;

	@Override
	String compute() {
		StringBuilder a = new StringBuilder("model=[" + model + "] action=" + action);
		if (style != null && !style.isBlank()) a.append(" style=").append(style.trim());
		if (name != null && !name.isBlank()) a.append(" name=[").append(name.trim()).append(']');
		if (file != null) a.append(" file=[").append(file).append(']');
		return Headless.manageStyles(a.toString());
	}
}
