// About 310 lines: the model of format v1 (styles, banks, manifest) and its writer, which must agree with
// each other field by field; reading and validation are in ModelReader.
package org.neuralstyle.stylebank;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import org.neuralstyle.nn.AtomicFiles;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
	static final Pattern STYLE_ID = Pattern.compile("[A-Za-z0-9_-]+");

	/** The autoencoder's tensors in the order of the format's layer table. */
	/** The autoencoder's tensor name prefixes, in network order ({@link Layer}). */
	public static final List<String> LAYERS = java.util.Arrays.stream(Layer.values()).map(l -> l.tensor).toList();

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
	final Map<String, Style> styles = new LinkedHashMap<>();
	final Map<String, Bank> banks = new LinkedHashMap<>();
	final Map<String, byte[]> thumbnails = new LinkedHashMap<>();
	/** autoencoder.safetensors as read: saved back byte for byte, so shared banks keep fitting. */
	byte[] autoencoderBytes;
	/** Files of removed styles, deleted when the model is saved into its folder. */
	private final java.util.Set<String> removedFiles = new java.util.LinkedHashSet<>();

	StyleBankModel(JsonObject manifest, String name, int[] channels, int bankKernel,
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
		return Layer.named(layer).weightShape(c);
	}

	/** Loads and validates a model folder or zip archive ({@link ModelReader}). */
	public static StyleBankModel load(Path path) throws IOException {
		return ModelReader.read(path);
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
			for (var e : files.entrySet()) AtomicFiles.write(abs.resolve(e.getKey()), e.getValue());
			AtomicFiles.write(abs.resolve("model.json"), manifestBytes);
			for (String gone : removedFiles) {
				if (!files.containsKey(gone)) Files.deleteIfExists(abs.resolve(gone));
			}
			removedFiles.clear();
			return;
		}
		AtomicFiles.write(abs, "", tmp -> {
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
		});
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
