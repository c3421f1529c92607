package org.neuralstyle.command;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.imagej.FolderRunner;
import org.neuralstyle.imagej.ResultFiles;
import org.neuralstyle.nn.AtomicFiles;

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
		SparkConf conf = new SparkConf().setMaster("local[2,2]").setAppName("StylizeJobTest").set("spark.ui.enabled", "false")
			.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
			.set("spark.local.dir", Files.createDirectories(tmp.resolve("spark")).toString());
		FolderRunner.Summary summary;
		try (JavaSparkContext sc = new JavaSparkContext(conf)) {
			summary = StylizeJob.run(sc, "input=[" + c.input() + "] output=[" + c.output() + "] " + Collection.STYLE);
		}
		assertTrue(crashed[0], "the task of b.png crashed once");
		assertEquals(1, partials.size());
		assertTrue(summary.failed(), "the corrupt file: exit status 1");
		assertTrue(summary.line(c.output()).startsWith("1 file(s) failed: 2 written, 1 skipped"), summary.line(c.output()));
		c.checkFirstRun(); // also: no partial file left
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
