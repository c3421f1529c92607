package org.neuralstyle.nn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Every file (or folder) the plugin writes is written under a temporary name beside its target
 * and renamed into place only when complete, so that a failure, a cancel or a crash never
 * leaves a half-written file under the final name, and the temporary one is removed.
 */
public final class AtomicFiles {

	/** Writes the content of a temporary path (a file or a folder, not yet existing). */
	public interface Writer {
		void write(Path tmp) throws IOException;
	}

	private AtomicFiles() {}

	/** Writes {@code target} through {@code writer}; {@code suffix} ends the temporary name (e.g. ".png" for writers that look at it). */
	public static void write(Path target, String suffix, Writer writer) throws IOException {
		Path abs = target.toAbsolutePath();
		Path tmp = abs.resolveSibling("." + abs.getFileName() + ".partial-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + suffix);
		try {
			writer.write(tmp);
			Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		finally {
			if (Files.exists(tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS)) deleteTree(tmp);
		}
	}

	/** Writes the bytes whole; a file that already holds exactly these bytes is left alone. */
	public static void write(Path target, byte[] bytes) throws IOException {
		if (Files.isRegularFile(target) && Files.size(target) == bytes.length && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
			return;
		}
		Path parent = target.toAbsolutePath().getParent();
		if (parent != null) Files.createDirectories(parent);
		write(target, "", tmp -> Files.write(tmp, bytes));
	}

	/** Deletes a file or a folder with everything in it (links are removed, not followed). */
	public static void deleteTree(Path p) throws IOException {
		if (!Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
			Files.deleteIfExists(p);
			return;
		}
		try (Stream<Path> walk = Files.walk(p)) {
			for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
		}
	}
}
