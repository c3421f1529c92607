package org.neuralstyle.imagej;

import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.stylebank.DefaultModel;
import org.neuralstyle.stylebank.StyleLibrary;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/** Manage StyleBank Styles from every door: the options, the checks before anything is written, the engine's {@link StyleLibrary}. */
public final class StyleLibraryRunner {

	/** model, action (list, rename, remove, export, import), style, name, file, output. */
	public static final Set<String> KEYS = Set.of("model", "action", "style", "name", "file", "output");

	private StyleLibraryRunner() {}

	public static StyleLibrary.Request request(Options o, EngineSettings settings) throws IOException {
		Path model = DefaultModel.resolve(o.get("model", ""), settings.modelsFolder());
		StyleLibrary.Action action = StyleLibrary.Action.parse(o.require("action", "list, rename, remove, export or import"));
		return new StyleLibrary.Request(model, action, o.get("style", null), o.get("name", null),
			o.has("file") ? Path.of(o.get("file", "").trim()) : null, o.has("output") ? Path.of(o.get("output", "").trim()) : null);
	}

	/** Checks where the result goes, then runs the action; returns its report. */
	public static String run(StyleLibrary.Request r) throws IOException {
		switch (r.action()) {
			case RENAME, REMOVE, IMPORT -> ResultFiles.checkModelWritable(r.output());
			case EXPORT -> {
				if (r.file() != null) ResultFiles.checkFileWritable(r.file());
			}
			default -> { }
		}
		return StyleLibrary.run(r);
	}
}
