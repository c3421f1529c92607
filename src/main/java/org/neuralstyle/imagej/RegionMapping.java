package org.neuralstyle.imagej;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code styles=} option of both region doors: {@code ROI_NAME:VALUE,...} (a style for StyleBank, a style image for Gatys). */
final class RegionMapping {

	private RegionMapping() {}

	static Map<String, String> parse(String text) {
		Map<String, String> m = new LinkedHashMap<>();
		if (text == null || text.isBlank()) return m;
		for (String entry : text.split(",")) {
			if (entry.isBlank()) continue;
			int colon = entry.indexOf(':');
			if (colon <= 0 || colon == entry.length() - 1) {
				throw new IllegalArgumentException("styles= entry '" + entry.trim() + "' must be ROI_NAME:STYLE");
			}
			String name = entry.substring(0, colon).trim();
			if (m.put(name, entry.substring(colon + 1).trim()) != null) {
				throw new IllegalArgumentException("styles= names region '" + name + "' twice");
			}
		}
		return m;
	}
}
