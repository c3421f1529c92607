package org.neuralstyle.nn;

import com.sun.jna.Function;
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
