package org.neuralstyle.stylebank;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a model folder or zip archive and validates it against model format v1: every bad file
 * is refused with a message naming the file and the problem (see README "Model files").
 */
final class ModelReader {

	private ModelReader() {}

	static StyleBankModel read(Path path) throws IOException {
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
			if (!StyleBankModel.FORMAT.equals(format)) {
				throw new ModelFormatException(mj + ": \"format\" is \"" + format + "\", expected \"" + StyleBankModel.FORMAT + "\"");
			}
			int version = requireInt(m, "version", mj);
			if (version != StyleBankModel.VERSION) {
				throw new ModelFormatException(mj + ": format version " + version
					+ " is not supported (this plugin reads version " + StyleBankModel.VERSION
					+ (version > StyleBankModel.VERSION ? "; update the plugin)" : ")"));
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
			for (Layer layer : Layer.values()) {
				long[] ws = layer.weightShape(channels);
				checkTensor(ae, layer.tensor + ".weight", ws, where + ": autoencoder.safetensors");
				checkTensor(ae, layer.tensor + ".bias", new long[] { ws[0] }, where + ": autoencoder.safetensors");
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
				if (!StyleBankModel.STYLE_ID.matcher(id).matches()) {
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
				model.styles.put(id, new StyleBankModel.Style(id, sname, bankPath, thumb, source));
				model.banks.put(id, new StyleBankModel.Bank(b.get("bank.weight"), b.get("bank.bias")));
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
}
