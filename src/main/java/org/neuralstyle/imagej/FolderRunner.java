// One job, a folder run (request, plan, the step per file, the log): kept whole at about 300 lines.
package org.neuralstyle.imagej;

import ij.ImagePlus;

import org.neuralstyle.Progress;
import org.neuralstyle.nn.AtomicFiles;
import org.neuralstyle.nn.EngineSettings;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Stylizes every image of a folder in one process: the model is loaded once (see
 * {@code ModelCache}), each output is written whole under its final name or not at all, an
 * output that already exists is skipped (so a stopped run continues where it stopped), a file
 * that fails is recorded with its reason and the rest go on, and {@value #LOG} in the output
 * folder says what happened to each file. Each image goes through exactly the single-image path
 * ({@link ResultFiles#open}, {@link StyleBankRunner#apply} or {@link RegionStyleRunner#apply},
 * {@link ResultFiles#save}), so its output is the same, bit for bit. The Spark job runs the same
 * {@link #process} on its executors.
 */
public final class FolderRunner {

	/** The log written in the output folder: file, status, seconds, message. */
	public static final String LOG = "stylize-log.csv";

	/** The images taken when no pattern is given (ImageJ opens all of these). */
	public static final String DEFAULT_PATTERN = "*.{tif,tiff,png,jpg,jpeg,bmp,gif}";

	/**
	 * input and output folders; pattern (a glob on file names, case-insensitive); overwrite (else
	 * existing outputs are skipped); rois (a folder with a RoiSet NAME.zip or NAME.roi per image, or
	 * null); format of the outputs (tif or png); the whole-image request (null when rois are given
	 * without a style) and the regions request (null without rois).
	 */
	public record Request(Path input, Path output, String pattern, boolean overwrite, Path rois, String format,
		StyleBankRunner.Request style, RegionStyleRunner.Request regions)
	{
		/** This function's own keys; with the single-image and region keys they make {@link #KEYS}. */
		public static final Set<String> FOLDER_KEYS = Set.of("input", "output", "pattern", "overwrite", "rois", "format");

		public static final Set<String> KEYS = Options.keys(FOLDER_KEYS, StyleBankRunner.Request.KEYS, RegionStyleRunner.Request.KEYS);

		public Request {
			if (input == null || output == null) throw new IllegalArgumentException("give an input folder and an output folder");
			if (pattern == null || pattern.isBlank()) pattern = DEFAULT_PATTERN;
			if (format == null) format = "tif";
			if (style == null && regions == null) throw new IllegalArgumentException("no style given");
			if (!Files.isDirectory(input)) throw new IllegalArgumentException("input folder not found: " + input);
			if (rois != null && !Files.isDirectory(rois)) throw new IllegalArgumentException("rois must be a folder of RoiSets (NAME.zip or NAME.roi), got " + rois);
			if (input.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())) {
				throw new IllegalArgumentException("output folder must not be the input folder (the images would be replaced); choose another");
			}
			try {
				FileSystems.getDefault().getPathMatcher("glob:" + pattern);
			}
			catch (RuntimeException e) {
				throw new IllegalArgumentException("pattern is not a valid file pattern (e.g. *.tif or *.{png,jpg}): " + pattern);
			}
		}

		/**
		 * input, output, pattern, overwrite, rois, format (tif or png), and the single-image options
		 * (model, style, mix, device); with rois also the region options (styles, outside, feather, fusion),
		 * and then style only for images without a RoiSet.
		 */
		public static Request from(Options o, EngineSettings settings) throws IOException {
			Path input = o.path("input", "the folder of images to stylize");
			Path output = o.path("output", "the folder to write the results in");
			Path rois = o.has("rois") ? o.path("rois", "") : null;
			if (rois == null) {
				for (String k : List.of("styles", "outside", "feather", "fusion")) {
					if (o.has(k)) throw new IllegalArgumentException(k + "= is for regions: give rois=FOLDER (a RoiSet NAME.zip per image) too");
				}
			}
			boolean whole = rois == null || o.has("style") || o.has("mix");
			return new Request(input, output, o.get("pattern", DEFAULT_PATTERN), o.flag("overwrite", false), rois,
				o.choice("format", "tif", "tif", "png"), whole ? StyleBankRunner.Request.from(o, settings) : null,
				rois == null ? null : RegionStyleRunner.Request.from(o, settings));
		}
	}

	/** One input file and where its result goes; plain strings, so that Spark can ship it to executors. */
	public record Item(String name, String input, String output, String roiFile, String conflict) implements Serializable {
		public Path inputPath() {
			return Path.of(input);
		}

		public Path outputPath() {
			return Path.of(output);
		}
	}

	public enum Status { DONE, SKIPPED, FAILED }

	/** What happened to one file. */
	public record Row(String file, Status status, double seconds, String message) implements Serializable {}

	/** What a run did. */
	public record Summary(List<Row> rows, int total, boolean cancelled, double seconds) {
		public long count(Status s) {
			return rows.stream().filter(r -> r.status() == s).count();
		}

		public boolean failed() {
			return count(Status.FAILED) > 0;
		}

		/** One line for the log, the status bar or a macro. */
		public String line(Path output) {
			String counts = String.format(Locale.ROOT, "%d written, %d skipped (already there), %d failed of %d in %.1f s",
				count(Status.DONE), count(Status.SKIPPED), count(Status.FAILED), total, seconds);
			String log = "; see " + output.resolve(LOG);
			if (cancelled) return "Cancelled after " + rows.size() + " of " + total + " files (" + counts + "); run again to continue" + log;
			return (failed() ? count(Status.FAILED) + " file(s) failed: " : "Stylized folder: ") + counts + log;
		}
	}

	/** How a result is written; the Spark test puts one here that fails once half-way. */
	public interface Saver {
		void save(ImagePlus result, Path output) throws IOException;
	}

	private FolderRunner() {}

	/** The input files that match, sorted by name, each with its output and RoiSet. */
	public static List<Item> plan(Request request) throws IOException {
		PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + request.pattern().toLowerCase(Locale.ROOT));
		List<Path> files;
		try (Stream<Path> s = Files.list(request.input())) {
			files = s.filter(Files::isRegularFile).filter(p -> {
				String n = p.getFileName().toString();
				return !n.startsWith(".") && matcher.matches(Path.of(n.toLowerCase(Locale.ROOT)));
			}).sorted().toList();
		}
		Path out = request.output().toAbsolutePath();
		Map<String, String> taken = new HashMap<>();
		List<Item> items = new ArrayList<>();
		for (Path f : files) {
			String name = f.getFileName().toString();
			String base = baseName(name);
			Path target = out.resolve(base + "." + request.format());
			String first = taken.putIfAbsent(target.getFileName().toString(), name);
			String conflict = first == null ? null
				: "same output name as " + first + " (" + target.getFileName() + "); rename one of them";
			Path roi = request.rois() == null ? null : roiFile(request.rois(), base);
			items.add(new Item(name, f.toAbsolutePath().toString(), target.toString(), roi == null ? null : roi.toString(), conflict));
		}
		return items;
	}

	private static Path roiFile(Path dir, String base) {
		for (String ext : new String[] { ".zip", ".roi" }) {
			Path p = dir.resolve(base + ext);
			if (Files.isRegularFile(p)) return p;
		}
		return null;
	}

	static String baseName(String name) {
		int dot = name.lastIndexOf('.');
		return dot > 0 ? name.substring(0, dot) : name;
	}

	/** Checks the output folder (creating it when its parent exists) before any work. */
	public static void prepareOutput(Request request) throws IOException {
		Path out = request.output().toAbsolutePath();
		if (!Files.exists(out) && out.getParent() != null && Files.isDirectory(out.getParent())) Files.createDirectories(out);
		ResultFiles.checkFileWritable(out.resolve(LOG));
	}

	/**
	 * Stylizes the folder. Cancel ({@code progress}) is checked between files: the file being
	 * stylized is finished and written. The log is rewritten after each file.
	 */
	public static Summary run(Request request, Progress progress) throws IOException {
		prepareOutput(request);
		List<Item> items = plan(request);
		if (items.isEmpty()) {
			throw new IllegalArgumentException("no file in " + request.input() + " matches " + request.pattern() + " (pattern= chooses the files)");
		}
		long t0 = System.nanoTime();
		List<Row> rows = new ArrayList<>();
		int n = items.size();
		double worked = 0; // seconds spent on files that were stylized (skips take no time)
		int workedCount = 0;
		boolean cancelled = false;
		for (int i = 0; i < n; i++) {
			if (progress.isCancelled()) {
				cancelled = true;
				break;
			}
			Item item = items.get(i);
			String at = (i + 1) + "/" + n + " " + item.name() + eta(worked, workedCount, n - i);
			progress.report(i, n, "Stylizing " + at);
			Row row = process(item, request, ResultFiles::save, within(progress, i, n, at));
			rows.add(row);
			if (row.status() != Status.SKIPPED) {
				worked += row.seconds();
				workedCount++;
			}
			writeLog(request.output(), rows);
		}
		Summary summary = new Summary(rows, n, cancelled, (System.nanoTime() - t0) / 1e9);
		progress.report(n, n, summary.line(request.output()));
		return summary;
	}

	private static String eta(double worked, int count, int remaining) {
		if (count == 0) return "";
		long s = Math.round(worked / count * remaining);
		return s < 90 ? " (about " + s + " s left)" : " (about " + Math.round(s / 60.0) + " min left)";
	}

	/** The single-image progress shown inside the folder's (file i of n); it never cancels: cancel waits for the file's end. */
	private static Progress within(Progress outer, int i, int n, String at) {
		return new Progress() {
			@Override
			public void report(int done, int total, String message) {
				outer.report(i, n, at + ": " + message);
			}

			@Override
			public boolean isCancelled() {
				return false;
			}
		};
	}

	/**
	 * One file: skipped when its output exists (unless overwrite), else opened, stylized and
	 * saved; any failure becomes a FAILED row with the reason. Errors other than a failing file
	 * (an {@link Error} such as a crash of the caller's machinery) are not caught.
	 */
	public static Row process(Item item, Request request, Saver saver, Progress progress) {
		long t0 = System.nanoTime();
		if (item.conflict() != null) return new Row(item.name(), Status.FAILED, 0, item.conflict());
		if (!request.overwrite() && Files.isRegularFile(item.outputPath())) {
			return new Row(item.name(), Status.SKIPPED, 0, "output exists (overwrite=true replaces it)");
		}
		try {
			ImagePlus imp = ResultFiles.open(item.inputPath());
			ImagePlus result;
			if (item.roiFile() != null) {
				result = RegionStyleRunner.apply(imp, RoiFiles.read(Path.of(item.roiFile())), request.regions(), progress);
			}
			else if (request.style() == null) {
				throw new IllegalArgumentException("no RoiSet " + baseName(item.name()) + ".zip or .roi in " + request.rois()
					+ ", and no style= for images without one");
			}
			else {
				result = StyleBankRunner.apply(imp, request.style(), progress);
			}
			saver.save(result, item.outputPath());
			return new Row(item.name(), Status.DONE, seconds(t0), result.getWidth() + " x " + result.getHeight()
				+ (result.getStackSize() > 1 ? ", " + result.getStackSize() + " slices" : ""));
		}
		catch (Exception | OutOfMemoryError e) {
			return new Row(item.name(), Status.FAILED, seconds(t0), message(e));
		}
	}

	private static double seconds(long t0) {
		return Math.round((System.nanoTime() - t0) / 1e6) / 1e3;
	}

	static String message(Throwable e) {
		if (e instanceof OutOfMemoryError) return "out of memory; give the process more memory or scale the image down";
		if (e instanceof java.nio.file.NoSuchFileException n) return "no such file: " + n.getFile();
		if (e instanceof java.nio.file.AccessDeniedException a) return "no permission to read or write " + a.getFile();
		String m = e.getMessage();
		return m == null || m.isBlank() ? e.toString() : m;
	}

	/** Writes the log (a header and one row per file, in the given order) as one whole file. */
	public static void writeLog(Path output, List<Row> rows) throws IOException {
		StringBuilder sb = new StringBuilder("file,status,seconds,message\n");
		for (Row r : rows) {
			sb.append(csv(r.file())).append(',').append(r.status().name().toLowerCase(Locale.ROOT)).append(',')
				.append(String.format(Locale.ROOT, "%.3f", r.seconds())).append(',').append(csv(r.message())).append('\n');
		}
		AtomicFiles.write(output.resolve(LOG), sb.toString().getBytes(StandardCharsets.UTF_8));
	}

	/** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
	static String csv(String s) {
		if (s == null) return "";
		String one = s.replace("\r", " ").replace("\n", " ");
		return one.contains(",") || one.contains("\"") ? "\"" + one.replace("\"", "\"\"") + "\"" : one;
	}
}
