package org.neuralstyle.gatys;

import org.neuralstyle.nn.Vgg;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where VGG weights live and come from. The models folder is, in order: the system property
 * {@code neuralstyle.models}, the environment variable {@code NEURALSTYLE_MODELS},
 * {@code <ImageJ or Fiji folder>/models/neural-style} when running inside ImageJ/Fiji
 * (property {@code ij.dir}), else {@code ~/.neural-style/models}. The files are timm's
 * torchvision ports (BSD-3-Clause, torchvision's weights) in safetensors format.
 */
public final class VggWeights {

	private VggWeights() {}

	public static URI url(Vgg.Arch arch) {
		String name = arch.name().toLowerCase(Locale.ROOT);
		return URI.create("https://huggingface.co/timm/" + name + ".tv_in1k/resolve/main/model.safetensors");
	}

	public static String fileName(Vgg.Arch arch) {
		return arch.name().toLowerCase(Locale.ROOT) + ".tv_in1k.safetensors";
	}

	public static Path folder() {
		String p = System.getProperty("neuralstyle.models");
		if (p == null || p.isBlank()) p = System.getenv("NEURALSTYLE_MODELS");
		if (p != null && !p.isBlank()) return Path.of(p);
		String ij = System.getProperty("ij.dir");
		if (ij != null && !ij.isBlank() && Files.isDirectory(Path.of(ij))) return Path.of(ij, "models", "neural-style");
		return Path.of(System.getProperty("user.home"), ".neural-style", "models");
	}

	public static Path file(Vgg.Arch arch) {
		return folder().resolve(fileName(arch));
	}

	public static boolean present(Vgg.Arch arch) {
		return Files.isRegularFile(file(arch));
	}

	/** The message for a missing file: what to download and where to put it. */
	public static String missingMessage(Vgg.Arch arch) {
		return arch.name().toLowerCase(Locale.ROOT) + " weights are not installed. Download " + url(arch) + " and save it as "
			+ file(arch) + " (or run again with download=true to let the plugin fetch and verify it; about "
			+ (arch == Vgg.Arch.VGG19 ? "548" : "528") + " MB).";
	}
}
