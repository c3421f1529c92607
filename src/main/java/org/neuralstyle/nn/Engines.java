package org.neuralstyle.nn;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Starting DJL's PyTorch engine from inside ImageJ: offline (nothing is ever downloaded; the
 * CPU natives come from the pytorch-native-cpu jar), with the plugin's class loader as the
 * thread's context class loader (DJL finds engines and natives through it, and in ImageJ or
 * Fiji it is not the plugin's loader), and the device choice.
 */
public final class Engines {

	public enum DeviceChoice {
		AUTO, CPU, GPU;

		public static DeviceChoice parse(String s) {
			if (s == null || s.isBlank()) return AUTO;
			try {
				return valueOf(s.trim().toUpperCase(Locale.ROOT));
			}
			catch (IllegalArgumentException e) {
				throw new IllegalArgumentException("device must be auto, cpu or gpu, got '" + s + "'");
			}
		}
	}

	private static Engine engine;
	private static boolean tuneMalloc = true;
	private static EngineSettings.HugePages hugePages = EngineSettings.HugePages.AUTO;
	private static String hugePagesEnv;

	private Engines() {}

	/** Runs the task with the plugin's class loader as the context class loader. */
	public static <T> T withPluginClassLoader(Callable<T> task) throws Exception {
		Thread t = Thread.currentThread();
		ClassLoader old = t.getContextClassLoader();
		t.setContextClassLoader(Engines.class.getClassLoader());
		try {
			return task.call();
		}
		finally {
			t.setContextClassLoader(old);
		}
	}

	/**
	 * Applies the settings that act when the engine starts (glibc's malloc tuning, libtorch's huge pages): called by
	 * every door before its first use of the engine; later calls change nothing that already started.
	 */
	public static synchronized void configure(EngineSettings settings) {
		if (engine == null) {
			tuneMalloc = settings.tuneMalloc();
			hugePages = settings.hugePages();
		}
	}

	/** The PyTorch engine, started once per JVM (with the settings of {@link #configure}, else the defaults). */
	public static synchronized Engine pytorch() {
		if (engine == null) {
			if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
				System.setProperty("ai.djl.offline", "true");
			}
			Thread t = Thread.currentThread();
			ClassLoader old = t.getContextClassLoader();
			t.setContextClassLoader(Engines.class.getClassLoader());
			try {
				hugePagesEnv = LibTorch.enableHugePages(hugePages); // before libtorch loads and allocates
				engine = Engine.getEngine("PyTorch");
				if (tuneMalloc) NativeMemory.tune();
				LibTorch.quietWarnings();
			}
			catch (RuntimeException | LinkageError e) {
				throw new IllegalStateException("The PyTorch engine could not start (" + e.getMessage()
					+ "). Check that plugins/jars holds pytorch-engine, pytorch-jni and pytorch-native-cpu, "
					+ "and that the DJL cache folder (~/.djl.ai or DJL_CACHE_DIR) is writable.", e);
			}
			finally {
				t.setContextClassLoader(old);
			}
		}
		return engine;
	}

	/**
	 * What libtorch's allocator was given for huge pages when the engine started: the value of
	 * {@code THP_MEM_ALLOC_ENABLE} in the C environment ("1" = on), null if unset or unknown.
	 */
	public static synchronized String hugePagesSetting() {
		pytorch();
		return hugePagesEnv;
	}

	/** What {@code neuralstyle.hugepages=auto} measured when the engine started (see PageFaults), or null if it did not measure. */
	public static synchronized String hugePagesProbe() {
		pytorch();
		return LibTorch.hugePagesProbe();
	}

	/** The device to run on: a GPU when asked for or when AUTO finds one, else the CPU. */
	public static Device device(DeviceChoice choice) {
		Engine e = pytorch();
		int gpus = e.getGpuCount();
		return switch (choice) {
			case CPU -> Device.cpu();
			case GPU -> {
				if (gpus == 0) {
					throw new IllegalArgumentException("device=gpu was asked for, but DJL reports no GPU "
						+ "(a CUDA build of libtorch is needed; see README). Use device=auto or cpu.");
				}
				yield Device.gpu();
			}
			case AUTO -> gpus > 0 ? Device.gpu() : Device.cpu();
		};
	}

	/** libtorch's thread count as it was before {@link #singleThreaded()}, restored on close. */
	public static final class Threads implements AutoCloseable {
		/** A handle that changes nothing. */
		public static final Threads UNCHANGED = new Threads(0);
		private final int previous;

		private Threads(int previous) {
			this.previous = previous;
		}

		@Override
		public void close() {
			if (previous > 0) JniUtils.setNumThreads(previous);
		}
	}

	/**
	 * libtorch computes with one thread until the handle is closed: every kernel then sums in one
	 * fixed order, so repeated runs give the same bits. Set on the calling thread (libtorch's
	 * OpenMP threads are per caller), which must be the one that computes.
	 */
	public static Threads singleThreaded() {
		pytorch();
		int previous = JniUtils.getNumThreads();
		JniUtils.setNumThreads(1);
		return new Threads(previous);
	}

	/**
	 * libtorch computes with {@code n} threads on the calling thread from now on (as {@link #singleThreaded()},
	 * not restored): for a process that runs one image at a time on a known number of cores, such as a Spark executor.
	 */
	public static void threads(int n) {
		if (n < 1) throw new IllegalArgumentException("threads must be at least 1, got " + n);
		pytorch();
		if (JniUtils.getNumThreads() != n) JniUtils.setNumThreads(n);
	}

	/** Inference only: no autograd graph on this thread (grad mode is per thread in libtorch). */
	public static void inferenceMode() {
		pytorch();
		JniUtils.setGradMode(false);
	}
}
