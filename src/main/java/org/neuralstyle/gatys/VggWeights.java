package org.neuralstyle.gatys;

import org.neuralstyle.nn.Vgg;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where VGG weights live and come from: in the models folder of the settings
 * ({@link org.neuralstyle.nn.EngineSettings#modelsFolder()}). The files are timm's torchvision
 * ports (BSD-3-Clause, torchvision's weights) in safetensors format.
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

	public static Path file(Path folder, Vgg.Arch arch) {
		return folder.resolve(fileName(arch));
	}

	public static boolean present(Path folder, Vgg.Arch arch) {
		return Files.isRegularFile(file(folder, arch));
	}

	/** The message for a missing file: what to download and where to put it. */
	public static String missingMessage(Path folder, Vgg.Arch arch) {
		return arch.name().toLowerCase(Locale.ROOT) + " weights are not installed. Download " + url(arch) + " and save it as "
			+ file(folder, arch) + " (or run again with download=true to let the plugin fetch and verify it; about "
			+ (arch == Vgg.Arch.VGG19 ? "548" : "528") + " MB).";
	}
}
