package org.neuralstyle.stylebank;

import org.neuralstyle.gatys.VggWeights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The small default model shipped inside the plugin jar (resource default.stylebank.zip), so
 * that StyleBank works on a fresh offline install. On first use it is copied to the models
 * folder (see {@link VggWeights#folder()}) and loaded from there like any other model. The
 * model path "default" (or an empty one) means this model in every door.
 */
public final class DefaultModel {

	public static final String NAME = "default";
	static final String RESOURCE = "/org/neuralstyle/default.stylebank.zip";

	private DefaultModel() {}

	public static boolean isDefault(String modelText) {
		return modelText == null || modelText.isBlank() || modelText.trim().equalsIgnoreCase(NAME);
	}

	/** The path to use for a model argument: the given path, or the default model's copy. */
	public static Path resolve(String modelText) throws IOException {
		return isDefault(modelText) ? path() : Path.of(modelText.trim());
	}

	public static synchronized Path path() throws IOException {
		byte[] bytes;
		try (InputStream in = DefaultModel.class.getResourceAsStream(RESOURCE)) {
			if (in == null) throw new IOException("this build of the plugin has no default model; give model=PATH");
			bytes = in.readAllBytes();
		}
		Path target = VggWeights.folder().resolve("default-" + StyleBankModel.sha256(bytes).substring(0, 12) + ".stylebank.zip");
		if (!Files.isRegularFile(target) || Files.size(target) != bytes.length) {
			Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
			try {
				Files.createDirectories(target.getParent());
				Files.write(tmp, bytes);
				Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
			}
			catch (IOException e) {
				throw new IOException("the default model cannot be copied into the models folder " + target.getParent() + " ("
					+ e.getClass().getSimpleName() + ": " + e.getMessage() + "). Make that folder writable, or choose another one with "
					+ "-Dneuralstyle.models=DIR or the environment variable NEURALSTYLE_MODELS, or give model=PATH.", e);
			}
			finally {
				try {
					Files.deleteIfExists(tmp);
				}
				catch (IOException e) {
					// the folder is not ours to clean: nothing was written there
				}
			}
		}
		return target;
	}
}
