package org.neuralstyle.imagej;

import ij.Prefs;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The plugin-wide settings of Plugins > Style Transfer > Settings / About, kept in ImageJ's
 * preferences (IJ_Prefs.txt). Memory budget ({@code neuralstyle.memory.mb}, 0 = automatic),
 * tiling mode ({@code neuralstyle.tiling}) and models folder ({@code neuralstyle.models}, empty
 * = automatic) are handed to the code as the system properties it reads; the default device is
 * read by the dialogs through {@link #device()}. A property given on the command line
 * ({@code -D...}) wins over the preference and is shown as fixed.
 */
public final class Settings {

	public static final String MEMORY = "neuralstyle.memory.mb";
	public static final String TILING = "neuralstyle.tiling";
	public static final String MODELS = "neuralstyle.models";
	public static final String DEVICE = "neuralstyle.device";

	private static final String PREF = "neuralstyle.settings.";
	/** The properties as the JVM started: these came from the command line and are not overridden. */
	private static final Map<String, String> FIXED = new LinkedHashMap<>();

	static {
		for (String k : new String[] { MEMORY, TILING, MODELS, DEVICE }) {
			String v = System.getProperty(k);
			if (v != null && !v.isBlank()) FIXED.put(k, v);
		}
	}

	private Settings() {}

	/** Whether the property was given on the command line (then the dialog cannot change it). */
	public static boolean fixed(String key) {
		return FIXED.containsKey(key);
	}

	/** The value in effect: the command line's, else the saved preference, else {@code fallback}. */
	public static String get(String key, String fallback) {
		if (fixed(key)) return FIXED.get(key);
		String v = Prefs.get(PREF + key, fallback);
		return v == null ? fallback : v;
	}

	/** Validates, remembers and applies one setting (ignored for a command-line property). */
	public static void set(String key, String value) {
		if (fixed(key)) return;
		String v = value == null ? "" : value.trim();
		switch (key) {
			case MEMORY -> {
				long mb;
				try {
					mb = v.isEmpty() ? 0 : Long.parseLong(v);
				}
				catch (NumberFormatException e) {
					throw new IllegalArgumentException("memory budget must be a whole number of megabytes (0 = automatic), got '" + v + "'");
				}
				if (mb < 0) throw new IllegalArgumentException("memory budget must be 0 (automatic) or a positive number of megabytes, got " + mb);
				if (mb > 0 && mb < 256) throw new IllegalArgumentException("a memory budget below 256 MB is too small to stylize anything; use 0 for automatic");
				v = Long.toString(mb);
			}
			case TILING -> {
				v = v.toLowerCase(Locale.ROOT);
				if (!v.equals("exact") && !v.equals("fast")) throw new IllegalArgumentException("tiling must be exact or fast, got '" + v + "'");
			}
			case DEVICE -> {
				v = v.toLowerCase(Locale.ROOT);
				if (!v.equals("auto") && !v.equals("cpu") && !v.equals("gpu")) throw new IllegalArgumentException("device must be auto, cpu or gpu, got '" + v + "'");
			}
			case MODELS -> { }
			default -> throw new IllegalArgumentException("unknown setting " + key);
		}
		Prefs.set(PREF + key, v);
		applyOne(key, v);
	}

	/** Puts the saved preferences into effect (called when a Style Transfer command starts). */
	public static void apply() {
		for (String k : new String[] { MEMORY, TILING, MODELS }) {
			if (fixed(k)) continue;
			String v = Prefs.get(PREF + k, "");
			applyOne(k, v == null ? "" : v);
		}
	}

	private static void applyOne(String key, String v) {
		if (key.equals(DEVICE)) return; // no code reads a device property: the dialogs ask device()
		boolean automatic = v.isEmpty() || (key.equals(MEMORY) && v.equals("0")) || (key.equals(TILING) && v.equals("exact"));
		if (automatic) System.clearProperty(key);
		else System.setProperty(key, v);
	}

	/** The default device for dialogs: the setting, else auto. */
	public static String device() {
		return get(DEVICE, "auto");
	}
}
