package org.neuralstyle.stylebank;

import org.neuralstyle.nn.AtomicFiles;
import org.neuralstyle.nn.Tensor;
import org.neuralstyle.torchfile.TorchFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Imports a StyleBank network trained with PyTorch into model format v1. The layouts of the
 * public implementations whose network is the format's (see {@link TorchLayout}) are recognised
 * from key names and shapes, in two shapes of files:
 * <ul>
 * <li>a folder with {@code encoder.pth}, {@code decoder.pth} and one file per style bank in
 * {@code bank/} (or {@code banks/}), any extension (ichunyeh/StyleBank saves {@code bank/N.path});
 * <li>one checkpoint holding encoder, decoder and banks, possibly nested
 * ({@code {"state_dict": ...}}).
 * </ul>
 * Networks the format cannot express are refused naming the layer. Checkpoints are read with
 * {@link TorchFile}: nothing in them runs.
 */
public final class PyTorchImport {

	/** The model, which layout it came from, and the tensors of the checkpoint that were not used. */
	public record Result(StyleBankModel model, String layout, List<String> ignored) {}

	private static final List<String> BANK_FOLDERS = List.of("bank", "banks", "style_bank", "stylebank");

	private PyTorchImport() {}

	/** Reads {@code source} (a folder or a checkpoint file) into a model named {@code name}. */
	public static Result read(Path source, String name) throws IOException {
		Result r = readLayout(source, name);
		com.google.gson.JsonObject t = new com.google.gson.JsonObject();
		t.addProperty("importedFrom", "PyTorch: " + r.layout());
		r.model().setTraining(t); // where the weights came from (the manifest's free-form training record)
		return r;
	}

	private static Result readLayout(Path source, String name) throws IOException {
		if (!Files.exists(source)) throw new ModelFormatException(source + ": no such file or folder");
		if (Files.isDirectory(source)) {
			Path enc = part(source, "encoder"), dec = part(source, "decoder");
			if (enc != null && dec != null) return split(source, enc, dec, name);
			List<Path> checkpoints = files(source).stream().filter(PyTorchImport::looksLikeCheckpoint).toList();
			if (checkpoints.size() == 1) return whole(checkpoints.get(0), name);
			throw new ModelFormatException(source + ": neither encoder.pth + decoder.pth (with a bank folder) nor a single "
				+ "checkpoint file (found " + checkpoints.size() + "). Give the checkpoint file itself.");
		}
		String stem = stem(source.getFileName().toString());
		if (stem.equals("encoder") || stem.equals("decoder")) {
			Path dir = source.toAbsolutePath().getParent();
			Path enc = part(dir, "encoder"), dec = part(dir, "decoder");
			if (enc != null && dec != null) return split(dir, enc, dec, name);
		}
		return whole(source, name);
	}

	/** Writes the model to {@code output} (folder, or zip if it ends in .zip) only after reading it back as a normal model. */
	public static StyleBankModel write(Result r, Path output) throws IOException {
		if (Files.exists(output)) {
			throw new IllegalArgumentException("output " + output + " already exists; choose a new name (nothing was written)");
		}
		Path parent = output.toAbsolutePath().getParent();
		if (parent != null) Files.createDirectories(parent);
		boolean zip = output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip");
		StyleBankModel[] back = new StyleBankModel[1];
		AtomicFiles.write(output, zip ? ".zip" : "", tmp -> {
			r.model().save(tmp);
			back[0] = StyleBankModel.load(tmp);
		});
		return back[0];
	}

	// ---------------------------------------------------------------- the two shapes of files

	private static Result split(Path dir, Path enc, Path dec, String name) throws IOException {
		TorchLayout.Group encoder, decoder;
		TorchLayout.Budget budget = new TorchLayout.Budget();
		try (TorchFile e = TorchFile.open(enc); TorchFile d = TorchFile.open(dec)) {
			encoder = TorchLayout.Group.of(e, "", enc.getFileName().toString(), budget);
			decoder = TorchLayout.Group.of(d, "", dec.getFileName().toString(), budget);
		}
		Path banks = null;
		for (String b : BANK_FOLDERS) if (Files.isDirectory(dir.resolve(b))) banks = dir.resolve(b);
		List<Path> bankFiles = banks == null ? List.of() : files(banks);
		List<TorchLayout.Group> bankGroups = new ArrayList<>();
		List<String> ids = new ArrayList<>();
		for (Path f : bankFiles) {
			try (TorchFile t = TorchFile.open(f)) {
				bankGroups.add(TorchLayout.Group.of(t, "", banks.getFileName() + "/" + f.getFileName(), budget));
			}
			ids.add(stem(f.getFileName().toString()));
		}
		String layout = "encoder, decoder and " + bankFiles.size() + " bank file(s) in " + dir.getFileName()
			+ " (as ichunyeh/StyleBank saves them)";
		return new Result(TorchLayout.build(name, encoder, decoder, bankGroups, ids), layout, List.of());
	}

	private static Result whole(Path file, String name) throws IOException {
		try (TorchFile t = TorchFile.open(file)) {
			TorchLayout.Whole w = TorchLayout.split(t, file.getFileName().toString());
			List<String> ids = new ArrayList<>();
			for (String idx : w.bankIndices()) ids.add(idx);
			StyleBankModel m = TorchLayout.build(name, w.encoder(), w.decoder(), w.banks(), ids);
			return new Result(m, "one state dict (" + w.description() + ") in " + file.getFileName(), w.ignored());
		}
	}

	// ---------------------------------------------------------------- files

	/** encoder.pth / encoder.pt / encoder.pkl ... in {@code dir}, or null. */
	private static Path part(Path dir, String stem) throws IOException {
		for (Path f : files(dir)) if (stem(f.getFileName().toString()).equalsIgnoreCase(stem)) return f;
		return null;
	}

	private static List<Path> files(Path dir) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
				.sorted(Comparator.comparing((Path p) -> naturalKey(stem(p.getFileName().toString())))).toList();
		}
	}

	/** Numbers sort as numbers: bank/2.path before bank/10.path. */
	private static String naturalKey(String s) {
		return s.matches("\\d{1,9}") ? String.format(Locale.ROOT, "%09d", Integer.parseInt(s)) : "~" + s;
	}

	private static boolean looksLikeCheckpoint(Path p) {
		String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
		return n.endsWith(".pth") || n.endsWith(".pt") || n.endsWith(".ckpt") || n.endsWith(".pth.tar") || n.endsWith(".path");
	}

	static String stem(String fileName) {
		int dot = fileName.indexOf('.');
		return dot > 0 ? fileName.substring(0, dot) : fileName;
	}

	/** A style id from a bank file's name: letters, digits, '-' and '_' kept, the rest made '-'. */
	static String styleId(String raw, int index, List<String> taken) {
		String id = raw.replaceAll("[^A-Za-z0-9_-]", "-");
		if (id.isEmpty() || id.chars().allMatch(c -> c == '-')) id = String.valueOf(index);
		String base = id;
		for (int i = 2; taken.contains(id); i++) id = base + "-" + i;
		return id;
	}

	static Tensor zeros(long n) {
		return new Tensor(new long[] { n }, new float[(int) n]);
	}

	static String shape(long[] s) {
		return Arrays.toString(s);
	}

	static <K, V> Map<K, V> ordered() {
		return new LinkedHashMap<>();
	}
}
