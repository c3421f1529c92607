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

/** SciJava door to StyleBank training (no menu path; the menu entry is the ImageJ 1.x one). */
@Plugin(type = Command.class, headless = true, label = "Train StyleBank Model")
public class TrainCommand extends MessageCommand {

	@Parameter(label = "Content images folder", style = "directory", persist = false)
	private File content;

	@Parameter(label = "Style images folder (one image per style)", style = "directory", persist = false)
	private File styles;

	@Parameter(label = "Output model (NAME.stylebank or .zip)", style = "save", persist = false)
	private File output;

	@Parameter(label = "Other settings (key=value ..., see README)", required = false, persist = false)
	private String options = "";

	@Override
	String compute() throws Exception {
		Map<String, String> v = new LinkedHashMap<>();
		v.put("content", content == null ? null : content.getPath());
		v.put("styles", styles == null ? null : styles.getPath());
		v.put("output", output == null ? null : output.getPath());
		Options o = Options.of(v, TrainingRunner.TRAIN_KEYS).with(options);
		return TrainingRunner.train(TrainingRunner.TrainRequest.from(o, Settings.current()), progress(), stopOnCancel(), this::info).message();
	}
}
