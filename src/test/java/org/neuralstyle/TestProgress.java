package org.neuralstyle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Progress for tests: records every message and the furthest step, and cancels once that step reaches {@code cancelAt}. */
public final class TestProgress implements Progress {

	public final List<String> messages = Collections.synchronizedList(new ArrayList<>());
	private final int cancelAt;
	private volatile int maxDone;

	public TestProgress() {
		this(Integer.MAX_VALUE);
	}

	/** Cancels once a step {@code >= cancelAt} was reported (0: cancelled from the start). */
	public TestProgress(int cancelAt) {
		this.cancelAt = cancelAt;
	}

	@Override
	public void report(int done, int total, String message) {
		messages.add(message);
		maxDone = Math.max(maxDone, done);
	}

	@Override
	public boolean isCancelled() {
		return maxDone >= cancelAt;
	}

	public int maxDone() {
		return maxDone;
	}
}
