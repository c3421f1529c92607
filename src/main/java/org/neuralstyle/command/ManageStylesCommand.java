package org.neuralstyle.command;

import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.StyleLibraryRunner;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;

/** SciJava door to the style library (no menu path; the menu entry is the ImageJ 1.x one). */
@Plugin(type = Command.class, headless = true, label = "Manage StyleBank Styles")
public class ManageStylesCommand extends MessageCommand {

	@Parameter(label = "Model", style = "both", persist = false)
	private File model;

	@Parameter(label = "Action", choices = { "list", "rename", "remove", "export", "import" }, persist = false)
	private String action = "list";

	@Parameter(label = "Style id", required = false, persist = false)
	private String style = "";

	@Parameter(label = "New name (rename)", required = false, persist = false)
	private String name = "";

	@Parameter(label = "Style file (export/import)", required = false, style = "both", persist = false)
	private File file;

	@Parameter(label = "Other options (key=value ..., as in the macro)", required = false, persist = false)
	private String options = "";

	@Override
	String compute() throws Exception {
		Map<String, String> v = new LinkedHashMap<>();
		v.put("model", model == null ? null : model.getPath());
		v.put("action", action);
		v.put("style", style);
		v.put("name", name);
		v.put("file", file == null ? null : file.getPath());
		return StyleLibraryRunner.run(StyleLibraryRunner.request(Options.of(v, StyleLibraryRunner.KEYS).with(options), Settings.current()));
	}
}
