package org.neuralstyle.gatys;

import org.neuralstyle.nn.Vgg;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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

	/**
	 * Where torch hub keeps torchvision's downloads: $TORCH_HOME/hub/checkpoints, else
	 * $XDG_CACHE_HOME/torch/hub/checkpoints, else ~/.cache/torch/hub/checkpoints (the default one is
	 * listed too when TORCH_HOME is set). The caller passes the environment and home folder.
	 */
	public static List<Path> torchHubFolders(Map<String, String> env, Path home) {
		List<Path> out = new ArrayList<>();
		String th = env.get("TORCH_HOME");
		if (th != null && !th.isBlank()) out.add(Path.of(th).resolve("hub/checkpoints"));
		String xdg = env.get("XDG_CACHE_HOME");
		if (xdg != null && !xdg.isBlank()) out.add(Path.of(xdg).resolve("torch/hub/checkpoints"));
		if (home != null) out.add(home.resolve(".cache/torch/hub/checkpoints"));
		return out.stream().distinct().toList();
	}

	/** torchvision's file of {@code arch} (its official name) in the first of {@code folders} that has it, or null. */
	public static Path findTorchvision(Vgg.Arch arch, List<Path> folders) {
		for (Path f : folders) {
			Path p = f.resolve(TorchvisionVgg.officialName(arch));
			if (Files.isRegularFile(p)) return p;
		}
		return null;
	}
}
