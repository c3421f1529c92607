package org.neuralstyle.nn;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * Which pages are cheaper to fault in on this machine now: the kernel's 4 KB pages or 2 MB
 * transparent huge pages. Measured, not guessed: on our build VMs it went both ways on different
 * days (src/test/python/thp_touch.py, a fresh 512 MB mapping touched page by page: on 2026-12-02
 * 0.44 s with 4 KB pages and 3.2 s with 2 MB pages, the host refilling memory the guest's balloon
 * had handed back; on 2026-12-03 on the same kind of VM 1.4 s and 0.73 s). So {@code
 * neuralstyle.hugepages=auto} maps two fresh regions of {@value #PROBE_MB} MB, asks for huge
 * pages on one ({@code madvise(MADV_HUGEPAGE)}), touches every 4 KB of both, and turns huge
 * pages on when that region was the faster one. Costs 20-100 ms once per JVM (16 MB each: 4 KB
 * pages 14-44 ms, 2 MB pages 23-100 ms from the figures above);
 * through JNA, which DJL brings.
 */
final class PageFaults {

	static final int PROBE_MB = 16;
	private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MADV_HUGEPAGE = 14;
	private static final long HUGE = 2L << 20;

	interface LibC extends Library {
		Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

		int munmap(Pointer addr, long length);

		int madvise(Pointer addr, long length, int advice);
	}

	/** Nanoseconds to touch a fresh probe region with 4 KB and with 2 MB pages, or null where it cannot be measured. */
	record Probe(long smallNanos, long hugeNanos) {
		boolean hugeFaster() {
			return hugeNanos < smallNanos;
		}

		@Override
		public String toString() {
			return String.format(java.util.Locale.ROOT, "touching %d MB: 4 KB pages %.1f ms, 2 MB pages %.1f ms", PROBE_MB, smallNanos / 1e6,
				hugeNanos / 1e6);
		}
	}

	private PageFaults() {}

	/** The probe on Linux (null elsewhere, or if the C library cannot be reached). */
	static Probe probe() {
		if (!Platform.isLinux()) return null;
		try {
			LibC c = Native.load("c", LibC.class);
			// huge pages first and once: blocks that were free for a while are what libtorch's large maps get; a second
			// round would reuse the blocks just unmapped, fast even where the host must back fresh ones again
			long huge = touch(c, true), small = touch(c, false);
			if (huge < 0 || small < 0) return null;
			return new Probe(small, huge);
		}
		catch (RuntimeException | LinkageError e) {
			return null;
		}
	}

	/** Nanoseconds to map, touch every 4 KB of and unmap a fresh region ({@value #PROBE_MB} MB of aligned 2 MB blocks); -1 if mmap failed. */
	private static long touch(LibC c, boolean huge) {
		long size = ((long) PROBE_MB << 20) + HUGE; // room to align to 2 MB
		long t0 = System.nanoTime();
		Pointer p = c.mmap(null, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		long address = Pointer.nativeValue(p);
		if (p == null || address == -1) return -1;
		try {
			long start = (address + HUGE - 1) / HUGE * HUGE - address;
			if (huge) c.madvise(p.share(start), (long) PROBE_MB << 20, MADV_HUGEPAGE);
			for (long off = start; off < start + ((long) PROBE_MB << 20); off += 4096) p.setByte(off, (byte) 1);
			return System.nanoTime() - t0;
		}
		finally {
			c.munmap(p, size);
		}
	}
}
