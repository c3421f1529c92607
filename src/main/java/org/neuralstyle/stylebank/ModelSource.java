package org.neuralstyle.stylebank;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The files of a model, from a directory or from a zip archive of the directory's contents.
 * Paths are the manifest's relative paths; any path that could leave the model (absolute,
 * "..", backslashes, drive letters) is refused, and so is a directory entry that is a link
 * pointing outside. Zip entries are read with a size cap, whatever their headers claim.
 */
abstract class ModelSource implements AutoCloseable {

	/** No model file may be larger: a paper-size autoencoder is under 2 MB. */
	static final long MAX_ENTRY_BYTES = 512L << 20;
	private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9_.\\-]+(/[A-Za-z0-9_.\\-]+)*");

	final String displayName;

	ModelSource(String displayName) {
		this.displayName = displayName;
	}

	static ModelSource open(Path path) throws IOException {
		if (Files.isDirectory(path)) return new Directory(path);
		if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "no such model file or folder");
		if (Files.isRegularFile(path)) {
			refuseCode(path);
			return new Zip(path);
		}
		throw new ModelFormatException(path + ": not a model folder or zip archive");
	}

	/** Formats that can carry code (pickle, PyTorch checkpoints, Java serialisation) are refused before anything is read. */
	static final java.util.List<String> CODE_EXTENSIONS = java.util.List.of(".pt", ".pth", ".pkl", ".pickle", ".bin", ".ckpt", ".ser",
		".joblib", ".h5");

	static void refuseCode(Path path) throws IOException {
		String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
		byte[] head = new byte[2];
		int n;
		try (InputStream in = Files.newInputStream(path)) {
			n = in.readNBytes(head, 0, 2);
		}
		// pickle protocol 2..5 opens with PROTO (0x80) and the version byte
		boolean pickle = n == 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5 && !name.endsWith(".safetensors");
		boolean javaSerial = n == 2 && (head[0] & 0xff) == 0xac && (head[1] & 0xff) == 0xed;
		if (pickle || javaSerial || CODE_EXTENSIONS.stream().anyMatch(name::endsWith)) {
			throw new ModelFormatException(codeMessage(path.toString()));
		}
	}

	static String codeMessage(String what) {
		return what + ": looks like a PyTorch/pickle checkpoint or Java serialized data. Such files can run code when they are "
			+ "opened, so this plugin never reads them: models are data only (a StyleBank folder or .zip of model.json and "
			+ ".safetensors files). A PyTorch StyleBank checkpoint can be converted with Plugins > Style Transfer > Import PyTorch "
			+ "StyleBank (it reads only the weights and runs nothing), or convert the weights to safetensors yourself.";
	}

	/** Checks that a manifest path stays inside the model; returns it normalised. */
	String checkPath(String relative, String what) throws ModelFormatException {
		if (relative == null || relative.isEmpty()) {
			throw new ModelFormatException(displayName + ": model.json: " + what + " has an empty path");
		}
		String p = relative.startsWith("./") ? relative.substring(2) : relative;
		if (!SAFE_PATH.matcher(p).matches() || p.equals("..") || p.startsWith("../") || p.contains("/../")
			|| p.endsWith("/..") || p.contains("/./"))
		{
			throw new ModelFormatException(displayName + ": model.json: " + what + " path '" + relative
				+ "' is not a plain relative path inside the model (no '..', no absolute paths)");
		}
		return p;
	}

	abstract boolean exists(String relative) throws IOException;

	abstract byte[] read(String relative) throws IOException;

	@Override
	public void close() throws IOException {}

	static byte[] readCapped(InputStream in, String name) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] buf = new byte[1 << 16];
		long total = 0;
		for (int n; (n = in.read(buf)) > 0;) {
			total += n;
			if (total > MAX_ENTRY_BYTES) {
				throw new ModelFormatException(name + ": larger than " + (MAX_ENTRY_BYTES >> 20) + " MB; refused");
			}
			out.write(buf, 0, n);
		}
		return out.toByteArray();
	}

	private static final class Directory extends ModelSource {
		private final Path root;
		private final Path realRoot;

		Directory(Path root) throws IOException {
			super(root.toString());
			this.root = root;
			this.realRoot = root.toRealPath();
		}

		private Path resolve(String relative) throws IOException {
			Path p = root.resolve(relative).normalize();
			if (Files.exists(p) && !p.toRealPath().startsWith(realRoot)) {
				throw new ModelFormatException(displayName + ": " + relative + " links to a place outside the model; refused");
			}
			return p;
		}

		@Override
		boolean exists(String relative) throws IOException {
			return Files.isRegularFile(resolve(relative)); // resolve() already refused links leaving the model
		}

		@Override
		byte[] read(String relative) throws IOException {
			Path p = resolve(relative);
			if (Files.size(p) > MAX_ENTRY_BYTES) {
				throw new ModelFormatException(displayName + ": " + relative + " is larger than "
					+ (MAX_ENTRY_BYTES >> 20) + " MB; refused");
			}
			return Files.readAllBytes(p);
		}
	}

	private static final class Zip extends ModelSource {
		private final ZipFile zip;
		private final Map<String, ZipEntry> entries = new HashMap<>();

		Zip(Path path) throws IOException {
			super(path.toString());
			try {
				zip = new ZipFile(path.toFile());
			}
			catch (IOException e) {
				throw new ModelFormatException(path + ": not a model folder or a readable zip archive ("
					+ e.getMessage() + ")");
			}
			try {
				String prefix = "";
				var all = zip.entries();
				int count = 0;
				while (all.hasMoreElements()) {
					ZipEntry e = all.nextElement();
					if (++count > 100_000) throw new ModelFormatException(path + ": more than 100000 entries; refused");
					String n = e.getName();
					if (n.startsWith("/") || n.contains("\\") || n.matches("^[A-Za-z]:.*") || ("/" + n + "/").contains("/../")) {
						throw new ModelFormatException(path + ": archive entry '" + n
							+ "' has an absolute path or '..'; refused (a model archive must hold only paths inside the model)");
					}
					String lower = n.toLowerCase(java.util.Locale.ROOT);
					if (lower.endsWith(".pkl") || lower.endsWith(".pickle") || lower.endsWith("/data.pkl")) {
						throw new ModelFormatException(codeMessage(path + " (entry '" + n + "')"));
					}
					if (!e.isDirectory()) entries.put(n, e);
				}
				// Tolerate an archive of the folder itself (NAME.stylebank/model.json).
				if (!entries.containsKey("model.json")) {
					String found = null;
					for (String n : entries.keySet()) {
						if (n.endsWith("/model.json") && n.indexOf('/') == n.length() - "/model.json".length()) {
							if (found != null) { found = null; break; }
							found = n;
						}
					}
					if (found != null) prefix = found.substring(0, found.length() - "model.json".length());
				}
				if (!prefix.isEmpty()) {
					Map<String, ZipEntry> inner = new HashMap<>();
					for (Map.Entry<String, ZipEntry> e : entries.entrySet()) {
						if (e.getKey().startsWith(prefix)) inner.put(e.getKey().substring(prefix.length()), e.getValue());
					}
					entries.clear();
					entries.putAll(inner);
				}
			}
			catch (IOException | RuntimeException e) {
				zip.close();
				throw e;
			}
		}

		@Override
		boolean exists(String relative) {
			return entries.containsKey(relative);
		}

		@Override
		byte[] read(String relative) throws IOException {
			ZipEntry e = entries.get(relative);
			if (e == null) throw new NoSuchFileException(relative);
			try (InputStream in = zip.getInputStream(e)) {
				return readCapped(in, displayName + ": " + relative);
			}
		}

		@Override
		public void close() throws IOException {
			zip.close();
		}
	}
}
