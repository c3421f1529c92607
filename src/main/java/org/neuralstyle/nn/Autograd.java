package org.neuralstyle.nn;

import ai.djl.training.GradientCollector;

import java.util.concurrent.locks.ReentrantLock;

/**
 * DJL allows one GradientCollector in the whole JVM at a time. Every optimisation (Gatys,
 * training) holds this lock for its whole run; a second one started meanwhile is refused with a
 * message instead of crashing.
 */
public final class Autograd {

	private static final ReentrantLock LOCK = new ReentrantLock();
	private static volatile String owner = "";

	private Autograd() {}

	/** A held lock; close it to let the next optimisation run. */
	public static final class Session implements AutoCloseable {
		private Session() {}

		/** A gradient collector for one evaluation; gradients start from zero. */
		public GradientCollector collector() {
			return Engines.pytorch().newGradientCollector();
		}

		@Override
		public void close() {
			owner = "";
			LOCK.unlock();
		}
	}

	/** Takes the lock, or throws with a message naming what is running. */
	public static Session begin(String what) {
		Engines.pytorch();
		if (!LOCK.tryLock()) {
			throw new IllegalStateException("cannot start " + what + ": " + owner
				+ " is already running in this ImageJ (one optimisation at a time). Wait for it to finish or cancel it.");
		}
		owner = what;
		return new Session();
	}
}
