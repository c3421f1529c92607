package org.neuralstyle.stylebank;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.TestFiles;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading, validating and saving model format v1; every bad file is refused with a message naming it. */
class ModelFormatTest {

	@TempDir
	Path tmp;

	Path copyModel() throws IOException {
		Path dst = tmp.resolve("m.stylebank");
		Path src = TestFiles.tinyModel();
		try (Stream<Path> walk = Files.walk(src)) {
			for (Path p : walk.toList()) {
				Path q = dst.resolve(src.relativize(p).toString());
				if (Files.isDirectory(p)) Files.createDirectories(q);
				else Files.copy(p, q);
			}
		}
		return dst;
	}

	void editManifest(Path model, Consumer<JsonObject> edit) throws IOException {
		Path mj = model.resolve("model.json");
		JsonObject m = JsonParser.parseString(Files.readString(mj)).getAsJsonObject();
		edit.accept(m);
		Files.writeString(mj, m.toString());
	}

	void editTensors(Path file, Consumer<Map<String, Tensor>> edit) throws IOException {
		Map<String, Tensor> t = new LinkedHashMap<>(Safetensors.read(Files.readAllBytes(file)));
		edit.accept(t);
		Files.write(file, Safetensors.toBytes(t));
	}

	ModelFormatException refused(Path model, String... fragments) {
		ModelFormatException e = assertThrows(ModelFormatException.class, () -> StyleBankModel.load(model));
		for (String f : fragments) {
			assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
		}
		return e;
	}

	@Test
	void loadsTheReferenceModelAndIgnoresUnknownKeys() throws IOException {
		StyleBankModel m = StyleBankModel.load(TestFiles.tinyModel());
		assertEquals("tiny-reference", m.name());
		assertArrayEquals(new int[] { 8, 12, 16 }, m.channels());
		assertEquals(3, m.bankKernel());
		assertEquals(2, m.styles().size());
		assertEquals("alpha", m.requireStyle("Style alpha").id());
	}

	@Test
	void missingManifestKeys() throws IOException {
		for (String key : new String[] { "format", "version", "channels", "bankKernel", "styles" }) {
			Path m = copyModel();
			editManifest(m, j -> j.remove(key));
			refused(m, "model.json", key);
			deleteTree(m);
		}
	}

	@Test
	void wrongFormatVersionChannelsKernel() throws IOException {
		Path m = copyModel();
		editManifest(m, j -> j.addProperty("format", "something-else"));
		refused(m, "model.json", "format");
		editManifest(m, j -> { j.addProperty("format", "stylebank-model"); j.addProperty("version", 2); });
		refused(m, "version 2", "update the plugin");
		editManifest(m, j -> { j.addProperty("version", 1); j.add("channels", JsonParser.parseString("[8, 12]")); });
		refused(m, "channels");
		editManifest(m, j -> j.add("channels", JsonParser.parseString("[8, -12, 16]")));
		refused(m, "channels");
		editManifest(m, j -> { j.add("channels", JsonParser.parseString("[8, 12, 16]")); j.addProperty("bankKernel", 4); });
		refused(m, "bankKernel", "odd");
		editManifest(m, j -> j.addProperty("bankKernel", "3"));
		refused(m, "bankKernel");
		// shapes are checked against channels: a consistent-looking manifest with other channels fails on tensors
		editManifest(m, j -> { j.addProperty("bankKernel", 3); j.add("channels", JsonParser.parseString("[8, 12, 32]")); });
		refused(m, "autoencoder.safetensors", "encoder.conv3.weight", "shape");
		editManifest(m, j -> { j.add("channels", JsonParser.parseString("[8, 12, 16]")); j.addProperty("bankKernel", 5); });
		refused(m, "banks/alpha.safetensors", "bank.weight", "shape");
	}

	@Test
	void badStyleEntries() throws IOException {
		Path m = copyModel();
		editManifest(m, j -> j.getAsJsonArray("styles").get(1).getAsJsonObject().addProperty("id", "alpha"));
		refused(m, "used twice");
		editManifest(m, j -> j.getAsJsonArray("styles").get(1).getAsJsonObject().addProperty("id", "be ta!"));
		refused(m, "letters, digits");
		editManifest(m, j -> {
			JsonObject s = j.getAsJsonArray("styles").get(1).getAsJsonObject();
			s.addProperty("id", "beta");
			s.remove("name");
		});
		refused(m, "styles[1]", "name");
		for (String escape : new String[] { "../outside.safetensors", "/etc/passwd", "banks/../../x.safetensors",
			"C:\\banks\\beta.safetensors", "banks\\beta.safetensors" })
		{
			editManifest(m, j -> {
				JsonObject s = j.getAsJsonArray("styles").get(1).getAsJsonObject();
				s.addProperty("name", "Beta");
				s.addProperty("bank", escape);
			});
			refused(m, "model.json", "inside the model");
		}
		editManifest(m, j -> j.getAsJsonArray("styles").get(1).getAsJsonObject().addProperty("bank", "banks/missing.safetensors"));
		refused(m, "banks/missing.safetensors", "missing");
	}

