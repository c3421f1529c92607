package org.neuralstyle.imagej;

import org.neuralstyle.Progress;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.stylebank.PyTorchImport;
import org.neuralstyle.stylebank.StyleBankModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** Import PyTorch StyleBank from every door: the options, the checks before anything is written, the engine's {@link PyTorchImport}. */
public final class ImportRunner {

	/** What to import: source (a checkpoint file, or a folder with encoder.pth, decoder.pth and bank/), output model, its name. */
	public record Request(Path source, Path output, String name, EngineSettings settings) {
		/** source, output (NAME.stylebank or NAME.stylebank.zip), name (default: from output). */
		public static final Set<String> KEYS = Set.of("source", "output", "name");

		public Request {
			if (source == null) throw new IllegalArgumentException("no source given: choose a PyTorch checkpoint file or its folder");
			if (output == null) throw new IllegalArgumentException("no output given: where to write the model (NAME.stylebank or .zip)");
			if (name == null || name.isBlank()) name = defaultName(output);
		}

		public static Request from(Options o, EngineSettings settings) {
			return new Request(o.path("source", "a PyTorch checkpoint file, or a folder with encoder.pth, decoder.pth and bank/"),
				o.path("output", "the model to write, NAME.stylebank (a folder) or NAME.stylebank.zip"), o.get("name", null), settings);
		}
	}

	private ImportRunner() {}

	static String defaultName(Path output) {
		String n = output.getFileName().toString();
		for (String ext : new String[] { ".zip", ".stylebank" }) {
			if (n.toLowerCase(Locale.ROOT).endsWith(ext)) n = n.substring(0, n.length() - ext.length());
		}
		return n.isBlank() ? "imported" : n;
	}

	/** Checks source and output, imports, writes and reads back; returns the report. */
	public static String run(Request r, Progress progress) throws IOException {
		if (!Files.exists(r.source())) throw new IllegalArgumentException("source not found: " + r.source());
		if (Files.exists(r.output())) {
			throw new IllegalArgumentException("output " + r.output() + " already exists; choose a new name (nothing was written)");
		}
		ResultFiles.checkModelWritable(r.output());
		progress.report(0, 2, "Reading " + r.source().getFileName());
		PyTorchImport.Result result = PyTorchImport.read(r.source(), r.name());
		progress.checkCancelled();
		progress.report(1, 2, "Writing " + r.output().getFileName());
		StyleBankModel m = PyTorchImport.write(result, r.output());
		progress.report(2, 2, "Imported " + r.output().getFileName());
		String styles = m.styles().stream().map(StyleBankModel.Style::id).collect(Collectors.joining(", "));
		return "Imported " + result.layout() + " as " + r.output() + ": channels " + Arrays.toString(m.channels()) + ", bank kernel "
			+ m.bankKernel() + ", " + m.styles().size() + " style(s)" + (styles.isEmpty() ? "" : " (" + styles + ")")
			+ (result.ignored().isEmpty() ? "" : "; ignored " + result.ignored().size() + " other tensor(s) such as " + result.ignored().get(0))
			+ ". Rename styles with Manage StyleBank Styles.";
	}
}
