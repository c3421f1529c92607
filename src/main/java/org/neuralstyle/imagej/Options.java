package org.neuralstyle.imagej;

import org.neuralstyle.nn.Engines;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of one run, as every door gives them: ImageJ macro options and headless arguments
 * ({@code key=value key2=[value with spaces] flag}), a dialog's fields or a SciJava command's
 * parameters (a map). One parser, one set of messages: an unknown key is refused everywhere,
 * with the closest known keys first, and a bad value gives the same message at every door.
 */
public final class Options {

	private final Map<String, String> values;
	private final Set<String> known;

	private Options(Map<String, String> values, Set<String> known) {
		this.values = values;
		this.known = known;
	}

	/** Parses {@code key=value key2=[value with spaces] flag} (a bare key means true); keys are case-insensitive. */
	public static Options parse(String text, Set<String> known) {
		Map<String, String> values = new LinkedHashMap<>();
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
			checkKnown(key, known);
			if (values.put(key, value) != null) throw new IllegalArgumentException("argument '" + key + "' is given twice");
		}
		return new Options(values, Set.copyOf(known));
	}

	/** Options from a map (dialog fields, command parameters); null values count as not given. */
	public static Options of(Map<String, String> map, Set<String> known) {
		Map<String, String> values = new LinkedHashMap<>();
		for (var e : map.entrySet()) {
			String key = e.getKey().toLowerCase(Locale.ROOT);
			checkKnown(key, known);
			if (e.getValue() != null) values.put(key, e.getValue());
		}
		return new Options(values, Set.copyOf(known));
	}

	/** These options plus those parsed from {@code text} (the "options"/"more" field of a dialog or command). */
	public Options with(String text) {
		Options extra = parse(text, known);
		Map<String, String> merged = new LinkedHashMap<>(values);
		for (var e : extra.values.entrySet()) {
			if (merged.containsKey(e.getKey())) throw new IllegalArgumentException("argument '" + e.getKey() + "' is given twice");
			merged.put(e.getKey(), e.getValue());
		}
		return new Options(merged, known);
	}

	/** The union of key sets. */
	@SafeVarargs
	public static Set<String> keys(Set<String>... sets) {
		Set<String> all = new LinkedHashSet<>();
		for (Set<String> s : sets) all.addAll(s);
		return Set.copyOf(all);
	}

	private static void checkKnown(String key, Set<String> known) {
		if (known.contains(key)) return;
		List<String> sorted = new ArrayList<>(known);
		sorted.sort(Comparator.<String>comparingInt(k -> distance(k, key)).thenComparing(k -> k));
		String hint = distance(sorted.get(0), key) <= Math.max(2, key.length() / 3) ? " Did you mean '" + sorted.get(0) + "'?" : "";
		throw new IllegalArgumentException("unknown argument '" + key + "'." + hint + " Known arguments: " + String.join(", ", sorted));
	}

	/** Levenshtein distance (for the suggestion of the closest known key). */
	static int distance(String a, String b) {
		int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) prev[j] = j;
		for (int i = 1; i <= a.length(); i++) {
			cur[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
				cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
			}
			int[] t = prev;
			prev = cur;
			cur = t;
		}
		return prev[b.length()];
	}

	public boolean has(String key) {
		String v = values.get(key);
		return v != null && !v.isBlank();
	}

	/** The raw value, or {@code fallback} when not given or blank. */
	public String get(String key, String fallback) {
		String v = values.get(key);
		return v == null || v.isBlank() ? fallback : v;
	}

	/** The value as given (blank allowed), or null. */
	public String raw(String key) {
		return values.get(key);
	}

	public String require(String key, String hint) {
		String v = values.get(key);
		if (v == null || v.isBlank()) throw new IllegalArgumentException("missing argument '" + key + "=' (" + hint + ")");
		return v.trim();
	}

	public Path path(String key, String hint) {
		return Path.of(require(key, hint));
	}

	public double number(String key, double fallback) {
		String v = get(key, null);
		if (v == null) return fallback;
		try {
			double d = Double.parseDouble(v.trim());
			if (Double.isNaN(d)) throw new NumberFormatException();
			return d;
		}
		catch (NumberFormatException e) {
			throw new IllegalArgumentException(key + " must be a number, got '" + v + "'");
		}
	}

	/** A number that must be a whole number. */
	public long whole(String key, long fallback) {
		double d = number(key, fallback);
		if (d != Math.rint(d) || Math.abs(d) > 9e15) throw new IllegalArgumentException(key + " must be a whole number, got '" + get(key, "") + "'");
		return (long) d;
	}

	public int integer(String key, int fallback) {
		long v = whole(key, fallback);
		if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) throw new IllegalArgumentException(key + " is out of range: " + v);
		return (int) v;
	}

	public boolean flag(String key, boolean fallback) {
		String v = get(key, null);
		if (v == null) return fallback;
		return switch (v.trim().toLowerCase(Locale.ROOT)) {
			case "true", "yes", "on", "1" -> true;
			case "false", "no", "off", "0" -> false;
			default -> throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
		};
	}

	/** One of {@code allowed} (case-insensitive), or {@code fallback} when not given. */
	public String choice(String key, String fallback, String... allowed) {
		String v = get(key, fallback).trim().toLowerCase(Locale.ROOT);
		if (!Arrays.asList(allowed).contains(v)) {
			throw new IllegalArgumentException(key + " must be " + String.join(", ", Arrays.asList(allowed).subList(0, allowed.length - 1))
				+ " or " + allowed[allowed.length - 1] + ", got '" + get(key, fallback) + "'");
		}
		return v;
	}

	/** Comma-separated list, or {@code fallback}. */
	public List<String> list(String key, List<String> fallback) {
		String v = get(key, null);
		if (v == null) return fallback;
		return Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
	}

	/** device= auto, cpu or gpu; not given: the settings' default device. */
	public Engines.DeviceChoice device(Engines.DeviceChoice fallback) {
		String v = get("device", null);
		return v == null ? fallback : Engines.DeviceChoice.parse(v);
	}

	@Override
	public String toString() {
		return values.toString();
	}
}
