package org.neuralstyle.imagej;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.Progress;
import org.neuralstyle.TestFiles;
import org.neuralstyle.gatys.VggWeights;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;
import org.neuralstyle.nn.Vgg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Get VGG Weights from torchvision files: a torchvision-format VGG-19 (make_torch_fixtures.py:
 * the first two convolutions, random weights, real key names) gives the same weights and the
 * same features as the safetensors path; damaged or hostile files are refused, nothing written.
 */
class VggWeightsRunnerTest {

	@TempDir
	Path tmp;

	static final Path PTH = TestFiles.resource("torchfile/vgg19-7f1f2d45.pth");

	EngineSettings settings(Path models) {
		return EngineSettings.defaults(models);
	}

	VggWeightsRunner.Request request(String options, Path models, List<Path> hub) {
		VggWeightsRunner.Request r = VggWeightsRunner.Request.from(Options.parse(options, VggWeightsRunner.Request.KEYS), settings(models));
		return new VggWeightsRunner.Request(r.archs(), r.file(), r.torchHub(), hub, r.settings());
	}

	@Test
	void torchvisionFileGivesTheSameFeaturesAsTheSafetensorsPath() throws Exception {
		Path models = tmp.resolve("models");
		List<String> log = new ArrayList<>();
		String report = VggWeightsRunner.run(request("file=[" + PTH + "]", models, List.of()), Progress.NONE, log::add);
		assertTrue(report.contains("matches its name") && report.contains("2 convolutions"), report);
		Path installed = VggWeights.file(models, Vgg.Arch.VGG19);
		Map<String, Tensor> got = Safetensors.read(Files.readAllBytes(installed));
		Map<String, Tensor> want = Safetensors.read(Files.readAllBytes(TestFiles.resource("reference/vgg_partial.safetensors")));
		assertEquals(Set.of("features.0.weight", "features.0.bias", "features.2.weight", "features.2.bias"), got.keySet(), "classifier left out");
		for (String k : got.keySet()) assertArrayEquals(want.get(k).data(), got.get(k).data(), k);

		Map<String, Tensor> ref = Safetensors.read(Files.readAllBytes(TestFiles.resource("reference/vgg_outputs.safetensors")));
		Set<String> layers = Set.of("relu1_1", "relu1_2");
		try (Vgg a = Vgg.load(installed, Vgg.Arch.VGG19, Vgg.Pooling.MAX, layers, Device.cpu());
			Vgg b = Vgg.load(TestFiles.resource("reference/vgg_partial.safetensors"), Vgg.Arch.VGG19, Vgg.Pooling.MAX, layers, Device.cpu());
			NDManager m = Engines.pytorch().newBaseManager(Device.cpu()))
		{
			Tensor in = ref.get("input");
			NDArray x = m.create(in.data(), new Shape(in.shape()));
			Map<String, NDArray> fa = a.features(x, layers), fb = b.features(x, layers);
			for (String l : layers) {
				assertArrayEquals(fb.get(l).toFloatArray(), fa.get(l).toFloatArray(), l + ": same as the safetensors path");
				float[] p = ref.get("max." + l).data(), g = fa.get(l).toFloatArray();
				double max = 0;
				for (int i = 0; i < g.length; i++) max = Math.max(max, Math.abs(g[i] - p[i]));
				assertTrue(max < 1e-4, l + " vs PyTorch: " + max);
			}
		}
		String again = VggWeightsRunner.run(request("file=[" + PTH + "]", models, List.of()), Progress.NONE, log::add);
		assertTrue(again.contains("already installed"), again);
	}

	@Test
	void torchHubCacheIsFoundAndItsFileChecked() throws IOException {
		Path hub = tmp.resolve("torch/hub/checkpoints");
		Files.createDirectories(hub);
		// torchvision's name with a hash the content does not have: found, then refused
		Files.copy(PTH, hub.resolve("vgg19-dcbb9e9d.pth"));
		assertEquals(List.of(hub), VggWeights.torchHubFolders(Map.of("TORCH_HOME", tmp.resolve("torch").toString()), null));
		assertEquals(List.of(tmp.resolve("home/.cache/torch/hub/checkpoints")), VggWeights.torchHubFolders(Map.of(), tmp.resolve("home")));
		Path models = tmp.resolve("models");
		assertEquals(Map.of(Vgg.Arch.VGG19, hub.resolve("vgg19-dcbb9e9d.pth")),
			VggWeightsRunner.found(List.of(Vgg.Arch.values()), models, List.of(hub)));
		IOException e = assertThrows(IOException.class,
			() -> VggWeightsRunner.run(request("torch_hub=true", models, List.of(hub)), Progress.NONE, s -> {}));
		assertTrue(e.getMessage().contains("SHA-256 starts with 7f1f2d45 but its name says dcbb9e9d"), e.getMessage());
		assertTrue(Files.notExists(VggWeights.file(models, Vgg.Arch.VGG19)), "nothing installed");
	}

	@Test
	void hostileOrWrongFilesAreRefused() throws IOException {
		Path models = tmp.resolve("models");
		Path evil = tmp.resolve("vgg19-evil.pth");
		Files.copy(TestFiles.resource("torchfile/hostile/posix_system.pth"), evil);
		IOException e = assertThrows(IOException.class,
			() -> VggWeightsRunner.run(request("file=[" + evil + "] network=vgg19", models, List.of()), Progress.NONE, s -> {}));
		assertTrue(e.getMessage().contains("refuses posix.system"), e.getMessage());
		Path stylebank = TestFiles.resource("torchfile/whole_zip.pth");
		e = assertThrows(IOException.class,
			() -> VggWeightsRunner.run(request("file=[" + stylebank + "] network=vgg16", models, List.of()), Progress.NONE, s -> {}));
		assertTrue(e.getMessage().contains("features.0.weight") && e.getMessage().contains("not a torchvision VGG"), e.getMessage());
		var bad = assertThrows(IllegalArgumentException.class,
			() -> request("file=[" + PTH + "] network=both", models, List.of()));
		assertTrue(bad.getMessage().contains("one network"), bad.getMessage());
		try (Stream<Path> s = Files.exists(models) ? Files.list(models) : Stream.empty()) {
			assertEquals(List.of(), s.toList(), "nothing written");
		}
	}

	@Test
	void headlessDoorRefusesBeforeReadingAnything() throws IOException {
		String line = org.neuralstyle.command.Headless.getVggWeights("fil=[" + PTH + "]");
		assertTrue(line.startsWith("Error: unknown argument 'fil'. Did you mean 'file'?"), line);
		Path damaged = tmp.resolve("vgg19-00000000.pth");
		Files.copy(PTH, damaged);
		Path models = tmp.resolve("models");
		String old = System.getProperty("neuralstyle.models");
		System.setProperty("neuralstyle.models", models.toString()); // a folder without VGG weights, so the file is read
		try {
			line = org.neuralstyle.command.Headless.getVggWeights("file=[" + damaged + "]");
		}
		finally {
			if (old == null) System.clearProperty("neuralstyle.models");
			else System.setProperty("neuralstyle.models", old);
		}
		assertTrue(line.startsWith("Error: ") && line.contains("SHA-256 starts with 7f1f2d45 but its name says 00000000"), line);
		assertTrue(Files.notExists(VggWeights.file(models, Vgg.Arch.VGG19)), "nothing installed");
	}
}
