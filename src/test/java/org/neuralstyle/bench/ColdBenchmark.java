package org.neuralstyle.bench;

import ij.IJ;
import ij.ImagePlus;
import ij.io.FileSaver;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a user waits for: whole fresh processes run the way the README runs them (start-up,
 * model load, one image, write), each under {@code /usr/bin/time}, beside the PyTorch peer
 * (Debian's python3-torch under /usr/bin/python3, the same network and weights, 2 threads) run
 * in the same moment. From the repository root, after {@code mvn -B package -DskipTests}:
 * <pre>
 * mvn -B -q -Pbenchmark test-compile exec:java -Dbench.main=org.neuralstyle.bench.ColdBenchmark -Dexec.args="512 2048 gatys512"
 * </pre>
 * Arguments: a size N (StyleBank {@code macros/stylize.ijm} on an N x N photo, the paper-size
 * network [32, 64, 128] with seeded random weights), or {@code gatysN} ({@code macros/gatys.ijm}
 * with VGG-19 of random weights, N x N, seconds per iteration from two runs of 2 and
 * {@code -Dgatys.iterations} (10) iterations). {@code -Drepeat=R} runs R rounds over the cases and
 * keeps each case's run of median wall time; {@code -Dcold.dir} is the work folder (/tmp/neuralstyle-cold);
 * {@code -Dxmx=3g} adds -Xmx to our processes; {@code -Dpeer=false} skips the peer;
 * {@code -Dvariants=false} runs only the default of each side (ours as shipped, peer with the
 * huge-page tunable). The machine-wide /proc/vmstat counters of huge-page faults and
 * compaction stalls over each run are printed beside it.
 *
 * <p>Cases: ours as shipped (huge pages auto); ours with {@code -Dneuralstyle.hugepages=true};
 * ours with glibc's {@code GLIBC_TUNABLES=glibc.malloc.hugetlb=1}; the peer plain, with that
 * tunable, and with {@code THP_MEM_ALLOC_ENABLE=1}. Prints wall, user, sys (s), peak RSS (MB)
 * and wall / the peer's wall with the tunable (the peer at its best).
 */
public final class ColdBenchmark {

	static final String TUNABLE = "GLIBC_TUNABLES=glibc.malloc.hugetlb=1";

	record Times(double wall, double user, double sys, long rssMb, String out, String vm) {}

	record Case(String name, List<String> cmd, Map<String, String> env) {}

	public static void main(String[] args) throws Exception {
		List<String> what = args.length == 0 ? List.of("512", "2048", "gatys512") : Arrays.asList(args);
		Path dir = Path.of(System.getProperty("cold.dir", "/tmp/neuralstyle-cold"));
		Files.createDirectories(dir);
		Path model = dir.resolve("paper.stylebank");
		if (!Files.isRegularFile(model.resolve("model.json"))) StyleBankBenchmark.paperModel(42).save(model);
		System.out.printf(Locale.ROOT, "cold processes, %d cores, load %s%n", Runtime.getRuntime().availableProcessors(), load());
		System.out.println("case                                       wall s   user s    sys s   RSS MB  wall/peer");
		for (String w : what) {
			if (w.startsWith("gatys")) gatys(dir, Integer.parseInt(w.substring(5)));
			else stylize(dir, model, Integer.parseInt(w));
		}
		System.out.printf(Locale.ROOT, "load after: %s%n", load());
	}

	static void stylize(Path dir, Path model, int size) throws Exception {
		Path in = photo(dir, size);
		Path out = dir.resolve("out-" + size + ".png");
		List<String> ours = ij(List.of(), "macros/stylize.ijm",
			"input=" + in + " model=" + model + " style=style output=" + out);
		List<String> oursOn = ij(List.of("-Dneuralstyle.hugepages=true"), "macros/stylize.ijm",
			"input=" + in + " model=" + model + " style=style output=" + out);
		List<String> peer = List.of("/usr/bin/python3", "src/test/python/stylebank_peer.py", model.toString(), "style", in.toString(),
			dir.resolve("peer-" + size + ".png").toString(), "2");
		System.out.printf(Locale.ROOT, "stylize.ijm %d x %d%n", size, size);
		table(size + "^2", ours, oursOn, peer);
	}

	static void table(String label, List<String> ours, List<String> oursOn, List<String> peer) throws Exception {
		boolean variants = !"false".equals(System.getProperty("variants"));
		boolean withPeer = !"false".equals(System.getProperty("peer"));
		List<Case> cases = new ArrayList<>();
		if (withPeer) cases.add(new Case("PyTorch peer + " + TUNABLE, peer, env(TUNABLE)));
		cases.add(new Case("ours as shipped (huge pages auto)", ours, Map.of()));
		if (variants) {
			cases.add(new Case("ours, -Dneuralstyle.hugepages=true", oursOn, Map.of()));
			cases.add(new Case("ours + " + TUNABLE, ours, env(TUNABLE)));
			if (withPeer) {
				cases.add(new Case("PyTorch peer, plain", peer, Map.of()));
				cases.add(new Case("PyTorch peer + THP_MEM_ALLOC_ENABLE=1", peer, env("THP_MEM_ALLOC_ENABLE=1")));
			}
		}
		// rounds over all cases (not each case R times in a row), so that a burst of load on this
		// shared machine hits every case alike
		int rounds = Math.max(1, Integer.getInteger("repeat", 1));
		List<List<Times>> all = new ArrayList<>();
		for (int i = 0; i < cases.size(); i++) all.add(new ArrayList<>());
		for (int r = 0; r < rounds; r++) {
			for (int i = 0; i < cases.size(); i++) all.get(i).add(time(cases.get(i)));
		}
		double peerWall = Double.NaN;
		for (int i = 0; i < cases.size(); i++) {
			Case c = cases.get(i);
			List<Times> ts = all.get(i);
			ts.sort((a, b) -> Double.compare(a.wall, b.wall));
			Times t = ts.get(ts.size() / 2);
			if (i == 0 && withPeer) peerWall = t.wall;
			System.out.printf(Locale.ROOT, "  %-40s %7.1f  %7.1f  %7.1f  %7d  %6.2f   %s; %s%n", c.name, t.wall, t.user, t.sys, t.rssMb,
				t.wall / peerWall, t.vm, lastLine(t.out));
		}
	}

	static void gatys(Path dir, int size) throws Exception {
		Path models = dir.resolve("models");
		Path weights = models.resolve("vgg19.tv_in1k.safetensors");
		if (!Files.isRegularFile(weights)) {
			Files.createDirectories(models);
			Times t = time(new Case("weights", List.of("/usr/bin/python3", "src/test/python/gatys_peer.py", "weights", weights.toString()), Map.of()));
			if (!Files.isRegularFile(weights)) throw new IOException("could not write random VGG-19 weights: " + t.out);
		}
		Path in = photo(dir, size);
		Path style = dir.resolve("style-" + size + ".png");
		if (!Files.isRegularFile(style)) resized(Path.of("src/test/resources/samples/chelsea.png"), size, true, style);
		int n = Integer.getInteger("gatys.iterations", 10);
		System.out.printf(Locale.ROOT, "gatys.ijm VGG-19 (random weights) %d x %d: seconds per iteration = (wall(%d) - wall(2)) / %d%n", size, size, n, n - 2);
		for (String hp : new String[] { "auto", "true" }) {
			if (hp.equals("true") && "false".equals(System.getProperty("variants"))) break;
			double[] wall = new double[2];
			Times[] ts = new Times[2];
			int[] its = { 2, n };
			for (int k = 0; k < 2; k++) {
				List<String> cmd = ij(List.of("-Dneuralstyle.models=" + models, "-Dneuralstyle.hugepages=" + hp), "macros/gatys.ijm",
					"input=" + in + " style=" + style + " output=" + dir.resolve("gatys-" + size + ".png") + " iterations=" + its[k]
						+ " size=" + size + " network=vgg19 levels=1");
				ts[k] = median(new Case("ours", cmd, Map.of()));
				wall[k] = ts[k].wall;
			}
			System.out.printf(Locale.ROOT, "  ours, huge pages %-5s: %.2f s/iteration (processes: %.1f s for 2, %.1f s for %d; sys %.1f / %.1f s)   %s%n",
				hp, (wall[1] - wall[0]) / (n - 2), wall[0], wall[1], n, ts[0].sys, ts[1].sys, lastLine(ts[1].out));
		}
		if ("false".equals(System.getProperty("peer"))) return;
		List<String> peer = List.of("/usr/bin/python3", "src/test/python/gatys_peer.py", "run", weights.toString(), Integer.toString(size), Integer.toString(n), "2");
		for (String e : new String[] { TUNABLE, null }) {
			if (e == null && "false".equals(System.getProperty("variants"))) break;
			Times t = median(new Case("peer", peer, e == null ? Map.of() : env(e)));
			System.out.printf(Locale.ROOT, "  PyTorch peer%s: %s (process %.1f s, user %.1f, sys %.1f)%n", e == null ? ", plain" : " + " + e,
				lastLine(t.out), t.wall, t.user, t.sys);
		}
	}

	/** Our command line as the README gives it: ImageJ -batch with the plugins folder. */
	static List<String> ij(List<String> props, String macro, String arg) {
		List<String> cmd = new ArrayList<>();
		cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		String xmx = System.getProperty("xmx");
		if (xmx != null && !xmx.isBlank()) cmd.add("-Xmx" + xmx);
		cmd.addAll(props);
		cmd.addAll(List.of("-Dplugins.dir=target/imagej", "-jar", "target/imagej/ij.jar", "-batch", macro, arg));
		return cmd;
	}

	static Map<String, String> env(String kv) {
		int eq = kv.indexOf('=');
		return Map.of(kv.substring(0, eq), kv.substring(eq + 1));
	}

	static Times median(Case c) throws Exception {
		int r = Math.max(1, Integer.getInteger("repeat", 1));
		List<Times> all = new ArrayList<>();
		for (int i = 0; i < r; i++) all.add(time(c));
		all.sort((a, b) -> Double.compare(a.wall, b.wall));
		return all.get(r / 2);
	}

	/** One fresh process under /usr/bin/time; the environment is ours without the tunables, plus the case's. */
	static Times time(Case c) throws Exception {
		Path tf = Files.createTempFile("cold-time", ".txt");
		Path log = Files.createTempFile("cold-out", ".txt");
		List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.toString()));
		cmd.addAll(c.cmd);
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
		Map<String, String> e = pb.environment();
		for (String k : List.of("GLIBC_TUNABLES", "THP_MEM_ALLOC_ENABLE", "MALLOC_MMAP_THRESHOLD_", "DISPLAY")) e.remove(k);
		e.putAll(c.env);
		long[] vm0 = vmstat();
		int exit = pb.start().waitFor();
		long[] vm1 = vmstat();
		String vm = String.format(Locale.ROOT, "thp %d, fallback %d, compact stalls %d", vm1[0] - vm0[0], vm1[1] - vm0[1], vm1[2] - vm0[2]);
		String out = Files.readString(log, StandardCharsets.UTF_8);
		String[] f = Files.readString(tf).trim().split("\\s+");
		Files.delete(tf);
		Files.delete(log);
		if (exit != 0) throw new IOException(c.name + " failed (" + exit + "): " + out);
		int n = f.length;
		return new Times(Double.parseDouble(f[n - 4]), Double.parseDouble(f[n - 3]), Double.parseDouble(f[n - 2]),
			Long.parseLong(f[n - 1]) / 1024, out, vm);
	}

	/** chelsea.png resized to size x size (bilinear), once per work folder. */
	static Path photo(Path dir, int size) throws IOException {
		Path p = dir.resolve("content-" + size + ".png");
		if (!Files.isRegularFile(p)) resized(Path.of("src/test/resources/samples/chelsea.png"), size, false, p);
		return p;
	}

	static void resized(Path src, int size, boolean flip, Path to) throws IOException {
		ImagePlus imp = IJ.openImage(src.toString());
		if (imp == null) throw new IOException("cannot open " + src);
		ImageProcessor ip = imp.getProcessor();
		ip.setInterpolationMethod(ImageProcessor.BILINEAR);
		ImageProcessor r = ip.resize(size, size);
		if (flip) {
			r.flipHorizontal();
			r.invert();
		}
		if (!new FileSaver(new ImagePlus("in", r)).saveAsPng(to.toString())) throw new IOException("cannot write " + to);
	}

	/**
	 * Machine-wide counters from /proc/vmstat (huge pages given at a fault, faults that fell back
	 * to 4 KB pages, direct compaction stalls): their change over a run, other processes included.
	 */
	static long[] vmstat() {
		long[] v = new long[3];
		try {
			for (String line : Files.readAllLines(Path.of("/proc/vmstat"))) {
				String[] kv = line.split(" ");
				switch (kv[0]) {
					case "thp_fault_alloc" -> v[0] = Long.parseLong(kv[1]);
					case "thp_fault_fallback" -> v[1] = Long.parseLong(kv[1]);
					case "compact_stall" -> v[2] = Long.parseLong(kv[1]);
					default -> { }
				}
			}
		}
		catch (IOException | RuntimeException e) {
			// not Linux: zeros
		}
		return v;
	}

	static String lastLine(String out) {
		String[] lines = out.strip().split("\n");
		String l = lines[lines.length - 1].strip().replaceAll("^Wrote \\S+ ", "");
		return l.length() > 90 ? l.substring(0, 90) + "..." : l;
	}

	static String load() {
		try {
			return Files.readString(Path.of("/proc/loadavg")).trim();
		}
		catch (IOException e) {
			return "?";
		}
	}
}
