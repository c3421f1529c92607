package org.neuralstyle.torchfile;

import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint ({@code torch.save}) read without running any of it: the zip format of
 * PyTorch 1.6 and later ({@code NAME/data.pkl}, {@code NAME/data/KEY}, {@code NAME/byteorder})
 * and the legacy format (magic number, protocol, system info, the pickled object, the storage
 * keys, then each storage as an element count and raw data). The pickle is read by {@link Pickle},
 * which accepts state dicts of tensors only. Every tensor is checked on opening (element count,
 * offset and strides inside its storage, storage inside the file), so a bad file is refused
 * before anything is read from it or written anywhere; tensor data is read only when asked for.
 * Tensors in nested dicts and lists are found too: {@code {"state_dict": {"a.weight": ...}}}
 * gives the name {@code state_dict.a.weight}.
 */
public final class TorchFile implements AutoCloseable {

	public enum Format { ZIP, LEGACY }

	/** The most elements one tensor may have (as for safetensors: a Java float array of them must fit). */
	public static final long MAX_ELEMENTS = Integer.MAX_VALUE / 4;
	/** Larger pickles are refused: a state dict's pickle is a few kB per hundred tensors. */
	public static final long MAX_PICKLE_BYTES = 64L << 20;
	/** Legacy files are mapped into memory whole. */
	public static final long MAX_LEGACY_BYTES = Integer.MAX_VALUE;

	static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

	/** A tensor's element type ("FloatStorage", "HalfStorage", ...) and shape. */
	public record Entry(String type, long[] shape) {
		public String shapeString() {
			return Arrays.toString(shape);
		}
	}

	private final Path file;
	private final Format format;
	private final ZipFile zip;
	private final String prefix;
	private final ByteBuffer legacy;
	/** Where each legacy storage's data starts in the file. */
	final Map<String, Integer> legacyData = new LinkedHashMap<>();
	final Map<String, Pickle.StorageRef> storages = new LinkedHashMap<>();
	private final Map<String, Pickle.TensorRef> tensors = new LinkedHashMap<>();

	TorchFile(Path file, Format format, ZipFile zip, String prefix, ByteBuffer legacy) {
		this.file = file;
		this.format = format;
		this.zip = zip;
		this.prefix = prefix;
		this.legacy = legacy;
	}

	/** Opens and checks a checkpoint; the message of a refusal names the file and what is wrong. */
	public static TorchFile open(Path file) throws IOException {
		if (!Files.isRegularFile(file)) throw new TorchFileException(file + ": not a file");
		byte[] head = new byte[8];
		int n;
		try (InputStream in = Files.newInputStream(file)) {
			n = in.readNBytes(head, 0, head.length);
		}
		if (n >= 4 && head[0] == 'P' && head[1] == 'K') return ZipCheckpoint.open(file);
		if (n >= 4 && (head[0] & 0xff) == 0x80 && head[1] == 2 && (head[2] & 0xff) == 0x8a) return LegacyCheckpoint.open(file);
		if (Files.size(file) > 262 && isTar(file)) {
			throw new TorchFileException(file + ": the tar format of PyTorch before 0.4 is not supported; load and save it again "
				+ "with a newer PyTorch");
		}
		throw new TorchFileException(file + ": not a PyTorch checkpoint (neither the zip format of torch.save nor the legacy "
			+ "format" + (n < 4 ? "; the file is empty or nearly so" : "") + ")");
	}

