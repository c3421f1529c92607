package org.neuralstyle.imagej;

import org.neuralstyle.Progress;
import org.neuralstyle.gatys.VggWeights;
import org.neuralstyle.nn.Download;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.gatys.TorchvisionVgg;
import org.neuralstyle.nn.Vgg;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Get VGG Weights from every door: install VGG-19 and/or VGG-16 into the models folder from a
 * local torchvision .pth ({@code file=}), from torch hub's cache ({@code torch_hub=true}), or by
 * download. Each of these is a user's choice: nothing is fetched or read without it.
 */
public final class VggWeightsRunner {

	/** Which networks, from where; the torch hub folders to look in; the plugin's settings. */
	public record Request(List<Vgg.Arch> archs, Path file, boolean torchHub, List<Path> hubFolders, EngineSettings settings) {
		/** network (vgg19, vgg16 or both), file (a torchvision .pth to convert), torch_hub (use a file found in torch hub's cache). */
		public static final Set<String> KEYS = Set.of("network", "file", "torch_hub");

		public Request {
			archs = List.copyOf(archs);
			hubFolders = List.copyOf(hubFolders);
			if (file != null && archs.size() != 1) throw new IllegalArgumentException("file= holds one network; give network=vgg19 or vgg16");
		}

		public static Request from(Options o, EngineSettings settings) {
			Path file = o.has("file") ? Path.of(o.get("file", "").trim()) : null;
			Vgg.Arch fromName = file == null ? null : TorchvisionVgg.archOf(file);
			String network = o.choice("network", fromName != null ? fromName.name().toLowerCase(Locale.ROOT) : "vgg19", "vgg19", "vgg16", "both");
			List<Vgg.Arch> archs = switch (network) {
				case "vgg16" -> List.of(Vgg.Arch.VGG16);
				case "both" -> List.of(Vgg.Arch.VGG19, Vgg.Arch.VGG16);
				default -> List.of(Vgg.Arch.VGG19);
			};
			return new Request(archs, file, o.flag("torch_hub", false), VggWeightsRunner.hubFolders(), settings);
		}
	}

	private VggWeightsRunner() {}

	/** torch hub's checkpoint folders on this machine ($TORCH_HOME, $XDG_CACHE_HOME, ~/.cache). */
	public static List<Path> hubFolders() {
		String home = System.getProperty("user.home");
		return VggWeights.torchHubFolders(System.getenv(), home == null ? null : Path.of(home));
	}

	/** The torchvision files in torch hub's cache for those of {@code archs} not installed yet. */
	public static Map<Vgg.Arch, Path> found(List<Vgg.Arch> archs, Path models, List<Path> folders) {
		Map<Vgg.Arch, Path> out = new LinkedHashMap<>();
		for (Vgg.Arch a : archs) {
			Path p = VggWeights.present(models, a) ? null : VggWeights.findTorchvision(a, folders);
			if (p != null) out.put(a, p);
		}
		return out;
	}

	/** Installs each network; returns the report (one line per network). */
	public static String run(Request r, Progress progress, Consumer<String> log) throws IOException {
		Path models = r.settings().modelsFolder();
		List<String> lines = new ArrayList<>();
		for (Vgg.Arch a : r.archs()) {
			String name = a.name().toLowerCase(Locale.ROOT);
			Path target = VggWeights.file(models, a);
			String line;
			if (VggWeights.present(models, a)) line = name + " weights are already installed: " + target;
			else if (r.file() != null) line = TorchvisionVgg.convert(r.file(), a, target, progress);
			else {
				Path hub = r.torchHub() ? VggWeights.findTorchvision(a, r.hubFolders()) : null;
				if (hub != null) line = TorchvisionVgg.convert(hub, a, target, progress);
				else {
					Download.fetch(VggWeights.url(a), target, progress);
					line = name + " weights downloaded: " + target;
				}
			}
			log.accept(line);
			lines.add(line);
		}
		return String.join("\n", lines);
	}
}
