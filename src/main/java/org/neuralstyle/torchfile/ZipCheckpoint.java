package org.neuralstyle.torchfile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The zip format of torch.save (PyTorch 1.6+): NAME/data.pkl, NAME/data/KEY, NAME/byteorder.
 * The archive is read, never extracted; an entry that would leave it ('..', absolute) refuses it.
 */
final class ZipCheckpoint {

	private ZipCheckpoint() {}

	static TorchFile open(Path file) throws IOException {
		ZipFile zip;
		try {
			zip = new ZipFile(file.toFile());
		}
		catch (ZipException e) {
			throw new TorchFileException(file + ": not a complete zip archive (truncated or damaged file?): " + e.getMessage());
		}
		try {
			String pkl = null;
			for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements();) {
				String name = en.nextElement().getName();
				if (name.startsWith("/") || name.contains("\\") || name.contains(":")
					|| Arrays.asList(name.split("/")).contains(".."))
				{
					throw new TorchFileException(file + ": zip entry '" + name + "' points outside the archive ('..' or an "
						+ "absolute path); refusing the file");
				}
				if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
					if (pkl != null) throw new TorchFileException(file + ": two pickles (" + pkl + ", " + name + ") in one archive");
					pkl = name;
				}
			}
			if (pkl == null) throw new TorchFileException(file + ": a zip archive but no NAME/data.pkl in it: not a torch.save file");
			String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
			ZipEntry order = zip.getEntry(prefix + "byteorder");
			if (order != null) {
				String bo = new String(read(zip, order, 16, file), StandardCharsets.US_ASCII).trim();
				if (!bo.equals("little")) throw new TorchFileException(file + ": byte order '" + bo + "' is not supported (only little-endian)");
			}
			TorchFile t = new TorchFile(file, TorchFile.Format.ZIP, zip, prefix, null);
			byte[] pickle = read(zip, zip.getEntry(pkl), TorchFile.MAX_PICKLE_BYTES, file);
			Object root = Pickle.read(ByteBuffer.wrap(pickle), t::persistent, file + ": " + pkl);
			t.collect(root);
			for (Pickle.StorageRef s : t.storages.values()) {
				ZipEntry e = zip.getEntry(prefix + "data/" + s.key());
				if (e == null) throw new TorchFileException(file + ": storage " + s.key() + " is missing from the archive");
				long need = s.numel() * s.elementSize();
				if (e.getSize() >= 0 && e.getSize() < need) {
					throw new TorchFileException(file + ": storage " + s.key() + " has " + e.getSize() + " bytes but its "
						+ s.numel() + " elements need " + need + " (truncated or damaged file)");
				}
			}
			t.checkViews();
			return t;
		}
		catch (IOException | RuntimeException e) {
			zip.close();
			throw e;
		}
	}

	private static byte[] read(ZipFile zip, ZipEntry e, long max, Path file) throws IOException {
		if (e.getSize() > max) throw new TorchFileException(file + ": " + e.getName() + " is " + e.getSize() + " bytes (more than " + max + ")");
		try (InputStream in = zip.getInputStream(e)) {
			byte[] b = in.readNBytes((int) Math.min(max, e.getSize() >= 0 ? e.getSize() : max) );
			if (e.getSize() >= 0 && b.length != e.getSize()) {
				throw new TorchFileException(file + ": " + e.getName() + " ends after " + b.length + " of " + e.getSize() + " bytes (truncated file?)");
			}
			return b;
		}
		catch (ZipException | java.io.EOFException ex) {
			throw new TorchFileException(file + ": " + e.getName() + " cannot be read (" + ex.getMessage() + "; truncated or damaged file?)");
		}
	}

}
