package org.neuralstyle.command;

import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.TrainingRunner;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;

/** SciJava door to incremental style learning (no menu path; the menu entry is the ImageJ 1.x one). */
@Plugin(type = Command.class, headless = true, label = "Learn New StyleBank Style")
public class LearnStyleCommand extends MessageCommand {

	@Parameter(label = "Model", style = "both", persist = false)
	private File model;

	@Parameter(label = "Style image", style = "open", persist = false)
	private File style;

	@Parameter(label = "Style id", required = false, persist = false)
	private String id = "";

	@Parameter(label = "Content images folder", style = "directory", persist = false)
	private File content;

	@Parameter(label = "Other settings (key=value ..., see README)", required = false, persist = false)
	private String options = "";

	@Override
	String compute() throws Exception {
		Map<String, String> v = new LinkedHashMap<>();
		v.put("model", model == null ? null : model.getPath());
		v.put("style", style == null ? null : style.getPath());
		v.put("content", content == null ? null : content.getPath());
		v.put("id", id == null ? null : id.trim());
		Options o = Options.of(v, TrainingRunner.LEARN_KEYS).with(options);
		return TrainingRunner.learn(TrainingRunner.LearnRequest.from(o, Settings.current()), progress(), stopOnCancel(), this::info).message();
	}
}
