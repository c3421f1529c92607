package org.neuralstyle.stylebank;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A StyleBank model in format v1 (shared/docs/model-format.md): manifest, autoencoder weights
 * and one filter bank per style, all validated on load. Weights are kept as Java arrays; the
 * network copies them to a device once ({@link StyleBankNetwork}).
 */
public final class StyleBankModel {

	public static final String FORMAT = "stylebank-model";
	public static final int VERSION = 1;
	private static final Pattern STYLE_ID = Pattern.compile("[A-Za-z0-9_-]+");

	/** The autoencoder's tensors in the order of the format's layer table. */
	public static final List<String> LAYERS = List.of("encoder.conv1", "encoder.conv2", "encoder.conv3",
		"decoder.conv1", "decoder.conv2", "decoder.conv3");

	public record Style(String id, String name, String bankPath, String thumbnailPath, String source) {
		@Override
		public String toString() {
			return name.equals(id) ? id : name + " [" + id + "]";
		}
	}

	public record Bank(Tensor weight, Tensor bias) {}

	private final JsonObject manifest;
	private final String name;
	private final int[] channels;
	private final int bankKernel;
	private final Map<String, Tensor> autoencoder;
	private final Map<String, Style> styles = new LinkedHashMap<>();
	private final Map<String, Bank> banks = new LinkedHashMap<>();
	private final Map<String, byte[]> thumbnails = new LinkedHashMap<>();
	/** autoencoder.safetensors as read: saved back byte for byte, so shared banks keep fitting. */
	private byte[] autoencoderBytes;
	/** Files of removed styles, deleted when the model is saved into its folder. */
	private final java.util.Set<String> removedFiles = new java.util.LinkedHashSet<>();

	private StyleBankModel(JsonObject manifest, String name, int[] channels, int bankKernel,
		Map<String, Tensor> autoencoder)
	{
		this.manifest = manifest;
		this.name = name;
		this.channels = channels;
		this.bankKernel = bankKernel;
		this.autoencoder = autoencoder;
	}

	public String name() {
		return name;
	}

	public int[] channels() {
		return channels.clone();
	}

	public int bankKernel() {
		return bankKernel;
	}

	public List<Style> styles() {
		return List.copyOf(styles.values());
	}

	public Style style(String idOrName) {
		Style s = styles.get(idOrName);
		if (s != null) return s;
		for (Style t : styles.values()) {
			if (t.name().equalsIgnoreCase(idOrName) || t.id().equalsIgnoreCase(idOrName)) return t;
		}
		return null;
	}

	/** The style with this id or name, or an exception whose message lists the styles. */
	public Style requireStyle(String idOrName) {
		Style s = style(idOrName);
		if (s == null) {
			throw new IllegalArgumentException("model '" + name + "' has no style '" + idOrName
				+ "'. Available styles: " + styleList());
		}
		return s;
	}

	public String styleList() {
		if (styles.isEmpty()) return "(none: this model has no styles, only reconstruction)";
		List<String> ids = new ArrayList<>();
		for (Style s : styles.values()) ids.add(s.id().equals(s.name()) ? s.id() : s.id() + " (" + s.name() + ")");
		return String.join(", ", ids);
	}

	public Bank bank(String id) {
		return banks.get(id);
	}

	public Tensor weight(String layer) {
		return autoencoder.get(layer + ".weight");
	}

	public Tensor bias(String layer) {
		return autoencoder.get(layer + ".bias");
	}

	public Map<String, Tensor> autoencoderTensors() {
		return Collections.unmodifiableMap(autoencoder);
	}

	/** The weight shapes of the format's layer table for these channels. */
	public static long[] expectedShape(String layer, int[] c) {
		return switch (layer) {
			case "encoder.conv1" -> new long[] { c[0], 3, 9, 9 };
			case "encoder.conv2" -> new long[] { c[1], c[0], 3, 3 };
			case "encoder.conv3" -> new long[] { c[2], c[1], 3, 3 };
			case "decoder.conv1" -> new long[] { c[1], c[2], 3, 3 };
			case "decoder.conv2" -> new long[] { c[0], c[1], 3, 3 };
			case "decoder.conv3" -> new long[] { 3, c[0], 9, 9 };
			default -> throw new IllegalArgumentException(layer);
		};
	}

