package org.neuralstyle.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Numbers in autograd graphs. DJL's {@code x.mul(3f)} keeps a tensor over a Java buffer that the
 * collector may free before the backward pass (found here: gradients of -6.9e37, NaN or 1.9e-28
 * instead of 3 in 4 of 5 runs with a collection and fresh native memory between forward and
 * backward); {@link Scalars} is right every time, and no engine code uses the unsafe calls.
 */
class ScalarsTest {

	@Test
	void aGradientThroughAScalarSurvivesTheCollector() throws Exception {
		for (int rep = 0; rep < 5; rep++) {
			try (NDManager m = Engines.pytorch().newBaseManager(); Autograd.Session session = Autograd.begin("a scalar test")) {
				NDArray x = m.create(new float[] { 1, 2, 3, 4 });
				x.setRequiresGradient(true);
				try (GradientCollector gc = session.collector()) {
					NDArray y = Scalars.over(Scalars.times(x, 6), 2).sum();
					churn();
					session.backward(gc, y);
				}
				assertArrayEquals(new float[] { 3, 3, 3, 3 }, x.getGradient().toFloatArray(), "run " + rep);
			}
		}
	}

	/** Collects garbage, then fills freshly allocated native memory with NaN: what a freed scalar would read. */
	static void churn() throws InterruptedException {
		for (int k = 0; k < 3; k++) {
			System.gc();
			Thread.sleep(30);
		}
		List<ByteBuffer> junk = new ArrayList<>();
		for (int k = 0; k < 20000; k++) {
			ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
			b.putFloat(0, Float.NaN);
			junk.add(b);
		}
		junk.clear();
	}

	/** NDArray arithmetic with a number literal, a cast or a boxed value: the unsafe form. */
	static final Pattern UNSAFE = Pattern.compile(
		"\\.(mul|div|maximum|minimum|pow|muli|divi|rdiv|rsub|rpow)\\(\\s*(\\((float|double|int|long)\\)|-?[0-9]|[\\w.()]*\\.(float|double)Value\\(\\))");

	@Test
	void noEngineCodeMultipliesByANumberDirectly() throws IOException {
		List<String> found = new ArrayList<>();
		try (Stream<Path> files = Files.walk(Path.of("src/main/java/org/neuralstyle"))) {
			for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
				List<String> lines = Files.readAllLines(f);
				for (int i = 0; i < lines.size(); i++) {
					if (UNSAFE.matcher(lines.get(i)).find() && !lines.get(i).contains("Math.")) found.add(f.getFileName() + ":" + (i + 1) + " " + lines.get(i).trim());
				}
			}
		}
		assertEquals(List.of(), found, "use Scalars.times/over/atLeast (see Scalars)");
	}
}
