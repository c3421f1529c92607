package org.neuralstyle.command;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import ij.ImagePlus;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.Progress;
import org.neuralstyle.TestFiles;
import org.neuralstyle.imagej.FolderRunner;
import org.neuralstyle.imagej.ImagePlanes;
import org.neuralstyle.imagej.ResultFiles;
import org.neuralstyle.imagej.TileRows;
import org.neuralstyle.nn.AtomicFiles;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;
import org.neuralstyle.stylebank.TiledInference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark job on local[2] (two task threads, each task tried at most twice): the same
 * collection as the folder-mode tests gives the same files and log, and a task that dies
 * half-way through writing its output is retried and leaves no partial file. One Spark start
 * for the whole class: it is the slow part.
 */
class StylizeJobTest {

	@TempDir
	Path tmp;

	static JavaSparkContext sc;

	@BeforeAll
	static void start() throws Exception {
		SparkConf conf = new SparkConf().setMaster("local[2,2]").setAppName("StylizeJobTest").set("spark.ui.enabled", "false")
			.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
			.set("spark.local.dir", Files.createTempDirectory("spark-test").toString());
		sc = new JavaSparkContext(conf);
	}

	@AfterAll
	static void stop() {
		if (sc != null) sc.close();
	}

	/** A crash inside a task (not a failing image, which is a row of the log): Spark retries the task. */
	static final class Crash extends Error {
		Crash() {
			super("injected crash while writing");
		}
	}

	@AfterEach
	void restore() {
		StylizeJob.OnExecutor.saver = ResultFiles::save;
	}

	@Test
	void localSparkGivesTheFolderModeFilesAndRetriesACrashedTaskWithoutPartialFiles() throws Exception {
		Collection c = Collection.make(tmp);
		List<String> partials = Collections.synchronizedList(new ArrayList<>());
		boolean[] crashed = { false };
		StylizeJob.OnExecutor.saver = (result, output) -> {
			synchronized (crashed) {
				if (output.getFileName().toString().equals("b.tif") && !crashed[0]) {
					crashed[0] = true;
					AtomicFiles.write(output, ".tif", t -> {
						Files.write(t, new byte[1000]); // half-written
						partials.add(t.getFileName().toString());
						throw new Crash();
					});
				}
			}
			ResultFiles.save(result, output);
		};
		FolderRunner.Summary summary = StylizeJob.run(sc, "input=[" + c.input() + "] output=[" + c.output() + "] " + Collection.STYLE);
		assertTrue(crashed[0], "the task of b.png crashed once");
		assertEquals(1, partials.size());
		assertTrue(summary.failed(), "the corrupt file: exit status 1");
		assertTrue(summary.line(c.output()).startsWith("1 file(s) failed: 2 written, 1 skipped"), summary.line(c.output()));
		c.checkFirstRun(); // also: no partial file left
	}

	@Test
	void oneLargeImageInRowsOfTilesEqualsTheSingleMachineExactTiling() throws Exception {
		int w = 150, h = 110, tile = 48;
		ImagePlus imp = Collection.rgb(7, w, h);
		TileRows.split(imp, tmp.resolve("rows"), tile);
		String line = StylizeLargeJob.run(sc, "input=[" + tmp.resolve("rows") + "] output=[" + tmp.resolve("styled") + "] "
			+ Collection.STYLE.replace("style=alpha", "style=[alpha:0.4,beta:0.6]"));
		assertTrue(line.startsWith("Wrote"), line);
		int[] spark = (int[]) TileRows.assemble(tmp.resolve("styled")).getProcessor().getPixels();

		StyleBankModel tiny = StyleBankModel.load(TestFiles.tinyModel());
		int[] single;
		try (StyleBankNetwork net = new StyleBankNetwork(tiny, Device.cpu()); NDManager m = Engines.pytorch().newBaseManager()) {
			float[] y = TiledInference.apply(net, ImagePlanes.rgb(imp, 1), w, h, StyleMix.parse("alpha:0.4,beta:0.6", tiny), tile, Progress.NONE);
			single = (int[]) ImagePlanes.toColorProcessor(m.create(y, new Shape(1, 3, h, w))).getPixels();
		}
		int max = 0;
		for (int i = 0; i < single.length; i++) {
			for (int sh = 0; sh < 24; sh += 8) max = Math.max(max, Math.abs(((spark[i] >> sh) & 0xff) - ((single[i] >> sh) & 0xff)));
		}
		assertTrue(max <= 1, "8-bit levels apart: " + max); // floats within 1e-3 (TiledPassesTest: 1e-5) may round to neighbouring levels
		try (var files = Files.list(tmp.resolve("styled"))) {
			assertEquals(3, files.filter(p -> p.getFileName().toString().startsWith("row-")).count(), "two rows of 48 and one of 14");
		}
	}

	@Test
	void argumentsAndCores() {
		assertEquals("input=[/a b/c] output=/d style=x", StylizeJob.options(new String[] { "input=/a b/c", "output=/d", "style=x" }));
		assertEquals(3, StylizeJob.executorCores(new SparkConf(false).setMaster("local[3]")));
		assertEquals(2, StylizeJob.executorCores(new SparkConf(false).setMaster("local[2,4]")));
		assertEquals(1, StylizeJob.executorCores(new SparkConf(false).setMaster("local")));
		assertEquals(8, StylizeJob.executorCores(new SparkConf(false).setMaster("spark://h:7077").set("spark.executor.cores", "8")));
	}
}