	// ---------------------------------------------------------------- loading

	/** Loads and validates a model folder or zip archive. */
	public static StyleBankModel load(Path path) throws IOException {
		try (ModelSource src = ModelSource.open(path)) {
			String where = src.displayName;
			if (!src.exists("model.json")) {
				throw new ModelFormatException(where + ": no model.json (is this a StyleBank model folder or zip?)");
			}
			JsonObject m;
			try {
				JsonElement e = JsonParser.parseString(new String(src.read("model.json"), StandardCharsets.UTF_8));
				if (!e.isJsonObject()) throw new ModelFormatException(where + ": model.json is not a JSON object");
				m = e.getAsJsonObject();
			}
			catch (JsonParseException | StackOverflowError e) {
				throw new ModelFormatException(where + ": model.json is not valid JSON: " + e.getMessage());
			}
			String mj = where + ": model.json";
			String format = requireString(m, "format", mj);
			if (!FORMAT.equals(format)) {
				throw new ModelFormatException(mj + ": \"format\" is \"" + format + "\", expected \"" + FORMAT + "\"");
			}
			int version = requireInt(m, "version", mj);
			if (version != VERSION) {
				throw new ModelFormatException(mj + ": format version " + version
					+ " is not supported (this plugin reads version " + VERSION
					+ (version > VERSION ? "; update the plugin)" : ")"));
			}
			JsonElement ch = m.get("channels");
			if (ch == null || !ch.isJsonArray() || ch.getAsJsonArray().size() != 3) {
				throw new ModelFormatException(mj + ": \"channels\" must be an array of three positive integers");
			}
			int[] channels = new int[3];
			for (int i = 0; i < 3; i++) {
				channels[i] = asInt(ch.getAsJsonArray().get(i), mj + ": \"channels\"");
				if (channels[i] <= 0 || channels[i] > 8192) {
					throw new ModelFormatException(mj + ": \"channels\" must be three positive integers (at most 8192), got " + ch);
				}
			}
			int k = requireInt(m, "bankKernel", mj);
			if (k <= 0 || k % 2 == 0 || k > 63) {
				throw new ModelFormatException(mj + ": \"bankKernel\" must be an odd positive integer, got " + k);
			}
			String name = m.has("name") && m.get("name").isJsonPrimitive() ? m.get("name").getAsString()
				: path.getFileName().toString();

			byte[] aeBytes = src.read("autoencoder.safetensors");
			Map<String, Tensor> ae;
			try {
				ae = Safetensors.read(aeBytes);
			}
			catch (Safetensors.FormatException e) {
				throw new ModelFormatException(where + ": autoencoder.safetensors: " + e.getMessage());
			}
			for (String layer : LAYERS) {
				long[] ws = expectedShape(layer, channels);
				checkTensor(ae, layer + ".weight", ws, where + ": autoencoder.safetensors");
				checkTensor(ae, layer + ".bias", new long[] { ws[0] }, where + ": autoencoder.safetensors");
			}
			StyleBankModel model = new StyleBankModel(m, name, channels, k, new LinkedHashMap<>(ae));
			model.autoencoderBytes = aeBytes;

			JsonElement st = m.get("styles");
			if (st == null || !st.isJsonArray()) {
				throw new ModelFormatException(mj + ": \"styles\" must be an array (it may be empty)");
			}
			int index = 0;
			for (JsonElement se : st.getAsJsonArray()) {
				String ctx = mj + ": styles[" + index++ + "]";
				if (!se.isJsonObject()) throw new ModelFormatException(ctx + " is not an object");
				JsonObject so = se.getAsJsonObject();
				String id = requireString(so, "id", ctx);
				if (!STYLE_ID.matcher(id).matches()) {
					throw new ModelFormatException(ctx + ": id '" + id + "' may hold only letters, digits, '-' and '_'");
				}
				if (model.styles.containsKey(id)) throw new ModelFormatException(ctx + ": id '" + id + "' is used twice");
				String sname = requireString(so, "name", ctx);
				String bankPath = src.checkPath(requireString(so, "bank", ctx), "style '" + id + "' bank");
				if (!src.exists(bankPath)) {
					throw new ModelFormatException(where + ": " + bankPath + " (bank of style '" + id + "') is missing");
				}
				Map<String, Tensor> b = readTensors(src, bankPath);
				String file = where + ": " + bankPath;
				checkTensor(b, "bank.weight", new long[] { channels[2], channels[2], k, k }, file);
				checkTensor(b, "bank.bias", new long[] { channels[2] }, file);
				String thumb = null;
				if (so.has("thumbnail") && so.get("thumbnail").isJsonPrimitive()) {
					thumb = src.checkPath(so.get("thumbnail").getAsString(), "style '" + id + "' thumbnail");
					if (src.exists(thumb)) model.thumbnails.put(thumb, src.read(thumb));
					else thumb = null; // optional: a missing picture is no reason to refuse the model
				}
				String source = so.has("source") && so.get("source").isJsonPrimitive() ? so.get("source").getAsString() : null;
				model.styles.put(id, new Style(id, sname, bankPath, thumb, source));
				model.banks.put(id, new Bank(b.get("bank.weight"), b.get("bank.bias")));
			}
			return model;
		}
		catch (NoSuchFileException e) {
			throw new ModelFormatException(path + ": " + (e.getReason() != null ? e.getReason() : "missing file " + e.getFile()));
		}
	}

