package org.neuralstyle.nn;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON
 * header {name: {dtype, shape, data_offsets}}, then raw little-endian data. Everything read is
 * checked, since model files come from anywhere: header length, JSON, dtypes, shapes, offsets
 * inside the data section, and no overlapping tensors. F32, F16 and BF16 are read as float.
 */
public final class Safetensors {

	/** Larger headers are refused: real ones are a few kB per hundred tensors. */
	public static final long MAX_HEADER_BYTES = 100L << 20;

	private Safetensors() {}

	/** A malformed file; the message says what is wrong (the caller adds the file name). */
	public static final class FormatException extends IOException {
		public FormatException(String message) {
			super(message);
		}
	}

	/** The header's optional "__metadata__" string map (empty if none); the file is validated as by {@link #read}. */
	public static Map<String, String> metadata(byte[] file) throws FormatException {
		read(file);
		ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
		JsonObject header = JsonParser.parseString(new String(file, 8, (int) buf.getLong(0), StandardCharsets.UTF_8)).getAsJsonObject();
		Map<String, String> out = new LinkedHashMap<>();
		JsonElement m = header.get("__metadata__");
		if (m != null && m.isJsonObject()) {
			for (Map.Entry<String, JsonElement> e : m.getAsJsonObject().entrySet()) {
				if (e.getValue().isJsonPrimitive()) out.put(e.getKey(), e.getValue().getAsString());
			}
		}
		return out;
	}