	@Test
	void symlinkOutOfTheModelIsRefused() throws IOException {
		Path m = copyModel();
		Path outside = tmp.resolve("outside.safetensors");
		Files.copy(m.resolve("banks/beta.safetensors"), outside);
		Files.delete(m.resolve("banks/beta.safetensors"));
		Files.createSymbolicLink(m.resolve("banks/beta.safetensors"), outside);
		refused(m, "outside the model");
	}

	@Test
	void badTensors() throws IOException {
		Path m = copyModel();
		Path ae = m.resolve("autoencoder.safetensors");
		byte[] good = Files.readAllBytes(ae);

		editTensors(ae, t -> t.remove("decoder.conv2.bias"));
		refused(m, "autoencoder.safetensors", "decoder.conv2.bias", "missing");
		Files.write(ae, good);

		editTensors(ae, t -> {
			Tensor w = t.get("encoder.conv1.weight");
			float[] d = w.data().clone();
			d[17] = Float.NaN;
			t.put("encoder.conv1.weight", new Tensor(w.shape(), d));
		});
		refused(m, "encoder.conv1.weight", "NaN");
		Files.write(ae, good);

		editTensors(ae, t -> t.put("decoder.conv3.bias", new Tensor(new long[] { 4 }, new float[4])));
		refused(m, "decoder.conv3.bias", "[4]", "[3]");
		Files.write(ae, good);

		Files.write(ae, Arrays.copyOf(good, good.length - 100));
		refused(m, "autoencoder.safetensors", "truncated");

		Files.write(ae, Arrays.copyOf(good, 5));
		refused(m, "autoencoder.safetensors", "too short");

		byte[] huge = good.clone();
		ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
		refusedWith(m, ae, huge, "header length");
		ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -8);
		refusedWith(m, ae, huge, "header length");
		ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, good.length * 2L);
		refusedWith(m, ae, huge, "exceeds the file size");

		refusedWith(m, ae, rawSafetensors("{\"encoder.conv1.weight\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8), "I64");
		refusedWith(m, ae, rawSafetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
			+ "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16), "overlaps");
		refusedWith(m, ae, rawSafetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,12]}}", 16), "need 16");
		refusedWith(m, ae, rawSafetensors("{not json", 0), "not valid JSON");
		refusedWith(m, ae, rawSafetensors("[1,2]", 0), "not a JSON object");
	}

	private void refusedWith(Path model, Path file, byte[] content, String fragment) throws IOException {
		Files.write(file, content);
		refused(model, file.getFileName().toString(), fragment);
	}

	static byte[] rawSafetensors(String header, int dataBytes) {
		byte[] h = header.getBytes(StandardCharsets.UTF_8);
		ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
		b.putLong(h.length).put(h);
		return b.array();
	}

	@Test
	void halfPrecisionTensorsAreAccepted() throws IOException {
		Path m = copyModel();
		Path bank = m.resolve("banks/alpha.safetensors");
		Map<String, Tensor> f32 = Safetensors.read(Files.readAllBytes(bank));
		for (String dtype : new String[] { "F16", "BF16" }) {
			Files.write(bank, encode16(f32, dtype));
			StyleBankModel loaded = StyleBankModel.load(m);
			float[] want = f32.get("bank.weight").data();
			float[] got = loaded.bank("alpha").weight().data();
			for (int i = 0; i < want.length; i++) {
				assertEquals(want[i], got[i], Math.abs(want[i]) * (dtype.equals("F16") ? 1e-3 : 8e-3) + 1e-6, dtype);
			}
		}
	}

	/** Encodes with Java's own rounding, independent of the reader's decoding. */
	static byte[] encode16(Map<String, Tensor> tensors, String dtype) {
		StringBuilder header = new StringBuilder("{");
		int offset = 0;
		for (var e : tensors.entrySet()) {
			int len = 2 * e.getValue().data().length;
			if (header.length() > 1) header.append(',');
			header.append('"').append(e.getKey()).append("\":{\"dtype\":\"").append(dtype).append("\",\"shape\":")
				.append(Arrays.toString(e.getValue().shape()).replace(" ", "")).append(",\"data_offsets\":[")
				.append(offset).append(',').append(offset + len).append("]}");
			offset += len;
		}
		header.append('}');
		byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
		ByteBuffer b = ByteBuffer.allocate(8 + h.length + offset).order(ByteOrder.LITTLE_ENDIAN);
		b.putLong(h.length).put(h);
		for (Tensor t : tensors.values()) {
			for (float v : t.data()) {
				b.putShort(dtype.equals("F16") ? floatToHalf(v) : (short) (Float.floatToIntBits(v) >>> 16));
			}
		}
		return b.array();
	}

	static short floatToHalf(float v) {
		// through double rounding by the JDK's BigDecimal-free path: scale into the half range
		int bits = Float.floatToIntBits(v);
		int sign = (bits >>> 16) & 0x8000;
		float a = Math.abs(v);
		if (a < 6.1035156e-5f) return (short) (sign | Math.round(a / 5.9604645e-8f));
		int exp = Math.getExponent(a);
		int mant = Math.round((a / (float) Math.pow(2, exp) - 1) * 1024);
		if (mant == 1024) { mant = 0; exp++; }
		return (short) (sign | ((exp + 15) << 10) | mant);
	}

	@Test
	void zipArchivesLoadAndHostileEntriesAreRefused() throws IOException {
		Path dir = copyModel();
		Path zip = tmp.resolve("m.stylebank.zip");
		zipDir(dir, zip, "", null);
		assertEquals(2, StyleBankModel.load(zip).styles().size());

		Path nested = tmp.resolve("nested.zip");
		zipDir(dir, nested, "m.stylebank/", null);
		assertEquals(2, StyleBankModel.load(nested).styles().size(), "an archive of the folder itself is accepted");

		Path evil = tmp.resolve("evil.zip");
		zipDir(dir, evil, "", "../../evil.txt");
		refused(evil, "evil.zip", "'..'");
		Path abs = tmp.resolve("abs.zip");
		zipDir(dir, abs, "", "/tmp/evil.txt");
		refused(abs, "abs.zip", "absolute");

		Path notZip = tmp.resolve("garbage.zip");
		Files.writeString(notZip, "this is not a zip");
		refused(notZip, "garbage.zip");
		refused(tmp.resolve("nothing-here.zip"), "nothing-here.zip");
		Path empty = tmp.resolve("empty");
		Files.createDirectories(empty);
		refused(empty, "no model.json");
	}

	static void zipDir(Path dir, Path zip, String prefix, String extraEntry) throws IOException {
		try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(os);
			Stream<Path> walk = Files.walk(dir))
		{
			for (Path p : walk.filter(Files::isRegularFile).toList()) {
				z.putNextEntry(new ZipEntry(prefix + dir.relativize(p).toString().replace('\\', '/')));
				z.write(Files.readAllBytes(p));
				z.closeEntry();
			}
			if (extraEntry != null) {
				z.putNextEntry(new ZipEntry(extraEntry));
				z.write("x".getBytes(StandardCharsets.UTF_8));
				z.closeEntry();
			}
		}
	}

	@Test
	void saveRoundTripsAsFolderAndZip() throws IOException {
		StyleBankModel m = StyleBankModel.load(TestFiles.tinyModel());
		for (String name : new String[] { "saved.stylebank", "saved.stylebank.zip" }) {
			Path out = tmp.resolve(name);
			m.save(out);
			m.save(out); // replacing an existing model works too
			StyleBankModel back = StyleBankModel.load(out);
			assertEquals(m.name(), back.name());
			assertEquals(m.styles(), back.styles());
			for (String layer : StyleBankModel.LAYERS) {
				assertArrayEquals(m.weight(layer).data(), back.weight(layer).data());
			}
			assertArrayEquals(m.bank("beta").bias().data(), back.bank("beta").bias().data());
		}
		// the manifest records which autoencoder the banks belong to
		Path out = tmp.resolve("saved.stylebank");
		JsonObject j = JsonParser.parseString(Files.readString(out.resolve("model.json"))).getAsJsonObject();
		assertEquals(StyleBankModel.sha256(Files.readAllBytes(out.resolve("autoencoder.safetensors"))),
			j.get("autoencoderSha256").getAsString());
		assertTrue(j.has("somethingUnknown"), "unknown keys survive a save");
		JsonArray styles = j.getAsJsonArray("styles");
		assertEquals(2, styles.size());
	}

	static void deleteTree(Path p) throws IOException {
		try (Stream<Path> walk = Files.walk(p)) {
			for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
		}
	}
}
