package org.neuralstyle.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;

import java.util.concurrent.atomic.AtomicReference;

/**
 * DJL allows one GradientCollector in the whole JVM at a time. Every optimisation (Gatys,
 * training) holds this lock for its whole run; a second one started meanwhile is refused with a
 * message instead of crashing.
 */
public final class Autograd {

	/** What holds the lock, or null. Not reentrant: DJL cannot nest collectors on one thread either. */
	private static final AtomicReference<String> OWNER = new AtomicReference<>();

	private Autograd() {}

	/** Another optimisation holds the lock: a user-facing refusal, not a bug. */
	public static final class BusyException extends IllegalStateException {
		BusyException(String message) {
			super(message);
		}
	}

	/** A held lock; close it to let the next optimisation run. */
	public static final class Session implements AutoCloseable {
		private Session() {}

		/** A gradient collector for one evaluation; gradients start from zero. */
		public GradientCollector collector() {
			return Engines.pytorch().newGradientCollector();
		}

		/**
		 * Runs the backward pass of {@code loss}; with oneDNN switched off when a convolution in this
		 * JVM needed that to compute right gradients (see {@link Convolution}).
		 */
		public void backward(GradientCollector gc, NDArray loss) {
			if (!Convolution.nativeBackward()) {
				gc.backward(loss);
				return;
			}
			try (LibTorch.OneDnnOff off = LibTorch.oneDnnOff()) {
				gc.backward(loss);
			}
		}

		private boolean closed;

		@Override
		public void close() {
			if (!closed) {
				closed = true;
				OWNER.set(null);
			}
		}
	}

	/** Takes the lock, or throws with a message naming what is running. */
	public static Session begin(String what) {
		Engines.pytorch();
		if (!OWNER.compareAndSet(null, what)) {
			throw new BusyException("cannot start " + what + ": " + OWNER.get()
				+ " is already running in this ImageJ (one optimisation at a time). Wait for it to finish or cancel it.");
		}
		return new Session();
	}
}
