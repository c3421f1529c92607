package org.neuralstyle.stylebank;

import ai.djl.Device;

import org.junit.jupiter.api.Test;
import org.neuralstyle.Progress;
import org.neuralstyle.TestFiles;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tile rows with their moments merged in another order give the single-machine exact tiling. */
class TiledPassesTest {

	@Test
	void rowsMergedInAnyOrderEqualTheExactTiling() throws Exception {
		StyleBankModel tiny = StyleBankModel.load(TestFiles.tinyModel());
		int w = 157, h = 131, tile = 48;
		float[] x = TiledInferenceTest.image(w, h, 3);
		StyleMix mix = StyleMix.parse("alpha:0.3,beta:0.7", tiny);
		try (StyleBankNetwork net = new StyleBankNetwork(tiny, Device.cpu())) {
			float[] single = TiledInference.apply(net, x, w, h, mix, tile, Progress.NONE);
			TiledPasses.Plan plan = TiledPasses.plan(net, w, h, tile);
			TiledPasses.Source source = TiledPasses.inMemory(x, w, h, plan);
			assertTrue(plan.rows() >= 3);
			List<float[][][]> stats = new ArrayList<>();
			for (int pass = 0; pass < TiledPasses.statisticsPasses(); pass++) {
				TiledPasses.Moments all = null;
				for (int row = plan.rows() - 1; row >= 0; row--) { // the reverse of the single machine's order
					TiledPasses.Moments m = TiledPasses.rowMoments(net, plan, source, mix, stats, row);
					all = all == null ? m : m.merge(all);
				}
				stats.add(all.layer());
			}
			float[] rows = new float[3 * w * h];
			for (int row = 0; row < plan.rows(); row++) {
				float[] strip = TiledPasses.rowOutput(net, plan, source, mix, stats, row);
				int rh = plan.outputRows(row);
				for (int c = 0; c < 3; c++) System.arraycopy(strip, c * rh * w, rows, c * w * h + row * tile * w, rh * w);
			}
			double max = 0;
			for (int i = 0; i < rows.length; i++) max = Math.max(max, Math.abs(rows[i] - single[i]));
			assertTrue(max < 1e-5, "max difference " + max);
			assertEquals(single.length, rows.length);
		}
	}
}
