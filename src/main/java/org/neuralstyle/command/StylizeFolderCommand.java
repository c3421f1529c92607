package org.neuralstyle.command;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.FolderRunner;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.scijava.ItemIO;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SciJava door to folder mode, for scripts and CommandService:
 * {@code commandService.run(StylizeFolderCommand.class, true, "input", dir, "output", dir, "style", "id")}.
 * The output "report" is the summary line; when a file failed the command is also cancelled with
 * that line as its reason. No menu path (the menu entry is {@link StylizeFolderPlugin}).
 */
@Plugin(type = Command.class, headless = true, label = "Stylize Folder",
	description = "Stylize every image of a folder with a StyleBank model, the model loaded once.")
public class StylizeFolderCommand extends ContextCommand {

	@Parameter(label = "Input folder", style = "directory", persist = false)
	private File input;

	@Parameter(label = "Output folder", style = "directory", persist = false)
	private File output;

	@Parameter(label = "Model", description = "A StyleBank model folder (NAME.stylebank) or .zip; empty: the default model", style = "both", required = false, persist = false)
	private File model;

	@Parameter(label = "Style", description = "A style id or name, 'id1:w1,id2:w2' for a linear mix, or 'reconstruction'", required = false, persist = false)
	private String style = "";

	@Parameter(label = "Pattern", required = false, persist = false)
	private String pattern = FolderRunner.DEFAULT_PATTERN;

	@Parameter(label = "Overwrite existing outputs", required = false, persist = false)
	private boolean overwrite;

	@Parameter(label = "Other options (key=value ..., as in the macro)", required = false, persist = false)
	private String options = "";

	@Parameter(type = ItemIO.OUTPUT)
	private String report;

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private LogService log;

	@Override
	public void run() {
		Progress progress = StyleCommand.progress(status, this::isCanceled);
		try {
			Map<String, String> v = new LinkedHashMap<>();
			v.put("input", input == null ? null : input.getPath());
			v.put("output", output == null ? null : output.getPath());
			if (model != null) v.put("model", model.getPath());
			if (style != null && !style.isBlank()) v.put("style", style);
			if (pattern != null && !pattern.isBlank()) v.put("pattern", pattern);
			if (overwrite) v.put("overwrite", "true");
			Options o = Options.of(v, FolderRunner.Request.KEYS).with(options);
			FolderRunner.Request request = FolderRunner.Request.from(o, Settings.current());
			FolderRunner.Summary summary = FolderRunner.run(request, progress);
			report = summary.line(request.output());
			if (summary.failed()) {
				if (log != null) log.error(report);
				cancel(report);
			}
		}
		catch (Exception | OutOfMemoryError e) {
			String message = e.getMessage() != null ? e.getMessage() : e.toString();
			report = "Error: " + message;
			if (log != null) log.error(getClass().getSimpleName() + ": " + message);
			cancel(message);
		}
	}
}
