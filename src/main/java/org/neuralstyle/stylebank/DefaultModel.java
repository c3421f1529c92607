package org.neuralstyle.stylebank;

import org.neuralstyle.nn.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The small default model shipped inside the plugin jar (resource default.stylebank.zip), so
 * that StyleBank works on a fresh offline install. On first use it is copied to the models
 * folder of the settings and loaded from there like any other model. The
 * model path "default" (or an empty one) means this model in every door.
 */
public final class DefaultModel {

	public static final String NAME = "default";
	static final String RESOURCE = "/org/neuralstyle/default.stylebank.zip";

	private DefaultModel() {}

	public static boolean isDefault(String modelText) {
		return modelText == null || modelText.isBlank() || modelText.trim().equalsIgnoreCase(NAME);
	}

	/** The path to use for a model argument: the given path, or the default model's copy in {@code modelsFolder}. */
	public static Path resolve(String modelText, Path modelsFolder) throws IOException {
		return isDefault(modelText) ? path(modelsFolder) : Path.of(modelText.trim());
	}

	/** The default model's copy in {@code modelsFolder}, written there first if it is missing. */
	public static synchronized Path path(Path modelsFolder) throws IOException {
		byte[] bytes;
		try (InputStream in = DefaultModel.class.getResourceAsStream(RESOURCE)) {
			if (in == null) throw new IOException("this build of the plugin has no default model; give model=PATH");
			bytes = in.readAllBytes();
		}
		Path target = modelsFolder.resolve("default-" + StyleBankModel.sha256(bytes).substring(0, 12) + ".stylebank.zip");
		if (!Files.isRegularFile(target) || Files.size(target) != bytes.length) {
			try {
				Files.createDirectories(target.getParent());
				AtomicFiles.write(target, bytes);
			}
			catch (IOException e) {
				throw new IOException("the default model cannot be copied into the models folder " + target.getParent() + " ("
					+ e.getClass().getSimpleName() + ": " + e.getMessage() + "). Make that folder writable, or choose another one with "
					+ "Style Transfer Settings (models), -Dneuralstyle.models=DIR or the environment variable NEURALSTYLE_MODELS, or give "
					+ "model=PATH.", e);
			}
		}
		return target;
	}
}
