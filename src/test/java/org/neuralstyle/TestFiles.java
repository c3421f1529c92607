package org.neuralstyle;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Paths of committed test fixtures. */
public final class TestFiles {
	private TestFiles() {}

	public static Path resource(String name) {
		try {
			return Path.of(TestFiles.class.getResource("/" + name).toURI());
		}
		catch (URISyntaxException | NullPointerException e) {
			throw new IllegalStateException("missing test resource " + name, e);
		}
	}

	/** The models folder of the tests (surefire sets it to target/test-models). */
	public static Path modelsFolder() {
		return Path.of(System.getProperty("neuralstyle.models", "target/test-models"));
	}

	/** The random-weight model written by src/test/python/make_reference.py. */
	public static Path tinyModel() {
		return resource("reference/tiny.stylebank");
	}
}
