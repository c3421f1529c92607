package org.neuralstyle.torchfile;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The legacy format of torch.save (before 1.6, or _use_new_zipfile_serialization=False): pickles
 * of the magic number, the protocol version, system info, the object and the storage keys, then
 * each storage as an int64 element count and its raw little-endian data. The file is mapped, not
 * copied; each storage's place is recorded for reading on demand.
 */
final class LegacyCheckpoint {

	private LegacyCheckpoint() {}

	static TorchFile open(Path file) throws IOException {
		long size = Files.size(file);
		if (size > TorchFile.MAX_LEGACY_BYTES) throw new TorchFileException(file + ": a legacy-format file larger than 2 GB is not supported");
		ByteBuffer buf;
		try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r"); FileChannel ch = raf.getChannel()) {
			buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
		}
		TorchFile t = new TorchFile(file, TorchFile.Format.LEGACY, null, null, buf);
		String where = file + " (legacy format)";
		Pickle.Persistent none = pid -> {
			throw new TorchFileException(where + ": a storage where none belongs");
		};
		Object magic = Pickle.read(buf, none, where);
		if (!TorchFile.LEGACY_MAGIC.equals(magic)) throw new TorchFileException(where + ": wrong magic number; not a PyTorch file");
		Object protocol = Pickle.read(buf, none, where);
		if (!Long.valueOf(1001).equals(protocol)) throw new TorchFileException(where + ": protocol " + protocol + " is not supported (1001 is)");
		Object sys = Pickle.read(buf, none, where);
		if (sys instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))) {
			throw new TorchFileException(where + ": saved on a big-endian machine; not supported");
		}
		Object root = Pickle.read(buf, t::persistent, where);
		t.collect(root);
		Object keys = Pickle.read(buf, none, where);
		if (!(keys instanceof List<?> list)) throw new TorchFileException(where + ": no list of storage keys");
		for (Object k : list) {
			Pickle.StorageRef s = t.storages.get(String.valueOf(k));
			if (s == null) throw new TorchFileException(where + ": storage " + k + " is stored but not used by any tensor");
			if (buf.remaining() < 8) throw new TorchFileException(where + ": the file ends before storage " + k + " (truncated file?)");
			long count = buf.getLong();
			if (count != s.numel()) {
				throw new TorchFileException(where + ": storage " + k + " holds " + count + " elements, its tensors say " + s.numel());
			}
			long bytes = count * s.elementSize();
			if (count < 0 || bytes > buf.remaining()) {
				throw new TorchFileException(where + ": storage " + k + " needs " + bytes + " bytes but the file has " + buf.remaining()
					+ " left (truncated file?)");
			}
			t.legacyData.put(s.key(), buf.position());
			buf.position((int) (buf.position() + bytes));
		}
		for (String k : t.storages.keySet()) {
			if (!t.legacyData.containsKey(k)) throw new TorchFileException(where + ": storage " + k + " is missing");
		}
		t.checkViews();
		return t;
	}

}
