package org.neuralstyle.bench;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.process.ColorProcessor;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A collection of N images of SIZE^2 three ways, each as separate processes as a user runs them:
 * (a) one ImageJ -batch process per image (the macro loop: stylize.ijm), (b) folder mode in one
 * process (stylize_folder.ijm), (c) the Spark job through Spark's own launcher (SparkSubmit, as
 * spark-submit runs it) on local[2]. Prints total seconds and images/s for each, and checks that
 * the three give the same files. Needs {@code mvn -B -q package -DskipTests} (target/imagej) and
 * Spark's class path in target/spark.cp
 * ({@code mvn -B -q dependency:build-classpath -Dmdep.includeScope=provided -Dmdep.outputFile=target/spark.cp}).
 * Run: {@code mvn -B -q -Pbenchmark test-compile exec:java -Dbench.main=org.neuralstyle.bench.CollectionBenchmark -Dexec.args="100 512"}
 * ({@code -Dmodel=PATH -Dstyle=ID}; default: the default model, starry_night).
 */
public final class CollectionBenchmark {

	public static void main(String[] args) throws Exception {
		int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
		int size = args.length > 1 ? Integer.parseInt(args[1]) : 512;
		String model = System.getProperty("model", "default");
		String style = System.getProperty("style", "starry_night");
		String modes = System.getProperty("modes", "abc"); // e.g. -Dmodes=bcb: run (b), (c), (b) again
		Path root = Path.of("").toAbsolutePath();
		Path ij = root.resolve("target/imagej");
		Path work = Files.createDirectories(root.resolve("target/collection-bench"));
		Path in = fresh(work.resolve("in"));
		Random r = new Random(16);
		for (int i = 0; i < n; i++) new FileSaver(image(r, size)).saveAsTiff(in.resolve(String.format(Locale.ROOT, "img%03d.tif", i)).toString());
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> jvm = List.of(java, "-Dplugins.dir=" + ij, "-Dneuralstyle.models=" + work.resolve("models"));
		String common = "model=[" + model + "] style=" + style;
		System.out.printf(Locale.ROOT, "%d images of %d x %d, model %s, style %s; %d cores%n", n, size, size, model, style,
			Runtime.getRuntime().availableProcessors());

		for (char mode : modes.toCharArray()) {
			switch (mode) {
				case 'a' -> macroLoop(n, in, work, ij, root, jvm, common);
				case 'b' -> folder(n, in, work, ij, root, jvm, common);
				case 'c' -> spark(n, in, work, ij, root, jvm, model, style);
				default -> throw new IllegalArgumentException("modes are a, b and c");
			}
		}
		Path outA = work.resolve("out-a");
		for (Path out : List.of(work.resolve("out-b"), work.resolve("out-c"))) {
			if (!Files.isDirectory(outA) || !Files.isDirectory(out)) continue;
			for (int i = 0; i < n; i++) {
				String name = String.format(Locale.ROOT, "img%03d.tif", i);
				if (!Arrays.equals(Files.readAllBytes(outA.resolve(name)), Files.readAllBytes(out.resolve(name)))) {
					System.out.println("DIFFERENT: " + out.resolve(name));
				}
			}
			System.out.println(out.getFileName() + " compared with out-a byte for byte (DIFFERENT lines above, if any)");
		}
	}

	private static void macroLoop(int n, Path in, Path work, Path ij, Path root, List<String> jvm, String common) throws Exception {
		Path outA = fresh(work.resolve("out-a"));
		long t0 = System.nanoTime();
		for (int i = 0; i < n; i++) {
			String name = String.format(Locale.ROOT, "img%03d", i);
			List<String> cmd = new ArrayList<>(jvm);
			cmd.addAll(List.of("-jar", ij.resolve("ij.jar").toString(), "-batch", root.resolve("macros/stylize.ijm").toString(),
				"input=[" + in.resolve(name + ".tif") + "] output=[" + outA.resolve(name + ".tif") + "] " + common));
			run(cmd, work.resolve("a.log"));
		}
		report("(a) one process per image", n, t0);
	}

	private static void folder(int n, Path in, Path work, Path ij, Path root, List<String> jvm, String common) throws Exception {
		Path outB = fresh(work.resolve("out-b"));
		long t0 = System.nanoTime();
		List<String> cmd = new ArrayList<>(jvm);
		cmd.addAll(List.of("-jar", ij.resolve("ij.jar").toString(), "-batch", root.resolve("macros/stylize_folder.ijm").toString(),
			"input=[" + in + "] output=[" + outB + "] " + common));
		run(cmd, work.resolve("b.log"));
		report("(b) folder mode, one process", n, t0);
	}

	private static void spark(int n, Path in, Path work, Path ij, Path root, List<String> jvm, String model, String style) throws Exception {
		Path outC = fresh(work.resolve("out-c"));
		String sparkCp = Files.readString(root.resolve("target/spark.cp")).trim();
		String jars;
		try (Stream<Path> s = Files.list(ij.resolve("plugins/jars"))) {
			jars = String.join(",", s.map(Path::toString).sorted().toList()) + "," + ij.resolve("ij.jar");
		}
		Path pluginJar;
		try (Stream<Path> s = Files.list(ij.resolve("plugins"))) {
			pluginJar = s.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
		}
		long t0 = System.nanoTime();
		List<String> cmd = new ArrayList<>(jvm);
		cmd.addAll(List.of("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "-cp", sparkCp, "org.apache.spark.deploy.SparkSubmit",
			"--master", "local[2]", "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
			"--conf", "spark.driver.bindAddress=127.0.0.1", "--jars", jars, "--class", "org.neuralstyle.command.StylizeJob",
			pluginJar.toString(), "input=" + in, "output=" + outC, "model=" + model, "style=" + style));
		run(cmd, work.resolve("c.log"));
		report("(c) Spark local[2], one process", n, t0);
	}

	private static ImagePlus image(Random r, int size) {
		int[] px = new int[size * size];
		int a = r.nextInt(1 << 24), b = r.nextInt(1 << 24);
		for (int y = 0; y < size; y++) {
			for (int x = 0; x < size; x++) px[y * size + x] = 0xff000000 | (((x * 255 / size) << 16) ^ ((y * 255 / size) << 8) ^ ((x + y) % 2 == 0 ? a : b)) & 0xffffff;
		}
		return new ImagePlus("bench", new ColorProcessor(size, size, px));
	}

	private static Path fresh(Path dir) throws IOException {
		if (Files.exists(dir)) {
			try (Stream<Path> s = Files.walk(dir)) {
				for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
			}
		}
		return Files.createDirectories(dir);
	}

	private static void run(List<String> cmd, Path log) throws Exception {
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
		int rc = p.waitFor();
		if (rc != 0) throw new IllegalStateException("exit status " + rc + " of " + String.join(" ", cmd).substring(0, 200) + "...; see " + log);
	}

	private static void report(String what, int n, long t0) {
		double s = (System.nanoTime() - t0) / 1e9;
		System.out.printf(Locale.ROOT, "%-34s %8.1f s  %6.2f images/s%n", what, s, n / s);
	}
}
