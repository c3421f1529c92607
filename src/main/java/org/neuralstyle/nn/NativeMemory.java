package org.neuralstyle.nn;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Keeps libtorch's freed CPU memory from piling up in glibc's malloc. libtorch allocates each
 * feature map with malloc; glibc serves blocks above its mmap threshold with mmap and returns
 * them to the system on free, but it raises that threshold to the size of every mmapped block
 * freed (up to 32 MB), so after the first image the maps of a 256 x 256 pass (2-8 MB) come from
 * the heap arenas, where freed memory stays in the process and fragments: the resident size
 * grew by 175 MB over 500 stylizations of 256 x 256 in one JVM. Setting the threshold explicitly (glibc's
 * {@code mallopt(M_MMAP_THRESHOLD)}, what the environment variable
 * {@code MALLOC_MMAP_THRESHOLD_} does at start-up) turns that adjustment off, and
 * {@code malloc_trim(0)} after a stylization hands the free heap pages back.
 *
 * <p>Called through JNA, which DJL already brings: no native code of our own. Only on Linux with
 * glibc; elsewhere, or when the setting is off ({@link EngineSettings#tuneMalloc()}: {@code
 * -Dneuralstyle.malloc=default}) or the environment already sets {@code MALLOC_MMAP_THRESHOLD_},
 * nothing is changed.
 */
public final class NativeMemory {

	/** Blocks of this many bytes and more are mmapped (glibc's initial default, kept fixed). */
	public static final int MMAP_THRESHOLD = 128 * 1024;
	private static final int M_MMAP_THRESHOLD = -3;

	interface LibC extends Library {
		int mallopt(int param, int value);

		int malloc_trim(long pad);
	}

	private static LibC libc;
	private static boolean tried;

	private NativeMemory() {}

	/** Whether the tuning applies here: Linux, threshold not chosen by the user in the environment. */
	static boolean wanted() {
		return Platform.isLinux() && System.getenv("MALLOC_MMAP_THRESHOLD_") == null;
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

	/** Fixes glibc's mmap threshold (once per JVM; returns whether it was set). */
	public static boolean tune() {
		LibC c = libc();
		if (c == null) return false;
		try {
			return c.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1;
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
