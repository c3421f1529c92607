package org.neuralstyle.command;

import ai.djl.Device;

import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.StyleBankRunner;
import org.neuralstyle.imagej.TileRows;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.ModelCache;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;
import org.neuralstyle.stylebank.TiledPasses;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * One image too large for one machine, on Apache Spark:
 * {@code spark-submit --class org.neuralstyle.command.StylizeLargeJob ... plugin.jar input=ROWS output=ROWS model=M style=S}.
 * The input is a folder of tile rows ({@link TileRows}: one TIFF per row, the row height is the
 * tile size); the output is another, written row by row by the executors. Five statistics
 * passes each map the rows to their moments and reduce them (count, mean and squared deviations
 * per channel) into one layer's statistics, which go to every row in the next pass; the output
 * pass writes each row atomically. The result is the single-machine exact tiling's (up to
 * float rounding: the moments are added in another order).
 */
public final class StylizeLargeJob {

	static final Set<String> KEYS = Options.keys(StyleBankRunner.Request.KEYS, Set.of("input", "output"));

	private StylizeLargeJob() {}

	public static void main(String[] args) {
		String options = StylizeJob.options(args);
		StylizeJob.submit("Stylize a large image", sc -> run(sc, options));
	}

	public static String run(JavaSparkContext sc, String options) throws Exception {
		long t0 = System.nanoTime();
		Options o = Options.parse(options, KEYS);
		Path in = o.path("input", "a folder of tile rows (rows.properties and row-NNNNN.tif)");
		Path out = o.path("output", "the folder for the stylized rows");
		if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
			throw new IllegalArgumentException("output folder must not be the input folder; choose another");
		}
		TileRows.Layout layout = TileRows.layout(in);
		if (layout.rowHeight() % 4 != 0) throw new IllegalArgumentException("the rows' height (the tile size) must be a multiple of 4, got " + layout.rowHeight());
		Files.createDirectories(out);
		TiledPasses.Plan plan = OnExecutor.plan(options, layout);
		JavaRDD<Integer> rows = sc.parallelize(IntStream.range(0, plan.rows()).boxed().toList(), plan.rows());
		List<float[][][]> stats = new ArrayList<>();
		for (int pass = 0; pass < TiledPasses.statisticsPasses(); pass++) {
			List<float[][][]> known = new ArrayList<>(stats);
			stats.add(rows.map(row -> OnExecutor.moments(options, plan, known, row)).reduce(TiledPasses.Moments::merge).layer());
		}
		List<float[][][]> all = new ArrayList<>(stats);
		rows.foreach(row -> OnExecutor.render(options, plan, all, row));
		TileRows.writeLayout(out, new TileRows.Layout(layout.width(), layout.height(), layout.rowHeight()));
		return String.format(Locale.ROOT, "Wrote %s (%d x %d in %d rows of tiles of %d px) in %.1f s", out, layout.width(), layout.height(),
			plan.rows(), plan.tile(), (System.nanoTime() - t0) / 1e9);
	}

	/** What each executor JVM keeps: the network (ModelCache) and one row at a time with all of the executor's cores. */
	static final class OnExecutor {
		private OnExecutor() {}

		private record Loaded(StyleBankNetwork net, StyleMix mix, Path input, Path output) {}

		private static synchronized Loaded load(String options) throws IOException {
			Options o = Options.parse(options, KEYS);
			StyleBankRunner.Request r = StyleBankRunner.Request.from(o, Settings.current());
			SparkEnv env = SparkEnv.get();
			Engines.threads(env == null ? Runtime.getRuntime().availableProcessors() : StylizeJob.executorCores(env.conf()));
			Device device = Engines.device(r.device());
			StyleBankNetwork net = ModelCache.network(r.model(), device, r.settings().half().on(device));
			return new Loaded(net, StyleMix.parse(r.style(), net.model()), o.path("input", ""), o.path("output", ""));
		}

		static TiledPasses.Plan plan(String options, TileRows.Layout layout) throws Exception {
			return Engines.withPluginClassLoader(() -> TiledPasses.plan(load(options).net(), layout.width(), layout.height(), layout.rowHeight()));
		}

		static synchronized TiledPasses.Moments moments(String options, TiledPasses.Plan plan, List<float[][][]> stats, int row) throws Exception {
			return Engines.withPluginClassLoader(() -> {
				Loaded l = load(options);
				TileRows.Layout layout = TileRows.layout(l.input());
				return TiledPasses.rowMoments(l.net(), plan, TileRows.source(l.input(), layout, plan), l.mix(), stats, row);
			});
		}

		static synchronized void render(String options, TiledPasses.Plan plan, List<float[][][]> stats, int row) throws Exception {
			if (plan.outputRows(row) == 0) return;
			Engines.withPluginClassLoader(() -> {
				Loaded l = load(options);
				TileRows.Layout layout = TileRows.layout(l.input());
				float[] strip = TiledPasses.rowOutput(l.net(), plan, TileRows.source(l.input(), layout, plan), l.mix(), stats, row);
				TileRows.writeRow(l.output(), row, strip, plan.width(), plan.outputRows(row));
				return null;
			});
		}
	}
}
