package org.neuralstyle.command;

import org.neuralstyle.imagej.ImportRunner;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;

/** SciJava door to Import PyTorch StyleBank (no menu path; the menu entry is the ImageJ 1.x one). */
@Plugin(type = Command.class, headless = true, label = "Import PyTorch StyleBank")
public class ImportStyleBankCommand extends MessageCommand {

	@Parameter(label = "PyTorch checkpoint or folder", style = "both", persist = false)
	private File source;

	@Parameter(label = "Output model (NAME.stylebank or .zip)", style = "save", persist = false)
	private File output;

	@Parameter(label = "Model name", required = false, persist = false)
	private String name = "";

	@Parameter(label = "Other options (key=value ..., as in the macro)", required = false, persist = false)
	private String options = "";

	@Override
	String compute() throws Exception {
		Map<String, String> v = new LinkedHashMap<>();
		v.put("source", source == null ? null : source.getPath());
		v.put("output", output == null ? null : output.getPath());
		v.put("name", name);
		return ImportRunner.run(ImportRunner.Request.from(Options.of(v, ImportRunner.Request.KEYS).with(options), Settings.current()), progress());
	}
}
