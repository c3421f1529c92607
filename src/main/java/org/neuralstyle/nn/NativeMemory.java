package org.neuralstyle.nn;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Keeps libtorch's CPU memory in the process while a stylization runs, and hands it back after.
 * libtorch allocates every feature map with malloc and frees it after the next layer. Left to
 * itself, glibc serves large blocks with a fresh mmap and unmaps them on free, so the kernel
 * faults in and zero-fills every page of every map again, 4 KB at a time: measured on the
 * paper network at 1024 x 1024, 6.9 million page faults and 40 % of the CPU time in the kernel
 * (LayerProfile, issue 13). Here glibc is told ({@code mallopt}) never to mmap a block itself
 * ({@code M_MMAP_MAX = 0}), to keep freed memory at the top of its heaps ({@code
 * M_TRIM_THRESHOLD}), and to keep 64 MB spare ({@code M_TOP_PAD}), which also stops it from
 * deleting a thread's 64 MB heap when it empties (glibc's heap_trim keeps a heap while the spare
 * asked for exceeds what deleting it would free). Blocks up to a heap's 64 MB are then reused
 * without faults; larger ones still come from mmap (glibc maps them whatever the setting when a
 * thread's heap cannot hold them), which is why the tiled schedules keep their maps smaller.
 * {@code malloc_trim(0)} after each stylization returns the free pages of every heap, so a
 * long session stays flat (SoakBenchmark).
 *
 * <p>Called through JNA, which DJL already brings: no native code of our own. Only on Linux with
 * glibc; elsewhere, or when the setting is off ({@link EngineSettings#tuneMalloc()}: {@code
 * -Dneuralstyle.malloc=default}) or the environment already sets {@code MALLOC_MMAP_MAX_} or
 * {@code MALLOC_MMAP_THRESHOLD_}, nothing is changed.
 */
public final class NativeMemory {

	/** Spare memory kept at the top of each heap: one glibc heap (64 MB), so that emptied heaps are kept. */
	public static final int TOP_PAD = 64 << 20;
	private static final int M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_MAX = -4;

	interface LibC extends Library {
		int mallopt(int param, int value);

		int malloc_trim(long pad);
	}

	private static LibC libc;
	private static boolean tried;

	private NativeMemory() {}

	/** Whether the tuning applies here: Linux, threshold not chosen by the user in the environment. */
	static boolean wanted() {
		return Platform.isLinux() && System.getenv("MALLOC_MMAP_THRESHOLD_") == null && System.getenv("MALLOC_MMAP_MAX_") == null;
	}

	private static synchronized LibC libc() {
		if (!tried) {
			tried = true;
			if (wanted()) {
				try {
					libc = Native.load("c", LibC.class);
				}
				catch (RuntimeException | LinkageError e) {
					libc = null; // not glibc, or no JNA native part for this platform: leave malloc alone
				}
			}
		}
		return libc;
	}

	/** Sets glibc's malloc to keep and reuse freed memory (once per JVM; returns whether every setting was taken). */
	public static boolean tune() {
		LibC c = libc();
		if (c == null) return false;
		try {
			boolean ok = c.mallopt(M_MMAP_MAX, 0) == 1;
			ok &= c.mallopt(M_TRIM_THRESHOLD, Integer.MAX_VALUE) == 1;
			ok &= c.mallopt(M_TOP_PAD, TOP_PAD) == 1;
			return ok;
		}
		catch (RuntimeException | LinkageError e) {
			return false; // a C library without mallopt (musl)
		}
	}

	/** Returns free heap memory to the system (glibc's malloc_trim(0)); a no-op where not tuned. */
	public static void trim() {
		LibC c = libc();
		if (c == null) return;
		try {
			c.malloc_trim(0);
		}
		catch (RuntimeException | LinkageError e) {
			// no malloc_trim: nothing to hand back
		}
	}
}
