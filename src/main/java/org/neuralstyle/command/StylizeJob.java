package org.neuralstyle.command;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.neuralstyle.Progress;
import org.neuralstyle.imagej.FolderRunner;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.ResultFiles;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.nn.Engines;

import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Folder mode on Apache Spark, in the plugin's own jar (Spark is a provided dependency: the
 * cluster brings it):
 * {@code spark-submit --class org.neuralstyle.command.StylizeJob --master MASTER --jars DEPS plugin.jar input=DIR output=DIR model=M style=S}
 * with the options of {@link FolderRunner.Request#KEYS}. The driver lists the files and gives
 * each its own task; every executor JVM builds the request once, keeps the model loaded
 * (ModelCache) and stylizes one image at a time with as many libtorch threads as the executor
 * has cores; each task runs {@link FolderRunner#process}, so outputs are written atomically and
 * complete ones are skipped, exactly as in one process. A failed task is retried by Spark; the
 * driver writes OUTPUT/stylize-log.csv from the tasks' rows. Exit status 1 when any file failed.
 * The input, output, model and rois paths must be the same for the driver and every executor
 * (a shared file system).
 */
public final class StylizeJob {

	private StylizeJob() {}

	public static void main(String[] args) {
		String options = options(args);
		submit("Stylize folder", sc -> {
			FolderRunner.Summary summary = run(sc, options);
			String line = summary.line(Options.parse(options, FolderRunner.Request.KEYS).path("output", "the output folder"));
			if (summary.failed()) throw new IllegalArgumentException(line);
			return line;
		});
	}

	/** A job's work on the Spark context; returns its one-line report, throws with the user's message. */
	interface Work {
		String run(JavaSparkContext sc) throws Exception;
	}

	/** Runs a job as spark-submit's main: the report on stdout and exit status 0, or "Error: ..." on stderr and 1. */
	static void submit(String appName, Work work) {
		int status = 0;
		try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName(appName))) {
			System.out.println(work.run(sc));
		}
		catch (Exception e) {
			String message = e instanceof IllegalArgumentException ? e.getMessage()
				: e instanceof IOException io ? Headless.describe(io) : e.toString();
			System.err.println("Error: " + message);
			status = 1;
		}
		System.exit(status);
	}

	/** spark-submit's arguments as one options text: a value with spaces goes in brackets. */
	static String options(String[] args) {
		StringBuilder sb = new StringBuilder();
		for (String a : args) {
			int eq = a.indexOf('=');
			String v = eq < 0 ? "" : a.substring(eq + 1);
			if (sb.length() > 0) sb.append(' ');
			boolean quote = eq >= 0 && v.chars().anyMatch(Character::isWhitespace) && !v.startsWith("[");
			sb.append(quote ? a.substring(0, eq + 1) + "[" + v + "]" : a);
		}
		return sb.toString();
	}

	/** Stylizes the folder on the context's executors; the log is written by the driver when every task has reported. */
	public static FolderRunner.Summary run(JavaSparkContext sc, String options) throws IOException {
		FolderRunner.Request request = FolderRunner.Request.from(Options.parse(options, FolderRunner.Request.KEYS), Settings.current());
		FolderRunner.prepareOutput(request);
		List<FolderRunner.Item> items = FolderRunner.plan(request);
		if (items.isEmpty()) {
			throw new IllegalArgumentException("no file in " + request.input() + " matches " + request.pattern() + " (pattern= chooses the files)");
		}
		long t0 = System.nanoTime();
		// one file per task: a retried task redoes one file, and Spark balances uneven images
		List<FolderRunner.Row> rows = sc.parallelize(items, items.size()).map(item -> OnExecutor.process(item, options)).collect();
		FolderRunner.writeLog(request.output(), rows);
		return new FolderRunner.Summary(rows, items.size(), false, (System.nanoTime() - t0) / 1e9);
	}

	/** How many cores an executor has: local[N] gives N, else spark.executor.cores, else the machine's. */
	static int executorCores(SparkConf conf) {
		String master = conf.get("spark.master", "");
		Matcher m = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?\\])?").matcher(master.trim());
		int machine = Runtime.getRuntime().availableProcessors();
		if (m.matches()) return m.group(1) == null ? 1 : m.group(1).equals("*") ? machine : Math.max(1, Integer.parseInt(m.group(1)));
		return Math.max(1, conf.getInt("spark.executor.cores", machine));
	}

	/**
	 * What each executor JVM keeps: the request, built there once with that machine's settings
	 * ({@link Settings#current()}: -D options of spark.executor.extraJavaOptions), and a lock, so
	 * that one image at a time uses all of the executor's cores while the network stays loaded.
	 */
	static final class OnExecutor {
		private static String options;
		private static FolderRunner.Request request;

		/** How results are written; tests put one here that fails half-way once. */
		static FolderRunner.Saver saver = ResultFiles::save;

		private OnExecutor() {}

		static synchronized FolderRunner.Row process(FolderRunner.Item item, String opts) throws IOException {
			if (!opts.equals(options)) {
				request = FolderRunner.Request.from(Options.parse(opts, FolderRunner.Request.KEYS), Settings.current());
				options = opts;
			}
			SparkEnv env = SparkEnv.get();
			Engines.threads(env == null ? Runtime.getRuntime().availableProcessors() : executorCores(env.conf()));
			return FolderRunner.process(item, request, saver, Progress.NONE);
		}
	}
}
