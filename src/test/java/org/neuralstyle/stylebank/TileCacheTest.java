package org.neuralstyle.stylebank;

import ai.djl.Device;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.Progress;
import org.neuralstyle.TestFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact tiling that keeps the tiles' maps between passes: the choice of layers, and the same result in memory, in files or with nothing kept. */
class TileCacheTest {

	// the paper network's work per input pixel (multiply-adds: E1, E2, E3, bank + D1, D2, D3) and raw map bytes (E1 .. D2)
	static final double[] FLOPS = { 7776, 4608, 4608, 9216 + 18432, 18432, 7776 };
	static final double[] BYTES = { 128, 64, 32, 64, 128 };

	@Test
	void passesCostGrowingPrefixesWhenNothingIsKept() {
		double[] ones = { 1, 1, 1, 1, 1, 1 };
		assertEquals(1 + 2 + 3 + 4 + 5 + 6, TileCache.cost(Set.of(), BYTES, ones, 0), 1e-9);
		assertEquals(6, TileCache.cost(Set.of(0, 1, 2, 3, 4), BYTES, ones, 0), 1e-9, "every layer once");
		assertEquals(1 + 2 + 3 + 1 + 2 + 3, TileCache.cost(Set.of(2), BYTES, ones, 0), 1e-9);
		assertEquals(-1, TileCache.resumeFrom(Set.of(2, 3), 2));
		assertEquals(2, TileCache.resumeFrom(Set.of(2, 3), 3));
		assertEquals(3, TileCache.resumeFrom(Set.of(2, 3), 5));
	}

	@Test
	void planKeepsWhatFitsAndPays() {
		long pixels = 1000;
		assertEquals(Set.of(0, 1, 2, 3, 4), TileCache.plan(BYTES, FLOPS, pixels, Long.MAX_VALUE, 0), "memory: keep everything");
		assertEquals(Set.of(), TileCache.plan(BYTES, FLOPS, pixels, 0, 0), "no room: keep nothing");
		// in files, the first layer's 32 full-size channels cost more to write and read than to compute again
		Set<Integer> disk = TileCache.plan(BYTES, FLOPS, pixels, Long.MAX_VALUE, TileCache.DISK_COST_PER_BYTE);
		assertFalse(disk.contains(0), disk.toString());
		assertTrue(disk.containsAll(List.of(2, 3)), disk.toString());
		// room for 96 bytes a pixel: the encoder's last map and the decoder's first (they save the most)
		assertEquals(Set.of(2, 3), TileCache.plan(BYTES, FLOPS, pixels, 96 * pixels, 0));
	}

	@Test
	void keptInMemoryInFilesOrNotAtAllTheResultIsTheSame(@TempDir Path scratch) throws Exception {
		StyleBankModel model = StyleBankModel.load(TestFiles.tinyModel());
		int w = 301, h = 157, tile = 64;
		float[] x = TiledInferenceTest.image(w, h, 3);
		try (StyleBankNetwork net = new StyleBankNetwork(model, Device.cpu())) {
			List<StyleMix> mix = List.of(StyleMix.parse("alpha", model));
			float[] none = TiledInference.apply(net, x, w, h, null, mix, StyleBankNetwork.Fusion.PAPER, tile, new TiledInference.Room(0, null), Progress.NONE);
			float[] memory = TiledInference.apply(net, x, w, h, null, mix, StyleBankNetwork.Fusion.PAPER, tile, TiledInference.Room.MEMORY, Progress.NONE);
			List<String> said = new java.util.ArrayList<>();
			Progress record = new Progress() {
				@Override
				public void report(int done, int total, String message) {
					said.add(message);
				}

				@Override
				public boolean isCancelled() {
					return false;
				}
			};
			float[] files = TiledInference.apply(net, x, w, h, null, mix, StyleBankNetwork.Fusion.PAPER, tile, new TiledInference.Room(0, scratch), record);
			assertTrue(said.stream().anyMatch(m -> m.contains("in temporary files")), "no room in memory: the maps went to files " + said.subList(0, 2));
			double dm = 0, df = 0;
			for (int i = 0; i < none.length; i++) {
				dm = Math.max(dm, Math.abs(memory[i] - none[i]));
				df = Math.max(df, Math.abs(files[i] - none[i]));
			}
			assertTrue(dm < 1e-5 && df < 1e-5, "kept in memory " + dm + ", in files " + df);
			try (var left = Files.list(scratch)) {
				assertEquals(0, left.count(), "temporary tile files removed");
			}
		}
	}

	@Test
	void aCancelLeavesNoTemporaryFiles(@TempDir Path scratch) throws Exception {
		StyleBankModel model = StyleBankModel.load(TestFiles.tinyModel());
		int w = 200, h = 150;
		float[] x = TiledInferenceTest.image(w, h, 4);
		AtomicInteger reports = new AtomicInteger();
		AtomicInteger filesAtCancel = new AtomicInteger(-1);
		Progress cancelMidway = new Progress() {
			@Override
			public void report(int done, int total, String message) {
				reports.incrementAndGet();
			}

			@Override
			public boolean isCancelled() {
				// 12 tiles a pass: the first report says where the maps go, then the third pass (whose maps are kept) is under way
				if (reports.get() <= 30) return false;
				// the cache's folder (its files are unlinked as soon as they are open, as DELETE_ON_CLOSE does on Linux)
				try (var all = Files.list(scratch)) {
					filesAtCancel.set((int) all.filter(d -> d.getFileName().toString().startsWith("neuralstyle-tiles-")).count());
				}
				catch (java.io.IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
				return true;
			}
		};
		try (StyleBankNetwork net = new StyleBankNetwork(model, Device.cpu())) {
			List<StyleMix> mix = List.of(StyleMix.parse("alpha", model));
			assertThrows(Progress.CancelledException.class, () -> TiledInference.apply(net, x, w, h, null, mix, StyleBankNetwork.Fusion.PAPER, 64,
				new TiledInference.Room(0, scratch), cancelMidway));
		}
		assertEquals(1, filesAtCancel.get(), "the temporary tile folder existed when the user cancelled");
		try (var left = Files.list(scratch)) {
			assertEquals(0, left.count(), "temporary tile files removed after a cancel");
		}
	}
}