	private static Map<String, Tensor> readTensors(ModelSource src, String file) throws IOException {
		if (!src.exists(file)) throw new ModelFormatException(src.displayName + ": " + file + " is missing");
		try {
			return Safetensors.read(src.read(file));
		}
		catch (Safetensors.FormatException e) {
			throw new ModelFormatException(src.displayName + ": " + file + ": " + e.getMessage());
		}
	}

	private static void checkTensor(Map<String, Tensor> tensors, String key, long[] shape, String file)
		throws ModelFormatException
	{
		Tensor t = tensors.get(key);
		if (t == null) throw new ModelFormatException(file + ": tensor '" + key + "' is missing");
		if (!t.hasShape(shape)) {
			throw new ModelFormatException(file + ": tensor '" + key + "' has shape " + t.shapeString()
				+ ", expected " + java.util.Arrays.toString(shape) + " (from \"channels\" and \"bankKernel\")");
		}
		int bad = t.firstNonFinite();
		if (bad >= 0) {
			throw new ModelFormatException(file + ": tensor '" + key + "' holds a NaN or infinite value (at index " + bad + ")");
		}
	}

	private static String requireString(JsonObject o, String key, String ctx) throws ModelFormatException {
		JsonElement v = o.get(key);
		if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
			throw new ModelFormatException(ctx + ": required key \"" + key + "\" is missing or not a string");
		}
		return v.getAsString();
	}

	private static int requireInt(JsonObject o, String key, String ctx) throws ModelFormatException {
		JsonElement v = o.get(key);
		if (v == null) throw new ModelFormatException(ctx + ": required key \"" + key + "\" is missing");
		return asInt(v, ctx + ": \"" + key + "\"");
	}

	private static int asInt(JsonElement v, String ctx) throws ModelFormatException {
		if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
			throw new ModelFormatException(ctx + " must be an integer, got " + v);
		}
		double d = v.getAsDouble();
		if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw new ModelFormatException(ctx + " must be an integer, got " + v);
		return (int) d;
	}

	// ---------------------------------------------------------------- building and saving

	/** A new model with the given autoencoder and no styles (used by training). */
	public static StyleBankModel create(String name, int[] channels, int bankKernel, Map<String, Tensor> autoencoder) {
		JsonObject m = new JsonObject();
		m.addProperty("format", FORMAT);
		m.addProperty("version", VERSION);
		m.addProperty("name", name);
		JsonArray ch = new JsonArray();
		for (int c : channels) ch.add(c);
		m.add("channels", ch);
		m.addProperty("bankKernel", bankKernel);
		m.add("styles", new JsonArray());
		StyleBankModel model = new StyleBankModel(m, name, channels.clone(), bankKernel, new LinkedHashMap<>(autoencoder));
		for (String layer : LAYERS) {
			long[] ws = expectedShape(layer, channels);
			if (!model.weight(layer).hasShape(ws) || !model.bias(layer).hasShape(ws[0])) {
				throw new IllegalArgumentException(layer + " does not fit channels " + java.util.Arrays.toString(channels));
			}
		}
		return model;
	}

	/** The autoencoder file's bytes: as loaded, or as this plugin writes them for a new model. */
	public byte[] autoencoderBytes() {
		if (autoencoderBytes == null) autoencoderBytes = Safetensors.toBytes(autoencoder);
		return autoencoderBytes;
	}

	/** Hex SHA-256 of autoencoder.safetensors: which autoencoder a bank belongs to. */
	public String autoencoderSha256() {
		return sha256(autoencoderBytes());
	}

	/** Records how the model was trained (the manifest's free-form "training" object). */
	public void setTraining(JsonObject training) {
		manifest.add("training", training);
	}

	public JsonObject training() {
		JsonElement t = manifest.get("training");
		return t != null && t.isJsonObject() ? t.getAsJsonObject().deepCopy() : null;
	}

	public byte[] thumbnail(String id) {
		Style s = styles.get(id);
		return s == null || s.thumbnailPath() == null ? null : thumbnails.get(s.thumbnailPath());
	}

	/** Adds (or replaces) a style's bank, with an optional PNG thumbnail. */
	public void putStyle(String id, String displayName, Bank bank, String source, byte[] thumbnailPng) {
		putStyle(id, displayName, bank, source);
		if (thumbnailPng != null) {
			String path = "thumbnails/" + id + ".png";
			thumbnails.put(path, thumbnailPng);
			Style s = styles.get(id);
			styles.put(id, new Style(id, s.name(), s.bankPath(), path, s.source()));
		}
	}

	/** Changes a style's display name (its id, and so its file, stays). */
	public void renameStyle(String id, String newName) {
		Style s = styles.get(id);
		if (s == null) throw new IllegalArgumentException("model '" + name + "' has no style '" + id + "'. Available styles: " + styleList());
		if (newName == null || newName.isBlank()) throw new IllegalArgumentException("the new name is empty");
		styles.put(id, new Style(id, newName.trim(), s.bankPath(), s.thumbnailPath(), s.source()));
	}

	public void removeStyle(String id) {
		Style s = styles.remove(id);
		if (s == null) throw new IllegalArgumentException("model '" + name + "' has no style '" + id + "'. Available styles: " + styleList());
		banks.remove(id);
		removedFiles.add(s.bankPath());
		if (s.thumbnailPath() != null) {
			thumbnails.remove(s.thumbnailPath());
			removedFiles.add(s.thumbnailPath());
		}
		JsonArray kept = new JsonArray();
		for (JsonElement e : manifest.getAsJsonArray("styles")) {
			if (!(e.isJsonObject() && new JsonPrimitive(id).equals(e.getAsJsonObject().get("id")))) kept.add(e);
		}
		manifest.add("styles", kept);
	}

	/** Adds (or replaces) a style's bank. */
	public void putStyle(String id, String displayName, Bank bank, String source) {
		if (!STYLE_ID.matcher(id).matches()) throw new IllegalArgumentException("style id '" + id + "' may hold only letters, digits, '-' and '_'");
		long c3 = channels[2];
		if (!bank.weight().hasShape(c3, c3, bankKernel, bankKernel) || !bank.bias().hasShape(c3)) {
			throw new IllegalArgumentException("bank for '" + id + "' does not fit this model's channels/bankKernel");
		}
		styles.put(id, new Style(id, displayName, "banks/" + id + ".safetensors", null, source));
		banks.put(id, bank);
	}

	/** Writes the model as a folder, or as a zip if the path ends in ".zip"; replaces atomically. */
	public void save(Path target) throws IOException {
		Map<String, byte[]> files = new LinkedHashMap<>();
		byte[] aeBytes = autoencoderBytes();
		JsonObject m = manifest.deepCopy();
		m.addProperty("autoencoderSha256", sha256(aeBytes));
		JsonArray st = new JsonArray();
		for (Style s : styles.values()) {
			JsonObject so = new JsonObject();
			so.addProperty("id", s.id());
			so.addProperty("name", s.name());
			so.addProperty("bank", s.bankPath());
			if (s.thumbnailPath() != null) so.addProperty("thumbnail", s.thumbnailPath());
			if (s.source() != null) so.addProperty("source", s.source());
			// keep optional keys a newer writer put on the style
			for (JsonElement old : manifest.has("styles") ? manifest.getAsJsonArray("styles") : new JsonArray()) {
				if (old.isJsonObject() && new JsonPrimitive(s.id()).equals(old.getAsJsonObject().get("id"))) {
					for (var e : old.getAsJsonObject().entrySet()) if (!so.has(e.getKey())) so.add(e.getKey(), e.getValue());
				}
			}
			st.add(so);
			Map<String, Tensor> b = new LinkedHashMap<>();
			b.put("bank.weight", banks.get(s.id()).weight());
			b.put("bank.bias", banks.get(s.id()).bias());
			files.put(s.bankPath(), Safetensors.toBytes(b));
		}
		m.add("styles", st);
		files.put("autoencoder.safetensors", aeBytes);
		files.putAll(thumbnails);
		byte[] json = new GsonBuilder().setPrettyPrinting().create().toJson(m).getBytes(StandardCharsets.UTF_8);
		files.put("model.json", json);

		Path abs = target.toAbsolutePath();
		if (Files.isDirectory(abs)) {
			// into an existing folder: file by file (each written whole, then renamed), manifest last,
			// so other files the user keeps there survive and the autoencoder is never rewritten
			byte[] manifestBytes = files.remove("model.json");
			for (var e : files.entrySet()) writeAtomically(abs.resolve(e.getKey()), e.getValue());
			writeAtomically(abs.resolve("model.json"), manifestBytes);
			for (String gone : removedFiles) {
				if (!files.containsKey(gone)) Files.deleteIfExists(abs.resolve(gone));
			}
			removedFiles.clear();
			return;
		}
		Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp-" + System.nanoTime());
		try {
			if (abs.getFileName().toString().toLowerCase().endsWith(".zip")) {
				try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
					for (var e : files.entrySet()) {
						zip.putNextEntry(new ZipEntry(e.getKey()));
						zip.write(e.getValue());
						zip.closeEntry();
					}
				}
			}
			else {
				for (var e : files.entrySet()) {
					Path p = tmp.resolve(e.getKey());
					Files.createDirectories(p.getParent());
					Files.write(p, e.getValue());
				}
			}
			Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		finally {
			if (Files.exists(tmp)) deleteTree(tmp);
		}
	}

	/** Writes a file whole (temporary file beside it, then an atomic rename); an unchanged file is left alone. */
	static void writeAtomically(Path file, byte[] bytes) throws IOException {
		if (Files.exists(file) && java.util.Arrays.equals(Files.readAllBytes(file), bytes)) return; // unchanged: leave it alone
		Files.createDirectories(file.getParent());
		Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp-" + System.nanoTime());
		try {
			Files.write(tmp, bytes);
			Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		finally {
			Files.deleteIfExists(tmp);
		}
	}

	private static void deleteTree(Path p) throws IOException {
		try (var walk = Files.walk(p)) {
			for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
		}
	}

	public static String sha256(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