	private static boolean isTar(Path file) throws IOException {
		try (InputStream in = Files.newInputStream(file)) {
			byte[] b = in.readNBytes(262);
			return new String(b, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar");
		}
	}

	public Path file() {
		return file;
	}

	public Format format() {
		return format;
	}

	/** Every tensor by its (flattened) name, in file order. */
	public Map<String, Entry> tensors() {
		Map<String, Entry> out = new LinkedHashMap<>();
		tensors.forEach((k, t) -> out.put(k, new Entry(t.storage().type(), t.size().clone())));
		return Collections.unmodifiableMap(out);
	}

	// ---------------------------------------------------------------- shared

	/** PyTorch's persistent id of a storage: ('storage', torch.XStorage, key, location, numel[, view]). */
	Object persistent(Object pid) throws TorchFileException {
		String where = file.toString();
		if (!(pid instanceof Pickle.Tuple t) || t.items().size() < 5 || !"storage".equals(t.items().get(0))) {
			throw new TorchFileException(where + ": a persistent id that is not a storage: " + pid);
		}
		List<Object> p = t.items();
		if (!(p.get(1) instanceof Pickle.Global g) || !g.name().startsWith("torch.") || !(p.get(2) instanceof String key)
			|| !(p.get(4) instanceof Long numel))
		{
			throw new TorchFileException(where + ": a malformed storage id " + pid);
		}
		if (p.size() > 5 && p.get(5) != Pickle.NONE) throw new TorchFileException(where + ": storage views of the old format are not supported");
		if (!key.matches("[A-Za-z0-9_]{1,64}")) throw new TorchFileException(where + ": storage key '" + key + "' is not a plain name");
		String type = g.name().substring("torch.".length());
		if (numel < 0 || numel > (Long.MAX_VALUE >> 4)) throw new TorchFileException(where + ": storage " + key + " claims " + numel + " elements");
		Pickle.StorageRef s = new Pickle.StorageRef(type, key, numel);
		Pickle.StorageRef old = storages.putIfAbsent(key, s);
		if (old != null && !old.equals(s)) throw new TorchFileException(where + ": storage " + key + " is named with two types or sizes");
		return old != null ? old : s;
	}

	/** Collects the tensors of nested dicts, lists and tuples under dotted names. */
	void collect(Object root) throws TorchFileException {
		walk(root, "", 0, Pickle.identitySet());
		if (tensors.isEmpty()) throw new TorchFileException(file + ": holds no tensors");
	}

	private void walk(Object o, String name, int depth, Set<Object> seen) throws TorchFileException {
		if (depth > 32) throw new TorchFileException(file + ": containers nested more than 32 deep");
		if (o instanceof Pickle.TensorRef t) {
			tensors.put(name.isEmpty() ? "tensor" : name, t);
			return;
		}
		if (!(o instanceof Map || o instanceof List || o instanceof Pickle.Tuple) || !seen.add(o)) return;
		String p = name.isEmpty() ? "" : name + ".";
		if (o instanceof Map<?, ?> m) for (var e : m.entrySet()) walk(e.getValue(), p + e.getKey(), depth + 1, seen);
		else {
			List<?> l = o instanceof Pickle.Tuple t ? t.items() : (List<?>) o;
			for (int i = 0; i < l.size(); i++) walk(l.get(i), p + i, depth + 1, seen);
		}
	}

	/** Every tensor's elements lie inside its storage; no tensor is larger than the cap. */
	void checkViews() throws TorchFileException {
		for (var e : tensors.entrySet()) {
			Pickle.TensorRef t = e.getValue();
			String what = file + ": tensor '" + e.getKey() + "'";
			if (!Pickle.STORAGE_TYPES.containsKey(t.storage().type())) {
				throw new TorchFileException(what + " has element type " + t.storage().type() + "; only float32, float16, bfloat16 "
					+ "and float64 tensors are read");
			}
			long count = 1;
			long last = t.offset();
			if (t.offset() < 0) throw new TorchFileException(what + " has a negative storage offset");
			for (int i = 0; i < t.size().length; i++) {
				if (t.size()[i] < 0 || t.stride()[i] < 0) throw new TorchFileException(what + " has a negative size or stride");
				try {
					count = Math.multiplyExact(count, t.size()[i]);
					if (t.size()[i] > 0) last = Math.addExact(last, Math.multiplyExact(t.size()[i] - 1, t.stride()[i]));
				}
				catch (ArithmeticException x) {
					throw new TorchFileException(what + " claims an impossibly large shape " + Arrays.toString(t.size()));
				}
			}
			if (count > MAX_ELEMENTS) {
				throw new TorchFileException(what + " claims " + count + " elements (shape " + Arrays.toString(t.size())
					+ "); at most " + MAX_ELEMENTS + " are read");
			}
			if (count > 0 && last >= t.storage().numel()) {
				throw new TorchFileException(what + " reaches element " + last + " of a storage of " + t.storage().numel()
					+ " elements (damaged file)");
			}
		}
	}

	/** A tensor's values as float32 (float16, bfloat16 and float64 converted; int64 too, for counters). */
	public Tensor read(String name) throws IOException {
		Pickle.TensorRef t = tensors.get(name);
		if (t == null) throw new IllegalArgumentException(file + " has no tensor '" + name + "'");
		long count = 1;
		for (long d : t.size()) count *= d;
		float[] out = new float[(int) count];
		if (count == 0) return new Tensor(t.size().clone(), out);
		long last = t.offset();
		for (int i = 0; i < t.size().length; i++) last += (t.size()[i] - 1) * t.stride()[i];
		int es = t.storage().elementSize();
		ByteBuffer data = storageBytes(t.storage(), (last + 1) * es);
		int dims = t.size().length;
		long[] index = new long[dims];
		for (int i = 0; i < out.length; i++) {
			long at = t.offset();
			for (int d = 0; d < dims; d++) at += index[d] * t.stride()[d];
			int pos = (int) (at * es);
			out[i] = switch (t.storage().type()) {
				case "FloatStorage" -> data.getFloat(pos);
				case "HalfStorage" -> Safetensors.halfToFloat(data.getShort(pos));
				case "BFloat16Storage" -> Float.intBitsToFloat((data.getShort(pos) & 0xffff) << 16);
				case "DoubleStorage" -> (float) data.getDouble(pos);
				default -> (float) data.getLong(pos);
			};
			for (int d = dims - 1; d >= 0; d--) {
				if (++index[d] < t.size()[d]) break;
				index[d] = 0;
			}
		}
		return new Tensor(t.size().clone(), out);
	}

	private ByteBuffer storageBytes(Pickle.StorageRef s, long bytes) throws IOException {
		if (bytes > Integer.MAX_VALUE) throw new TorchFileException(file + ": storage " + s.key() + " is too large to read");
		if (format == Format.LEGACY) {
			return legacy.duplicate().position(legacyData.get(s.key())).slice().order(ByteOrder.LITTLE_ENDIAN);
		}
		ZipEntry e = zip.getEntry(prefix + "data/" + s.key());
		try (InputStream in = zip.getInputStream(e)) {
			byte[] b = in.readNBytes((int) bytes);
			if (b.length < bytes) {
				throw new TorchFileException(file + ": storage " + s.key() + " ends after " + b.length + " of " + bytes
					+ " bytes (truncated file?)");
			}
			return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
		}
		catch (ZipException | java.io.EOFException x) {
			throw new TorchFileException(file + ": storage " + s.key() + " cannot be read (" + x.getMessage() + ")");
		}
	}

	/** Reads the named tensors, in the order given. */
	public Map<String, Tensor> read(List<String> names) throws IOException {
		Map<String, Tensor> out = new LinkedHashMap<>();
		for (String n : names) out.put(n, read(n));
		return out;
	}

	/** All tensors. */
	public Map<String, Tensor> readAll() throws IOException {
		return read(new ArrayList<>(tensors.keySet()));
	}

	@Override
	public void close() throws IOException {
		if (zip != null) zip.close();
	}
}
