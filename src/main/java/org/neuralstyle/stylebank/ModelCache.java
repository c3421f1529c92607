package org.neuralstyle.stylebank;

import ai.djl.Device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loaded networks, kept across calls so that a stack or a macro loop loads a model once. A
 * changed model file (a style learned, a file replaced) is noticed through the modification
 * times and loaded again. At most {@value #CAPACITY} networks stay; the oldest is closed.
 */
public final class ModelCache {

	static final int CAPACITY = 2;
	private static final Map<String, StyleBankNetwork> CACHE = new LinkedHashMap<>();

	private ModelCache() {}

	/** The model's network on {@code device}, with float16 convolutions when {@code half} (see {@link StyleBankNetwork}). */
	public static synchronized StyleBankNetwork network(Path modelPath, Device device, boolean half) throws IOException {
		String key = key(modelPath) + "@" + device + (half ? "/f16" : "");
		StyleBankNetwork net = CACHE.remove(key);
		if (net == null) {
			net = new StyleBankNetwork(StyleBankModel.load(modelPath), device, half);
			// a re-written model replaces its older entry
			String prefix = modelPath.toRealPath() + "|";
			CACHE.entrySet().removeIf(e -> {
				boolean stale = e.getKey().startsWith(prefix);
				if (stale) e.getValue().close();
				return stale;
			});
			while (CACHE.size() >= CAPACITY) {
				var oldest = CACHE.entrySet().iterator().next();
				oldest.getValue().close();
				CACHE.remove(oldest.getKey());
			}
		}
		CACHE.put(key, net); // most recently used last
		return net;
	}

	private static String key(Path p) throws IOException {
		Path real = p.toRealPath();
		StringBuilder sb = new StringBuilder(real.toString()).append('|');
		if (Files.isDirectory(real)) {
			try (Stream<Path> files = Files.walk(real, 3)) {
				for (Path f : (Iterable<Path>) files.sorted()::iterator) {
					sb.append(Files.getLastModifiedTime(f).toMillis()).append(',').append(Files.size(f)).append(';');
				}
			}
		}
		else {
			sb.append(Files.getLastModifiedTime(real).toMillis()).append(',').append(Files.size(real));
		}
		return sb.toString();
	}
}
