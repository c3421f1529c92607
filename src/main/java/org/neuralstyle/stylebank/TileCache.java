package org.neuralstyle.stylebank;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.neuralstyle.nn.Engines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The raw maps (before normalisation) of some layers of every tile, kept from the statistics pass
 * that computes them to the later passes, which resume there instead of running the network
 * again from the image: exact tiling then computes each kept layer once. The maps live in native
 * memory while they fit the room given, else in a temporary file per layer (read and written in
 * whole tiles; deleted when the layer is no longer needed and when the cache closes, also after an
 * error or a cancel). Layers are indices into {@link Layer#NORMALISED}.
 */
final class TileCache implements AutoCloseable {

	private final Set<Integer> layers;
	private final boolean inMemory;
	private NDManager memory; // made at the first put, on the maps' device
	private final int maxSide;
	private final Path dir;
	private final Map<Integer, NDArray> arrays = new HashMap<>(); // in memory: per layer, all tiles in one array
	private final Map<Integer, FileChannel> files = new HashMap<>();
	private final Map<Integer, long[][]> index = new HashMap<>(); // per layer and tile: offset, then the shape
	private final Map<Integer, Long> ends = new HashMap<>();
	private ByteBuffer buffer;

	private TileCache(Set<Integer> layers, boolean inMemory, Path scratch, int maxSide) throws IOException {
		this.layers = layers;
		this.maxSide = maxSide;
		this.inMemory = inMemory;
		this.dir = inMemory || layers.isEmpty() ? null : Files.createTempDirectory(scratch, "neuralstyle-tiles-");
		if (dir != null) dir.toFile().deleteOnExit();
	}

	/** A cache that keeps nothing: every pass runs from the image. */
	static TileCache none() {
		try {
			return new TileCache(Set.of(), true, null, 0);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * Multiply-adds a byte kept in a file costs. Read back soon, it mostly comes from the page
	 * cache, but gigabytes of it are written to the disk meanwhile, and the writer is held to the
	 * disk's pace (253 MB/s on the build machine, {@code dd conv=fdatasync}) against about 65 G
	 * multiply-adds/s of convolution: about 256 a byte. At 8192 x 8192 that keeps the encoder's
	 * last map and the decoder's first (8 GB of files) rather than four maps (24 GB).
	 */
	static final double DISK_COST_PER_BYTE = 256;

	/**
	 * The cache for {@code tiles} tiles of at most {@code maxSide} x {@code maxSide} input pixels: the set of layers to keep that
	 * saves the most computation among those whose maps fit the room (native memory, else free
	 * space in the scratch folder less a reserve of 1 GB), as {@link #plan} chooses it.
	 */
	static TileCache open(double[] bytesPerPixel, double[] flopsPerPixel, int maxSide, int tiles, TiledInference.Room room) {
		long pixels = (long) maxSide * maxSide * tiles;
		long free = 0;
		if (room.scratch() != null) {
			try {
				free = Files.getFileStore(room.scratch()).getUsableSpace() - (1L << 30);
			}
			catch (IOException e) {
				free = 0; // no scratch space we can measure: memory only
			}
		}
		Set<Integer> inMemory = plan(bytesPerPixel, flopsPerPixel, pixels, room.memoryBytes(), 0);
		Set<Integer> onDisk = free > 0 ? plan(bytesPerPixel, flopsPerPixel, pixels, free, DISK_COST_PER_BYTE) : Set.of();
		boolean memoryWins = cost(inMemory, bytesPerPixel, flopsPerPixel, 0) <= cost(onDisk, bytesPerPixel, flopsPerPixel, DISK_COST_PER_BYTE);
		try {
			return new TileCache(memoryWins ? inMemory : onDisk, memoryWins, room.scratch(), maxSide);
		}
		catch (IOException | UncheckedIOException e) {
			try {
				return new TileCache(inMemory, true, null, maxSide); // the scratch folder refused: what fits memory
			}
			catch (IOException never) {
				throw new UncheckedIOException(never); // no folder is made in memory
			}
		}
	}

	/**
	 * The layers to keep: of the 2^n subsets whose maps fit {@code room} bytes together, the one
	 * with the least {@link #cost}, the smaller one on a tie.
	 */
	static Set<Integer> plan(double[] bytesPerPixel, double[] flopsPerPixel, long pixels, long room, double costPerByte) {
		int n = bytesPerPixel.length;
		Set<Integer> best = Set.of();
		double bestCost = cost(best, bytesPerPixel, flopsPerPixel, costPerByte);
		double bestBytes = 0;
		for (int mask = 1; mask < 1 << n; mask++) {
			double bytes = 0;
			Set<Integer> s = new java.util.TreeSet<>();
			for (int j = 0; j < n; j++) {
				if ((mask & 1 << j) != 0) {
					s.add(j);
					bytes += bytesPerPixel[j];
				}
			}
			if (bytes * pixels > room) continue;
			double c = cost(s, bytesPerPixel, flopsPerPixel, costPerByte);
			if (c < bestCost - 1e-9 || (Math.abs(c - bestCost) <= 1e-9 && bytes < bestBytes)) {
				best = Set.copyOf(s);
				bestCost = c;
				bestBytes = bytes;
			}
		}
		return best;
	}

	/**
	 * The work of the passes per input pixel when {@code kept} layers are kept: {@code
	 * flopsPerPixel[j]} multiply-adds from layer j - 1's normalisation to layer j's raw map (index
	 * n: the output layer), pass p (statistics of layer p, the last one the output) starting after
	 * the highest kept layer below p; plus {@code costPerByte} for each byte kept.
	 */
	static double cost(Set<Integer> kept, double[] bytesPerPixel, double[] flopsPerPixel, double costPerByte) {
		int n = flopsPerPixel.length - 1;
		double total = 0;
		for (int p = 0; p <= n; p++) {
			int from = resumeFrom(kept, p);
			for (int j = from + 1; j <= p; j++) total += flopsPerPixel[j];
		}
		for (int j : kept) total += costPerByte * bytesPerPixel[j];
		return total;
	}

	/** The highest kept layer below {@code pass}, or -1 (run from the image). */
	static int resumeFrom(Set<Integer> kept, int pass) {
		int from = -1;
		for (int j : kept) if (j < pass && j > from) from = j;
		return from;
	}

	/** The layers kept (indices into {@link Layer#NORMALISED}). */
	Set<Integer> layers() {
		return layers;
	}

	/** Whether the maps are in files (for the progress message). */
	boolean onDisk() {
		return dir != null;
	}

	/** Where pass {@code pass} starts: the highest kept layer below it that is held, or -1. */
	int resumeFrom(int pass) {
		return resumeFrom(layers, pass);
	}

	/**
	 * Keeps tile {@code tile}'s raw map of {@code layer} (a copy: the array stays the caller's). In
	 * memory all tiles of a layer share one array (tiles of up to {@code maxSide} input pixels a
	 * side), filled slice by slice: one large block per layer,
	 * which goes back to the system whole when dropped, instead of tile-sized blocks scattered
	 * through malloc's heaps between the passes' own maps.
	 */
	void put(int layer, int tile, int tiles, NDArray raw) {
		if (!layers.contains(layer)) return;
		long[] shape = raw.getShape().getShape(); // 1 x C x h x w
		if (inMemory) {
			if (memory == null) memory = Engines.pytorch().newBaseManager(raw.getDevice());
			int scale = Layer.NORMALISED.get(layer).scale();
			long most = (maxSide + scale - 1) / scale;
			NDArray held = arrays.computeIfAbsent(layer, k -> memory.create(new Shape(tiles, shape[1], most, most)));
			if (shape[2] > most || shape[3] > most) throw new IllegalStateException("tile " + tile + " larger than " + maxSide);
			held.set(new NDIndex(tile + ", :, 0:" + shape[2] + ", 0:" + shape[3]), raw.get(0));
			index.computeIfAbsent(layer, k -> new long[tiles][])[tile] = shape;
			return;
		}
		try {
			FileChannel ch = files.get(layer);
			if (ch == null) {
				ch = FileChannel.open(dir.resolve("layer" + layer), StandardOpenOption.CREATE, StandardOpenOption.READ,
					StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
				files.put(layer, ch);
				index.put(layer, new long[tiles][]);
				ends.put(layer, 0L);
			}
			ByteBuffer bytes = raw.toByteBuffer(true); // a view of the native data (a contiguous copy if needed): no Java copy
			long offset = ends.get(layer);
			long[] entry = new long[shape.length + 1];
			entry[0] = offset;
			System.arraycopy(shape, 0, entry, 1, shape.length);
			index.get(layer)[tile] = entry;
			long at = offset;
			while (bytes.hasRemaining()) at += ch.write(bytes, at);
			ends.put(layer, at);
		}
		catch (IOException e) {
			throw new UncheckedIOException("could not write the temporary tile file in " + dir + " (" + e.getMessage()
				+ "). Free some disk space there, or choose fast tiling (Style Transfer Settings), and try again.", e);
		}
	}

	/** Tile {@code tile}'s kept map of {@code layer}, as a new array owned by {@code into}. */
	NDArray get(int layer, int tile, NDManager into) {
		if (inMemory) {
			long[] shape = index.get(layer)[tile];
			NDArray view = arrays.get(layer).get(tile + ":" + (tile + 1) + ", :, 0:" + shape[2] + ", 0:" + shape[3]);
			view.attach(into); // a view: the caller may close it
			return view;
		}
		long[] entry = index.get(layer)[tile];
		long[] shape = java.util.Arrays.copyOfRange(entry, 1, entry.length);
		long n = 4;
		for (long d : shape) n *= d;
		if (buffer == null || buffer.capacity() < n) buffer = ByteBuffer.allocateDirect((int) n).order(ByteOrder.nativeOrder());
		buffer.clear().limit((int) n);
		try {
			FileChannel ch = files.get(layer);
			long at = entry[0];
			while (buffer.hasRemaining()) {
				int r = ch.read(buffer, at);
				if (r < 0) throw new IOException("temporary tile file ended early");
				at += r;
			}
		}
		catch (IOException e) {
			throw new UncheckedIOException("could not read the temporary tile file in " + dir + " (" + e.getMessage() + ")", e);
		}
		buffer.flip();
		return into.create(buffer, new Shape(shape), DataType.FLOAT32);
	}

	/** Frees a layer no later pass needs. */
	void drop(int layer) {
		NDArray held = arrays.remove(layer);
		if (held != null) held.close();
		if (inMemory) index.remove(layer);
		FileChannel ch = files.remove(layer);
		if (ch != null) {
			try {
				ch.close(); // DELETE_ON_CLOSE
			}
			catch (IOException e) {
				// the file goes with the folder at close
			}
		}
	}

	/** Frees the layers kept below {@code pass} that no pass from {@code pass} on resumes from. */
	void dropUnused(int pass, int passes) {
		for (int j : List.copyOf(layers)) {
			boolean needed = false;
			for (int p = pass; p < passes; p++) if (resumeFrom(p) == j) needed = true;
			if (!needed && (arrays.containsKey(j) || files.containsKey(j))) drop(j);
		}
	}

	@Override
	public void close() {
		for (int j : List.copyOf(layers)) drop(j);
		if (memory != null) memory.close();
		if (dir != null) {
			try (var s = Files.list(dir)) {
				for (Path p : s.toList()) Files.deleteIfExists(p);
			}
			catch (IOException e) {
				// best effort; deleteOnExit remains
			}
			try {
				Files.deleteIfExists(dir);
			}
			catch (IOException e) {
				// deleteOnExit remains
			}
		}
	}
}