	public static Map<String, Tensor> read(byte[] file) throws FormatException {
		if (file.length < 8) {
			throw new FormatException("file is " + file.length + " bytes, too short for a safetensors header (truncated?)");
		}
		ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
		long headerLen = buf.getLong(0);
		if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
			throw new FormatException("header length " + Long.toUnsignedString(headerLen)
				+ " is not plausible (must be 2.." + MAX_HEADER_BYTES + " bytes)");
		}
		if (headerLen > file.length - 8L) {
			throw new FormatException("header length " + headerLen + " exceeds the file size "
				+ file.length + " (truncated file?)");
		}
		String json = new String(file, 8, (int) headerLen, StandardCharsets.UTF_8);
		JsonObject header;
		try {
			JsonElement parsed = JsonParser.parseString(json);
			if (!parsed.isJsonObject()) throw new FormatException("header is not a JSON object");
			header = parsed.getAsJsonObject();
		}
		catch (JsonSyntaxException | IllegalStateException | StackOverflowError e) {
			throw new FormatException("header is not valid JSON: " + e.getMessage());
		}
		long dataStart = 8 + headerLen;
		long dataLen = file.length - dataStart;
		Map<String, Tensor> out = new LinkedHashMap<>();
		List<long[]> ranges = new ArrayList<>();
		for (Map.Entry<String, JsonElement> e : header.entrySet()) {
			String name = e.getKey();
			if (name.equals("__metadata__")) continue;
			if (!e.getValue().isJsonObject()) throw new FormatException("entry '" + name + "' is not an object");
			JsonObject t = e.getValue().getAsJsonObject();
			String dtype = string(t, "dtype", name);
			int width = switch (dtype) {
				case "F32" -> 4;
				case "F16", "BF16" -> 2;
				default -> throw new FormatException("tensor '" + name + "' has dtype " + dtype
					+ "; only F32, F16 and BF16 are supported");
			};
			long[] shape = longs(t, "shape", name);
			long count = 1;
			for (long d : shape) {
				if (d < 0) throw new FormatException("tensor '" + name + "' has a negative dimension");
				try {
					count = Math.multiplyExact(count, d);
				}
				catch (ArithmeticException ex) {
					throw new FormatException("tensor '" + name + "' has an impossibly large shape");
				}
			}
			long[] offs = longs(t, "data_offsets", name);
			if (offs.length != 2 || offs[0] < 0 || offs[1] < offs[0] || offs[1] > dataLen) {
				throw new FormatException("tensor '" + name + "' has data_offsets outside the file's "
					+ dataLen + " data bytes (truncated file?)");
			}
			if (count > Integer.MAX_VALUE / 4 || offs[1] - offs[0] != count * width) {
				throw new FormatException("tensor '" + name + "' has " + (offs[1] - offs[0])
					+ " data bytes but its shape and dtype need " + count * width);
			}
			for (long[] r : ranges) {
				if (offs[0] < r[1] && r[0] < offs[1]) {
					throw new FormatException("tensor '" + name + "' overlaps another tensor's data");
				}
			}
			ranges.add(offs);
			float[] data = new float[(int) count];
			int base = (int) (dataStart + offs[0]);
			for (int i = 0; i < data.length; i++) {
				switch (dtype) {
					case "F32" -> data[i] = buf.getFloat(base + 4 * i);
					case "F16" -> data[i] = halfToFloat(buf.getShort(base + 2 * i));
					default -> data[i] = Float.intBitsToFloat((buf.getShort(base + 2 * i) & 0xffff) << 16);
				}
			}
			out.put(name, new Tensor(shape, data));
		}
		return out;
	}

	/** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
	public static float halfToFloat(short h) {
		int bits = h & 0xffff;
		int sign = (bits & 0x8000) << 16;
		int exp = (bits >>> 10) & 0x1f;
		int mant = bits & 0x3ff;
		if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
		if (exp == 0) {
			float v = mant * 0x1p-24f; // subnormal (or zero)
			return sign == 0 ? v : -v;
		}
		return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
	}

	private static String string(JsonObject o, String key, String tensor) throws FormatException {
		JsonElement v = o.get(key);
		if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
			throw new FormatException("tensor '" + tensor + "' lacks a string '" + key + "'");
		}
		return v.getAsString();
	}

	private static long[] longs(JsonObject o, String key, String tensor) throws FormatException {
		JsonElement v = o.get(key);
		if (v == null || !v.isJsonArray()) throw new FormatException("tensor '" + tensor + "' lacks an array '" + key + "'");
		JsonArray a = v.getAsJsonArray();
		long[] out = new long[a.size()];
		for (int i = 0; i < out.length; i++) {
			JsonElement x = a.get(i);
			if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) {
				throw new FormatException("tensor '" + tensor + "': '" + key + "' must hold integers");
			}
			double d = x.getAsDouble();
			if (d != Math.rint(d) || Math.abs(d) > 1e15) {
				throw new FormatException("tensor '" + tensor + "': '" + key + "' must hold integers");
			}
			out[i] = (long) d;
		}
		return out;
	}

	/** Writes F32 tensors in the given order, with a "__metadata__" string map if not empty. */
	public static void write(Map<String, Tensor> tensors, Map<String, String> metadata, OutputStream out) throws IOException {
		JsonObject header = new JsonObject();
		if (!metadata.isEmpty()) {
			JsonObject m = new JsonObject();
			metadata.forEach(m::addProperty);
			header.add("__metadata__", m);
		}
		long offset = 0;
		for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
			JsonObject t = new JsonObject();
			t.addProperty("dtype", "F32");
			JsonArray shape = new JsonArray();
			for (long d : e.getValue().shape()) shape.add(d);
			t.add("shape", shape);
			JsonArray offs = new JsonArray();
			long len = 4L * e.getValue().data().length;
			offs.add(offset);
			offs.add(offset + len);
			t.add("data_offsets", offs);
			header.add(e.getKey(), t);
			offset += len;
		}
		byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
		int padded = (json.length + 7) / 8 * 8;
		ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
		head.putLong(padded).put(json);
		while (head.hasRemaining()) head.put((byte) ' ');
		out.write(head.array());
		for (Tensor t : tensors.values()) {
			ByteBuffer b = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
			b.asFloatBuffer().put(t.data());
			out.write(b.array());
		}
	}

	public static byte[] toBytes(Map<String, Tensor> tensors) {
		return toBytes(tensors, Map.of());
	}

	public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try {
			write(tensors, metadata, bytes);
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
		return bytes.toByteArray();
	}
}
