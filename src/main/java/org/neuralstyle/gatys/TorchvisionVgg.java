package org.neuralstyle.gatys;

import org.neuralstyle.Progress;
import org.neuralstyle.nn.AtomicFiles;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;
import org.neuralstyle.nn.Vgg;
import org.neuralstyle.torchfile.TorchFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * torchvision's VGG checkpoints ({@code vgg19-dcbb9e9d.pth}, {@code vgg16-397923af.pth}, as
 * torch hub caches them) turned into the safetensors file {@link Vgg#load} reads: the file is
 * checked against the SHA-256 prefix in its name, read with {@link TorchFile} (nothing in it
 * runs), and its convolutions {@code features.N.weight/bias} are checked against the
 * architecture's layout and written; the classifier is left out.
 */
public final class TorchvisionVgg {

	/** torchvision's file names: the architecture, then the first 8 hex digits of the file's SHA-256. */
	public static final Pattern NAME = Pattern.compile("(vgg1[69])-([0-9a-f]{8})\\.pth");

	private TorchvisionVgg() {}

	/** The torchvision file name of the ImageNet weights of {@code arch}. */
	public static String officialName(Vgg.Arch arch) {
		return arch == Vgg.Arch.VGG19 ? "vgg19-dcbb9e9d.pth" : "vgg16-397923af.pth";
	}

	/** The architecture a torchvision file name says, or null. */
	public static Vgg.Arch archOf(Path file) {
		Matcher m = NAME.matcher(file.getFileName().toString());
		return m.matches() ? Vgg.Arch.parse(m.group(1)) : null;
	}

	/** Reads, checks and writes {@code target} (atomically); returns a one-line report. */
	public static String convert(Path pth, Vgg.Arch arch, Path target, Progress progress) throws IOException {
		if (!Files.isRegularFile(pth)) throw new IOException(pth + ": no such file");
		String name = arch.name().toLowerCase(Locale.ROOT);
		Matcher m = NAME.matcher(pth.getFileName().toString());
		String check;
		if (m.matches()) {
			if (!m.group(1).equals(name)) throw new IOException(pth + " holds " + m.group(1) + " weights, not " + name);
			progress.report(0, 3, "Checking " + pth.getFileName());
			String sha = sha256(pth, progress);
			if (!sha.startsWith(m.group(2))) {
				throw new IOException(pth + ": its SHA-256 starts with " + sha.substring(0, 8) + " but its name says " + m.group(2)
					+ ": the file is damaged or not the one torchvision published. Delete it (torch hub downloads it again) "
					+ "or use Get VGG Weights' download");
			}
			check = "SHA-256 " + sha.substring(0, 8) + "... matches its name";
		}
		else check = "no SHA-256 in its name to check (torchvision names files like " + officialName(arch) + ")";
		progress.checkCancelled();
		progress.report(1, 3, "Reading " + pth.getFileName());
		Map<String, Tensor> out = new LinkedHashMap<>();
		try (TorchFile t = TorchFile.open(pth)) {
			Map<String, TorchFile.Entry> entries = t.tensors();
			String prefix = entries.containsKey("features.0.weight") ? "" : entries.containsKey("state_dict.features.0.weight") ? "state_dict." : null;
			if (prefix == null) {
				throw new IOException(pth + ": no tensor features.0.weight; not a torchvision VGG state dict (its first tensors: "
					+ entries.keySet().stream().limit(4).toList() + ")");
			}
			List<Vgg.Conv> layout = Vgg.layout(arch, 1);
			boolean missing = false;
			for (Vgg.Conv c : layout) {
				String w = "features." + c.index() + ".weight", b = "features." + c.index() + ".bias";
				if (!entries.containsKey(prefix + w)) {
					missing = true;
					continue;
				}
				if (missing) throw new IOException(pth + ": " + w + " is there but a shallower convolution is missing");
				long[] ws = { c.out(), c.in(), 3, 3 };
				for (String[] k : new String[][] { { w, null }, { b, null } }) {
					TorchFile.Entry e = entries.get(prefix + k[0]);
					long[] want = k[0].endsWith("weight") ? ws : new long[] { c.out() };
					if (e == null || !java.util.Arrays.equals(e.shape(), want)) {
						throw new IOException(pth + ": " + k[0] + " (" + c.name() + " of " + name + ") has shape "
							+ (e == null ? "none (missing)" : e.shapeString()) + ", expected " + java.util.Arrays.toString(want)
							+ ". Is this a torchvision " + name + " file?");
					}
					Tensor x = t.read(prefix + k[0]);
					if (x.firstNonFinite() >= 0) throw new IOException(pth + ": " + k[0] + " holds NaN or infinite values");
					out.put(k[0], x);
				}
				progress.checkCancelled();
			}
		}
		progress.report(2, 3, "Writing " + target.getFileName());
		Files.createDirectories(target.toAbsolutePath().getParent());
		AtomicFiles.write(target, "", tmp -> {
			try (var os = Files.newOutputStream(tmp)) {
				Safetensors.write(out, Map.of("source", pth.getFileName().toString()), os);
			}
		});
		progress.report(3, 3, "Wrote " + target.getFileName());
		return name + " weights from " + pth + " (" + check + ", " + out.size() / 2 + " convolutions) written to " + target;
	}

	static String sha256(Path file, Progress progress) throws IOException {
		try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
			byte[] buf = new byte[1 << 20];
			while (in.read(buf) >= 0) progress.checkCancelled();
			return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
