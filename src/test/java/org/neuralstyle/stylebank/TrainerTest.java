package org.neuralstyle.stylebank;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.TestFiles;
import org.neuralstyle.gatys.Losses;
import org.neuralstyle.nn.Autograd;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Vgg;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** StyleBank training on tiny images with a tiny network and the offline feature network. */
class TrainerTest {

	@TempDir
	Path tmp;
	static Vgg vgg;

	@BeforeAll
	static void setUp() {
		vgg = Vgg.offline(Vgg.Pooling.MAX, 0, Device.cpu());
	}

	@AfterAll
	static void tearDown() {
		vgg.close();
	}

	static float[] picture(long seed, int w, int h, double freq) {
		Random r = new Random(seed);
		float[] x = new float[3 * w * h];
		double phase = r.nextDouble() * 6;
		for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int i = 0; i < w; i++) {
			x[c * w * h + y * w + i] = (float) Math.min(1, Math.max(0, 0.5 + 0.35 * Math.sin(freq * (i + 2 * y) + phase + c)
				+ 0.1 * r.nextGaussian()));
		}
		return x;
	}

	static List<Trainer.ContentImage> content() {
		List<Trainer.ContentImage> c = new ArrayList<>();
		for (int i = 0; i < 3; i++) c.add(new Trainer.ContentImage(picture(i, 80, 72, 0.15), 80, 72));
		return c;
	}

	static List<Trainer.StyleImage> styles() {
		return List.of(new Trainer.StyleImage("stripes", "Stripes", picture(10, 64, 64, 0.9), 64, 64, "stripes.png"),
			new Trainer.StyleImage("waves", "Waves", picture(11, 64, 64, 0.4), 64, 64, "waves.png"));
	}

	static Trainer.Settings settings(int iterations, long seed) {
		return new Trainer.Settings(new int[] { 8, 12, 16 }, 3, 64, 2, iterations, 0.01, 0.8, 1000, 1, 1e5, 1e-4, 2, 1, seed, 0,
			List.of("relu3_3"), List.of("relu1_2", "relu2_2", "relu3_3"));
	}

	static double mean(List<Trainer.LossRecord> h, String branch, int from, int to) {
		return h.subList(from, to).stream().filter(r -> r.branch().equals(branch)).mapToDouble(Trainer.LossRecord::loss).average()
			.orElseThrow();
	}

	@Test
	void bothBranchLossesFall() throws Exception {
		try (Trainer t = Trainer.fresh(settings(45, 3), vgg, styles(), Device.cpu())) {
			t.train(content(), null, (it, total, branch, loss, c, s) -> {});
			List<Trainer.LossRecord> h = t.history();
			assertEquals(45, h.size());
			assertEquals("autoencoder", h.get(2).branch(), "every third step (T = 2) is the autoencoder branch");
			assertTrue(mean(h, "stylize", 30, 45) < 0.8 * mean(h, "stylize", 0, 9),
				"stylizing loss falls: " + mean(h, "stylize", 0, 9) + " -> " + mean(h, "stylize", 30, 45));
			assertTrue(mean(h, "autoencoder", 30, 45) < 0.8 * mean(h, "autoencoder", 0, 9),
				"reconstruction loss falls: " + mean(h, "autoencoder", 0, 9) + " -> " + mean(h, "autoencoder", 30, 45));
		}
	}

	@Test
	void twoRunsWithTheSameSeedGiveTheSameWeights() throws Exception {
		StyleBankModel a, b;
		try (Trainer t = Trainer.fresh(settings(10, 3), vgg, styles(), Device.cpu())) {
			t.train(content(), null, (it, total, branch, loss, c, s) -> {});
			a = t.toModel("a", null);
		}
		try (Trainer t = Trainer.fresh(settings(10, 3), vgg, styles(), Device.cpu())) {
			t.train(content(), null, (it, total, branch, loss, c, s) -> {});
			b = t.toModel("b", null);
		}
		// libtorch's CPU backward is not bit-reproducible here (see the Gatys notes), and training
		// amplifies last-bit differences over iterations: on a quiet machine the runs here are
		// bit-identical, but 6.4e-3 and 1.6e-2 were seen on a machine shared with other builds. The
		// weights are He-initialised (std about 0.1) and another seed differs by 0.3 (asserted > 0.1
		// below), so the bound is 3e-2; the starting weights are bit-identical (startsFromTheSameWeights)
		for (String layer : StyleBankModel.LAYERS) assertClose(a.weight(layer).data(), b.weight(layer).data(), 3e-2, layer);
		assertClose(a.bank("waves").weight().data(), b.bank("waves").weight().data(), 3e-2, "bank");
		try (Trainer t = Trainer.fresh(settings(10, 4), vgg, styles(), Device.cpu())) {
			t.train(content(), null, (it, total, branch, loss, c, s) -> {});
			StyleBankModel other = t.toModel("c", null);
			double max = 0;
			for (int i = 0; i < a.bank("waves").weight().data().length; i++) {
				max = Math.max(max, Math.abs(a.bank("waves").weight().data()[i] - other.bank("waves").weight().data()[i]));
			}
			assertTrue(max > 0.1, "another seed gives other weights: " + max);
		}
	}

	@Test
	void startsFromTheSameWeights() throws Exception {
		StyleBankModel a, b;
		try (Trainer t = Trainer.fresh(settings(10, 3), vgg, styles(), Device.cpu())) {
			a = t.toModel("a", null);
		}
		try (Trainer t = Trainer.fresh(settings(10, 3), vgg, styles(), Device.cpu())) {
			b = t.toModel("b", null);
		}
		for (String layer : StyleBankModel.LAYERS) org.junit.jupiter.api.Assertions.assertArrayEquals(a.weight(layer).data(), b.weight(layer).data(), layer);
		org.junit.jupiter.api.Assertions.assertArrayEquals(a.bank("waves").weight().data(), b.bank("waves").weight().data());
	}

	static void assertClose(float[] a, float[] b, double tol, String what) {
		double max = 0;
		for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
		assertTrue(max < tol, what + ": max difference " + max);
	}

	@Test
	void aResumedRunContinuesTheSameLossCurve() throws Exception {
		List<Trainer.LossRecord> straight;
		try (Trainer t = Trainer.fresh(settings(12, 5), vgg, styles(), Device.cpu())) {
			t.train(content(), null, (it, total, branch, loss, c, s) -> {});
			straight = t.history();
		}
		Path ckpt = tmp.resolve("ckpt");
		int[] stopAt = { 6 };
		try (Trainer t = Trainer.fresh(settings(12, 5), vgg, styles(), Device.cpu())) {
			int[] seen = { 0 };
			assertThrows(org.neuralstyle.Progress.CancelledException.class, () -> t.train(content(), ckpt, new Trainer.Listener() {
				@Override
				public void iteration(int iteration, int total, String branch, double loss, double content, double style) {
					seen[0] = iteration;
				}

				@Override
				public boolean cancelled() {
					return seen[0] >= stopAt[0];
				}
			}));
		}
		assertTrue(Files.exists(ckpt.resolve("model.stylebank/model.json")), "cancel saved a checkpoint");
		try (Trainer t = Trainer.resume(ckpt, settings(12, 5), vgg, styles(), Device.cpu())) {
			assertEquals(6, t.iteration());
			t.train(content(), null, (it, total, branch, loss, c, s) -> {});
			List<Trainer.LossRecord> resumed = t.history();
			assertEquals(12, resumed.size());
			for (int i = 0; i < 12; i++) {
				assertEquals(straight.get(i).branch(), resumed.get(i).branch());
				// within 1 %: last-bit differences of libtorch's backward grow slowly; a lost optimizer state or
				// another data stream would change the curve far more
				assertEquals(straight.get(i).loss(), resumed.get(i).loss(), 1e-2 * Math.abs(straight.get(i).loss()) + 1e-6,
					"iteration " + (i + 1));
			}
		}
	}

	@Test
	void incrementalLearningKeepsTheAutoencoderAndMovesTowardsTheStyle() throws Exception {
		Path model = tmp.resolve("m.stylebank");
		StyleBankModel.load(TestFiles.tinyModel()).save(model);
		byte[] aeBefore = Files.readAllBytes(model.resolve("autoencoder.safetensors"));
		StyleBankModel base = StyleBankModel.load(model);
		Trainer.StyleImage target = new Trainer.StyleImage("dots", "Dots", picture(20, 64, 64, 1.3), 64, 64, "dots.png");
		double before = gramDistance(base, "alpha", target);
		try (Trainer t = Trainer.incremental(base, settings(60, 1), vgg, target, Device.cpu())) {
			double initial = gramDistance(base, "dots", target);
			t.train(content(), null, (it, total, branch, loss, c, s) -> {});
			StyleBankModel learned = t.toModel("ignored", Map.of("dots", new byte[] { (byte) 0x89, 'P', 'N', 'G' }));
			double after = gramDistance(learned, "dots", target);
			assertTrue(after < 0.8 * initial, "Gram distance to the style falls: " + initial + " -> " + after + " (alpha: " + before + ")");
			learned.save(model);
		}
		assertArrayEquals(aeBefore, Files.readAllBytes(model.resolve("autoencoder.safetensors")), "autoencoder byte-identical");
		StyleBankModel back = StyleBankModel.load(model);
		assertEquals(List.of("alpha", "beta", "dots"), back.styles().stream().map(StyleBankModel.Style::id).toList());
		assertEquals("dots.png", back.style("dots").source());
	}

	/** Mean squared Gram difference (feature network layers) between the model's output in a style and the style image. */
	static double gramDistance(StyleBankModel model, String style, Trainer.StyleImage target) {
		List<String> layers = List.of("relu1_2", "relu2_2", "relu3_3");
		try (StyleBankNetwork net = new StyleBankNetwork(model, Device.cpu()); NDManager m = Engines.pytorch().newBaseManager()) {
			float[] c = picture(0, 64, 64, 0.15);
			NDArray y = net.apply(m.create(c, new Shape(1, 3, 64, 64)), StyleMix.single(style));
			Map<String, NDArray> fy = vgg.features(y, Set.copyOf(layers));
			Map<String, NDArray> fs = vgg.features(m.create(target.rgb(), new Shape(1, 3, 64, 64)), Set.copyOf(layers));
			double d = 0;
			for (String l : layers) d += Losses.style(Losses.gramBatch(fy.get(l)), Losses.gramBatch(fs.get(l))).getFloat();
			return d;
		}
	}

	@Test
	void exportImportRoundTripAndAnotherAutoencoderIsRefused() throws Exception {
		StyleBankModel tiny = StyleBankModel.load(TestFiles.tinyModel());
		byte[] file = StyleFiles.export(tiny, "beta");
		Path model = tmp.resolve("copy.stylebank");
		tiny.save(model);
		StyleBankModel copy = StyleBankModel.load(model);
		copy.removeStyle("beta");
		copy.save(model);
		assertTrue(Files.notExists(model.resolve("banks/beta.safetensors")), "the removed style's bank file is gone");
		copy = StyleBankModel.load(model);
		assertEquals(List.of("alpha"), copy.styles().stream().map(StyleBankModel.Style::id).toList());
		assertEquals("beta", StyleFiles.importInto(copy, file, "beta.stylebank-style.safetensors"));
		copy.renameStyle("beta", "Beta (shared)");
		copy.save(model);
		StyleBankModel back = StyleBankModel.load(model);
		assertEquals("Beta (shared)", back.style("beta").name());
		assertArrayEquals(tiny.bank("beta").weight().data(), back.bank("beta").weight().data());

		try (Trainer t = Trainer.fresh(settings(1, 1), vgg, styles(), Device.cpu())) {
			StyleBankModel other = t.toModel("other", null);
			var e = assertThrows(ModelFormatException.class, () -> StyleFiles.importInto(other, file, "beta.stylebank-style.safetensors"));
			assertTrue(e.getMessage().contains("another autoencoder"), e.getMessage());
		}
		var e = assertThrows(ModelFormatException.class, () -> StyleFiles.importInto(copy(tiny), new byte[] { 1, 2, 3 }, "junk"));
		assertTrue(e.getMessage().contains("junk"), e.getMessage());
	}

	static StyleBankModel copy(StyleBankModel m) {
		return m;
	}

	@Test
	void trainingAndGatysNeverRunTogether() {
		try (Autograd.Session gatys = Autograd.begin("a Gatys style transfer");
			Trainer t = Trainer.fresh(settings(2, 1), vgg, styles(), Device.cpu()))
		{
			var e = assertThrows(IllegalStateException.class, () -> t.train(content(), null, (it, total, b, l, c, s) -> {}));
			assertTrue(e.getMessage().contains("a Gatys style transfer is already running"), e.getMessage());
		}
	}
}
