package org.neuralstyle.nn;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The one switch of libtorch that DJL 0.36 does not expose and we need: oneDNN on or off
 * ({@code at::globalContext().setUserEnabledMkldnn}, what {@code torch.backends.mkldnn.enabled}
 * sets in Python), called through JNA on the libtorch_cpu library DJL has already loaded (found
 * in /proc/self/maps, so Linux only). The setting is global: it is turned off while any caller
 * needs it off (counted), and on again after the last one.
 */
final class LibTorch {

	private static final String CONTEXT = "_ZN2at13globalContextEv";
	private static final String SET_MKLDNN = "_ZN2at7Context20setUserEnabledMkldnnEb";

	private static boolean tried;
	private static Function setter;
	private static Pointer context;
	private static int offCount;

	private LibTorch() {}

	/** Holds oneDNN off until closed. */
	static final class OneDnnOff implements AutoCloseable {
		private boolean closed;

		@Override
		public void close() {
			if (closed) return;
			closed = true;
			synchronized (LibTorch.class) {
				if (--offCount == 0) set(true);
			}
		}
	}

	/** Whether oneDNN can be switched here. */
	static synchronized boolean canSwitchOneDnn() {
		if (!tried) {
			tried = true;
			try {
				Path lib = loadedLibTorch();
				if (lib != null) {
					NativeLibrary l = NativeLibrary.getInstance(lib.toString());
					context = (Pointer) l.getFunction(CONTEXT).invoke(Pointer.class, new Object[0]);
					setter = l.getFunction(SET_MKLDNN);
				}
			}
			catch (RuntimeException | LinkageError e) {
				setter = null; // another libtorch build or platform: the switch is not available
			}
		}
		return setter != null && context != null;
	}

	/** Turns oneDNN off until the returned handle is closed. */
	static OneDnnOff oneDnnOff() {
		if (!canSwitchOneDnn()) throw new IllegalStateException("libtorch's oneDNN switch is not available here");
		synchronized (LibTorch.class) {
			if (offCount++ == 0) set(false);
		}
		return new OneDnnOff();
	}

	private static void set(boolean on) {
		setter.invokeVoid(new Object[] { context, (byte) (on ? 1 : 0) });
	}

	/** The environment variable libtorch's CPU allocator reads (with getenv, once, at its first allocation). */
	static final String THP_ENV = "THP_MEM_ALLOC_ENABLE";

	interface Env extends Library {
		int setenv(String name, String value, int overwrite);

		String getenv(String name);
	}

	private static PageFaults.Probe probe;

	/** What the automatic choice measured (null: not measured, the setting was not auto or not Linux). */
	static synchronized String hugePagesProbe() {
		return probe == null ? null : probe.toString();
	}

	/**
	 * Huge pages for libtorch's large tensors. libtorch 2.x's CPU allocator aligns allocations of
	 * 2 MB and more to 2 MB and asks for transparent huge pages on them
	 * ({@code madvise(MADV_HUGEPAGE)}) when {@value #THP_ENV}{@code =1} is in the process
	 * environment at its first allocation. Where the kernel runs transparent huge pages in
	 * {@code madvise} mode (the usual default) nothing gets them otherwise, and every large
	 * feature map is zero-filled by the kernel in 4 KB page faults. Java cannot change its own
	 * environment, so this sets the C library's ({@code setenv} through JNA); it must run before
	 * the engine loads. {@code AUTO} is on where huge pages were the faster to fault in, measured
	 * then ({@link PageFaults}; the result in {@link #hugePagesProbe}). A value
	 * the user set in the environment (also {@code 0}) is left alone. Returns the value now in
	 * the C environment (null if unset, or where it could not be read: not Linux, no JNA).
	 */
	static synchronized String enableHugePages(EngineSettings.HugePages mode) {
		if (!Platform.isLinux()) return null;
		try {
			Env c = Native.load("c", Env.class);
			if (System.getenv(THP_ENV) == null && c.getenv(THP_ENV) == null) { // not chosen by the user: the setting decides
				if (mode == EngineSettings.HugePages.AUTO) probe = PageFaults.probe();
				boolean on = mode == EngineSettings.HugePages.ON || (probe != null && probe.hugeFaster());
				if (on) c.setenv(THP_ENV, "1", 0);
			}
			return c.getenv(THP_ENV);
		}
		catch (RuntimeException | LinkageError e) {
			return null; // no C library through JNA here: libtorch's default allocation
		}
	}

	/**
	 * Shows libtorch's errors but not its warnings (c10's {@code FLAGS_caffe2_log_level} from
	 * WARNING to ERROR, what {@code TORCH_CPP_LOG_LEVEL=ERROR} does in Python, where it is read at
	 * start-up): on CPUs NNPACK does not know, "Could not initialize NNPACK! Reason: Unsupported
	 * hardware." is printed for every small convolution, thousands of lines in a macro user's
	 * console. Left alone when the user set {@code TORCH_CPP_LOG_LEVEL}.
	 */
	static void quietWarnings() {
		if (System.getenv("TORCH_CPP_LOG_LEVEL") != null) return;
		try {
			Path lib = loaded("/libc10.so");
			if (lib == null) return;
			Pointer level = NativeLibrary.getInstance(lib.toString()).getGlobalVariableAddress("FLAGS_caffe2_log_level");
			if (level.getInt(0) < 2) level.setInt(0, 2);
		}
		catch (RuntimeException | LinkageError e) {
			// another libtorch build: its warnings stay
		}
	}

	/** The libtorch_cpu library mapped into this process, or null. */
	private static Path loadedLibTorch() {
		Engines.pytorch();
		return loaded("/libtorch_cpu.so");
	}

	/** A library (file name with its slash) mapped into this process, from /proc/self/maps; null elsewhere. */
	private static Path loaded(String fileName) {
		if (!Platform.isLinux()) return null;
		try {
			List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
			for (String line : maps) {
				int slash = line.indexOf('/');
				if (slash >= 0 && line.endsWith(fileName)) return Path.of(line.substring(slash));
			}
		}
		catch (IOException e) {
			return null;
		}
		return null;
	}
}
