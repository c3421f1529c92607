package org.neuralstyle.command;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * ImageJ-style argument strings, {@code key=value key2=[value with spaces] flag}, as given to
 * the headless macros. Unknown keys are refused so that a typo does not silently fall back to
 * a default.
 */
public final class MacroArgs {

	private final Map<String, String> values = new LinkedHashMap<>();

	private MacroArgs() {}

	public static MacroArgs parse(String text, Set<String> known) {
		MacroArgs a = new MacroArgs();
		String s = text == null ? "" : text.trim();
		int i = 0;
		while (i < s.length()) {
			if (Character.isWhitespace(s.charAt(i))) {
				i++;
				continue;
			}
			int start = i;
			while (i < s.length() && s.charAt(i) != '=' && !Character.isWhitespace(s.charAt(i))) i++;
			String key = s.substring(start, i).toLowerCase(Locale.ROOT);
			String value = "true";
			if (i < s.length() && s.charAt(i) == '=') {
				i++;
				if (i < s.length() && s.charAt(i) == '[') {
					int end = s.indexOf(']', i + 1);
					if (end < 0) throw new IllegalArgumentException("argument '" + key + "': '[' without a closing ']'");
					value = s.substring(i + 1, end);
					i = end + 1;
				}
				else {
					int vs = i;
					while (i < s.length() && !Character.isWhitespace(s.charAt(i))) i++;
					value = s.substring(vs, i);
				}
			}
			if (!known.contains(key)) {
				throw new IllegalArgumentException("unknown argument '" + key + "'. Known arguments: " + String.join(", ", known));
			}
			if (a.values.put(key, value) != null) throw new IllegalArgumentException("argument '" + key + "' is given twice");
		}
		return a;
	}

	public String get(String key, String fallback) {
		return values.getOrDefault(key, fallback);
	}

	public String require(String key, String hint) {
		String v = values.get(key);
		if (v == null || v.isBlank()) throw new IllegalArgumentException("missing argument '" + key + "=' (" + hint + ")");
		return v;
	}
}
