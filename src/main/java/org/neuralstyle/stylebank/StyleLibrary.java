package org.neuralstyle.stylebank;

import org.neuralstyle.nn.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A model's styles as a library: list, rename, remove, export one as a shareable file, import
 * one. Changes are saved into the model (or another output) file by file; the autoencoder file
 * is never rewritten.
 */
public final class StyleLibrary {

	public enum Action {
		LIST, RENAME, REMOVE, EXPORT, IMPORT;

		public static Action parse(String s) {
			try {
				return valueOf(s.trim().toUpperCase(Locale.ROOT));
			}
			catch (IllegalArgumentException | NullPointerException e) {
				throw new IllegalArgumentException("action must be list, rename, remove, export or import, got '" + s + "'");
			}
		}
	}

	/**
	 * style: the style to rename, remove or export; name: the new display name; file: where to
	 * export, or what to import; output: where the changed model goes (null: the model itself).
	 */
	public record Request(Path model, Action action, String style, String name, Path file, Path output) {
		public Request {
			if (model == null) throw new IllegalArgumentException("no model given");
			if (action == null) action = Action.LIST;
			if (output == null) output = model;
		}
	}

	private StyleLibrary() {}

	/** Carries out the request; returns the one-line report (for list: one line per style after it). */
	public static String run(Request r) throws IOException {
		StyleBankModel model = StyleBankModel.load(r.model());
		switch (r.action()) {
			case LIST -> {
				StringBuilder sb = new StringBuilder("Model '" + model.name() + "' (" + r.model() + "), autoencoder SHA-256 "
					+ model.autoencoderSha256() + ", " + model.styles().size() + " style(s):");
				for (var st : model.styles()) {
					sb.append("\n  ").append(st.id()).append(" | ").append(st.name());
					if (st.source() != null) sb.append(" | source ").append(st.source());
					if (st.thumbnailPath() != null) sb.append(" | thumbnail ").append(st.thumbnailPath());
				}
				return sb.toString();
			}
			case RENAME -> {
				String id = model.requireStyle(require(r.style(), "style", "the style to rename")).id();
				String name = require(r.name(), "name", "the new display name");
				model.renameStyle(id, name);
				model.save(r.output());
				return "Renamed style '" + id + "' to '" + name + "' in " + r.output();
			}
			case REMOVE -> {
				String id = model.requireStyle(require(r.style(), "style", "the style to remove")).id();
				model.removeStyle(id);
				model.save(r.output());
				return "Removed style '" + id + "' from " + r.output();
			}
			case EXPORT -> {
				String id = model.requireStyle(require(r.style(), "style", "the style to export")).id();
				Path file = r.file() != null ? r.file() : Path.of(id + StyleFiles.EXTENSION);
				if (Files.isDirectory(file)) throw new IllegalArgumentException("output is a folder, not a file: " + file);
				AtomicFiles.write(file, StyleFiles.export(model, id));
				return "Exported style '" + id + "' to " + file + " (for autoencoder " + model.autoencoderSha256().substring(0, 12) + "...)";
			}
			case IMPORT -> {
				Path file = r.file();
				if (file == null) throw new IllegalArgumentException("missing argument 'file=' (a .stylebank-style.safetensors file)");
				if (!Files.isRegularFile(file)) throw new IllegalArgumentException("style file not found: " + file);
				if (Files.size(file) > (512L << 20)) throw new IllegalArgumentException(file + " is too large for a style file");
				String id = StyleFiles.importInto(model, Files.readAllBytes(file), file.toString());
				model.save(r.output());
				return "Imported style '" + id + "' into " + r.output();
			}
			default -> throw new IllegalStateException();
		}
	}

	private static String require(String v, String key, String hint) {
		if (v == null || v.isBlank()) throw new IllegalArgumentException("missing argument '" + key + "=' (" + hint + ")");
		return v.trim();
	}
}
