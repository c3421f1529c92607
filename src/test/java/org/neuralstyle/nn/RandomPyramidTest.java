package org.neuralstyle.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;
import org.neuralstyle.TestFiles;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The offline feature network against an independent PyTorch implementation
 * (src/test/python/make_pyramid_reference.py): feature maps and the gradient with respect to the
 * image; its seeded weights; its layer names and messages.
 */
class RandomPyramidTest {

	static final Set<String> ALL = Set.of("scale1", "scale2", "scale3", "scale4", "scale5");

	static RandomPyramid reference(Map<String, Tensor> ref) {
		List<Tensor> filters = new ArrayList<>(), colours = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			filters.add(ref.get("level." + i + ".filters"));
			colours.add(ref.get("level." + i + ".colours")); // null where the level has none
		}
		return new RandomPyramid(filters, colours, "reference", Device.cpu());
	}

	static Map<String, Tensor> ref() throws Exception {
		return Safetensors.read(Files.readAllBytes(TestFiles.resource("reference/pyramid_reference.safetensors")));
	}

	@Test
	void featuresMatchPyTorch() throws Exception {
		Map<String, Tensor> ref = ref();
		try (RandomPyramid net = reference(ref); NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
			Tensor in = ref.get("input");
			Map<String, NDArray> f = net.features(m.create(in.data(), new Shape(in.shape())), ALL);
			for (String l : ALL) {
				Tensor want = ref.get(l);
				assertArrayEquals(want.shape(), f.get(l).getShape().getShape(), l);
				float[] got = f.get(l).toFloatArray();
				double max = 0, scale = 1e-6;
				for (int i = 0; i < got.length; i++) {
					max = Math.max(max, Math.abs(got[i] - want.data()[i]));
					scale = Math.max(scale, Math.abs(want.data()[i]));
				}
				assertTrue(max / scale < 1e-5, l + ": relative error " + max / scale);
			}
		}
	}

	@Test
	void imageGradientMatchesPyTorch() throws Exception {
		Map<String, Tensor> ref = ref();
		try (RandomPyramid net = reference(ref); NDManager m = Engines.pytorch().newBaseManager(Device.cpu());
			Autograd.Session session = Autograd.begin("a gradient test"))
		{
			Tensor in = ref.get("input");
			NDArray img = m.create(in.data(), new Shape(in.shape()));
			img.setRequiresGradient(true);
			try (GradientCollector gc = session.collector()) {
				Map<String, NDArray> f = net.features(img, ALL);
				NDArray loss = m.zeros(new Shape());
				for (int i = 0; i < 5; i++) {
					Tensor w = ref.get("weighting." + i);
					loss = loss.add(f.get("scale" + (i + 1)).mul(m.create(w.data(), new Shape(w.shape()))).sum());
				}
				session.backward(gc, loss);
			}
			float[] got = img.getGradient().toFloatArray();
			Tensor want = ref.get("grad.input");
			double max = 0, scale = 1e-30;
			for (int i = 0; i < got.length; i++) {
				max = Math.max(max, Math.abs(got[i] - want.data()[i]));
				scale = Math.max(scale, Math.abs(want.data()[i]));
			}
			System.out.printf("pyramid image gradient: relative error vs PyTorch %.2g%n", max / scale);
			assertTrue(max / scale < 1e-4, "relative error " + max / scale);
		}
	}

	@Test
	void seededWeightsAreZeroMeanUnitNormAndRepeatable() {
		try (RandomPyramid a = RandomPyramid.offline(3, Device.cpu()); RandomPyramid b = RandomPyramid.offline(3, Device.cpu());
			RandomPyramid c = RandomPyramid.offline(4, Device.cpu()); NDManager m = Engines.pytorch().newBaseManager(Device.cpu()))
		{
			float[] pixels = new float[3 * 40 * 50];
			java.util.Random r = new java.util.Random(1);
			for (int i = 0; i < pixels.length; i++) pixels[i] = r.nextFloat();
			NDArray x = m.create(pixels, new Shape(1, 3, 40, 50));
			Map<String, NDArray> fa = a.features(x, ALL), fb = b.features(x, ALL), fc = c.features(x, ALL);
			assertArrayEquals(fa.get("scale2").toFloatArray(), fb.get("scale2").toFloatArray(), "same seed, same features");
			assertTrue(!java.util.Arrays.equals(fa.get("scale2").toFloatArray(), fc.get("scale2").toFloatArray()), "another seed differs");
			// 64 filters everywhere, and 2 x 16 colour channels at the first level; sides halved and rounded down
			assertArrayEquals(new long[] { 1, 96, 40, 50 }, fa.get("scale1").getShape().getShape());
			assertArrayEquals(new long[] { 1, 64, 20, 25 }, fa.get("scale2").getShape().getShape());
			assertArrayEquals(new long[] { 1, 64, 2, 3 }, fa.get("scale5").getShape().getShape());
			// a flat image whose normalised channels are equal: the zero-mean filters give zero everywhere
			float[] grey = new float[3 * 40 * 50];
			for (int ch = 0; ch < 3; ch++) java.util.Arrays.fill(grey, ch * 2000, (ch + 1) * 2000, Vgg.MEAN[ch] + 0.5f * Vgg.STD[ch]);
			Map<String, NDArray> flat = a.features(m.create(grey, new Shape(1, 3, 40, 50)), Set.of("scale3"));
			for (float v : flat.get("scale3").toFloatArray()) assertEquals(0, v, 1e-5);
		}
	}

	@Test
	void layerNamesAndMessages() {
		try (RandomPyramid net = RandomPyramid.offline(0, Device.cpu()); NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
			assertEquals(0, net.poolings("scale1"));
			assertEquals(4, net.poolings("scale5"));
			var e = assertThrows(IllegalArgumentException.class, () -> net.poolings("relu4_2"));
			assertTrue(e.getMessage().contains("scale1, scale2, scale3, scale4, scale5") && e.getMessage().contains("vgg19"), e.getMessage());
			assertThrows(IllegalArgumentException.class, () -> net.poolings("scale6"));
			assertEquals(List.of("scale3"), net.gatysLayers().content());
			assertTrue(net.relativeLosses() && !net.isPretrained());
			// 12 -> 6 -> 3 -> 1: scale4 is one pixel, scale5 cannot be made
			assertArrayEquals(new long[] { 1, 64, 1, 1 },
				net.features(m.zeros(new Shape(1, 3, 12, 12)), Set.of("scale4")).get("scale4").getShape().getShape());
			e = assertThrows(IllegalArgumentException.class, () -> net.features(m.zeros(new Shape(1, 3, 12, 12)), Set.of("scale5")));
			assertTrue(e.getMessage().contains("too small") && e.getMessage().contains("scale5"), e.getMessage());
		}
	}
}
