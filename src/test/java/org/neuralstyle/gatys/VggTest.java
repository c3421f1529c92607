package org.neuralstyle.gatys;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.TestFiles;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;
import org.neuralstyle.nn.Vgg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** VGG features from a torchvision-named file against PyTorch (make_vgg_reference.py); bad files fail clearly. */
class VggTest {

	@TempDir
	Path tmp;

	@Test
	void torchvisionNamedWeightsMatchPyTorch() throws Exception {
		Map<String, Tensor> ref = Safetensors.read(Files.readAllBytes(TestFiles.resource("reference/vgg_outputs.safetensors")));
		Path file = TestFiles.resource("reference/vgg_partial.safetensors");
		Set<String> layers = Set.of("relu1_1", "relu1_2", "relu2_1");
		for (Vgg.Arch arch : Vgg.Arch.values()) {
			for (Vgg.Pooling pooling : Vgg.Pooling.values()) {
				String p = pooling == Vgg.Pooling.MAX ? "max" : "avg";
				try (Vgg vgg = Vgg.load(file, arch, pooling, layers, Device.cpu());
					NDManager m = Engines.pytorch().newBaseManager(Device.cpu()))
				{
					Tensor in = ref.get("input");
					Map<String, NDArray> f = vgg.features(m.create(in.data(), new Shape(in.shape())), layers);
					for (String l : layers) {
						Tensor want = ref.get(p + "." + l);
						assertArrayEquals(want.shape(), f.get(l).getShape().getShape(), l);
						float[] got = f.get(l).toFloatArray();
						double max = 0;
						for (int i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i] - want.data()[i]));
						assertTrue(max < 1e-4, arch + " " + p + " " + l + ": max abs error " + max);
					}
				}
			}
		}
	}

	@Test
	void missingOrMisshapedLayersFailClearly() throws IOException {
		Map<String, Tensor> good = Safetensors.read(Files.readAllBytes(TestFiles.resource("reference/vgg_partial.safetensors")));
		Map<String, Tensor> missing = new LinkedHashMap<>(good);
		missing.remove("features.5.weight");
		Path f1 = tmp.resolve("missing.safetensors");
		Files.write(f1, Safetensors.toBytes(missing));
		var e = assertThrows(IOException.class, () -> Vgg.load(f1, Vgg.Arch.VGG19, Vgg.Pooling.MAX, Set.of("relu2_1"), Device.cpu()));
		assertTrue(e.getMessage().contains("features.5.weight") && e.getMessage().contains("missing"), e.getMessage());

		Map<String, Tensor> wrong = new LinkedHashMap<>(good);
		wrong.put("features.2.weight", new Tensor(new long[] { 64, 32, 3, 3 }, new float[64 * 32 * 9]));
		Path f2 = tmp.resolve("wrong.safetensors");
		Files.write(f2, Safetensors.toBytes(wrong));
		e = assertThrows(IOException.class, () -> Vgg.load(f2, Vgg.Arch.VGG16, Vgg.Pooling.MAX, Set.of("relu1_2"), Device.cpu()));
		assertTrue(e.getMessage().contains("features.2.weight") && e.getMessage().contains("[64, 64, 3, 3]"), e.getMessage());

		// the partial file lacks deeper layers: asking for them says which tensor is missing
		e = assertThrows(IOException.class, () -> Vgg.load(TestFiles.resource("reference/vgg_partial.safetensors"), Vgg.Arch.VGG19,
			Vgg.Pooling.MAX, Set.of("relu5_1"), Device.cpu()));
		assertTrue(e.getMessage().contains("features.7.weight"), e.getMessage());

		Path garbage = tmp.resolve("garbage.safetensors");
		Files.writeString(garbage, "definitely not safetensors");
		e = assertThrows(IOException.class, () -> Vgg.load(garbage, Vgg.Arch.VGG19, Vgg.Pooling.MAX, Set.of("relu1_1"), Device.cpu()));
		assertTrue(e.getMessage().contains("garbage.safetensors"), e.getMessage());
		var unknown = assertThrows(IllegalArgumentException.class,
			() -> Vgg.load(TestFiles.resource("reference/vgg_partial.safetensors"), Vgg.Arch.VGG19, Vgg.Pooling.MAX, Set.of("relu9_9"),
				Device.cpu()));
		assertTrue(unknown.getMessage().contains("relu9_9") && unknown.getMessage().contains("relu4_2"), unknown.getMessage());
	}
}
