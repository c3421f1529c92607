package org.neuralstyle.imagej;

import ij.Prefs;

import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.Engines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The plugin-wide settings (Plugins > Style Transfer > Style Transfer Settings), kept in ImageJ's
 * preferences (IJ_Prefs.txt), with a {@code -D} property on the command line on top (it wins and
 * the dialog shows it as fixed). Every door reads them once per run with {@link #current()} and
 * hands the resulting {@link EngineSettings} down; nothing else reads these properties.
 *
 * <p>Keys (property names; the preferences use the same names under {@code neuralstyle.settings.}):
 * {@value #MEMORY} (MB, 0 = automatic), {@value #TILING} (exact|fast), {@value #MODELS} (folder,
 * empty = automatic: {@code NEURALSTYLE_MODELS}, else the ImageJ/Fiji folder's
 * {@code models/neural-style}, else {@code ~/.neural-style/models}), {@value #DEVICE}
 * (auto|cpu|gpu), {@value #HALF} (false|gpu|true), {@value #MALLOC} (tune|default) and
 * {@value #HUGE_PAGES} (auto|true|false: libtorch's large tensors on 2 MB pages; read when the engine starts).
 */
public final class Settings {

	public static final String MEMORY = "neuralstyle.memory.mb";
	public static final String TILING = "neuralstyle.tiling";
	public static final String MODELS = "neuralstyle.models";
	public static final String DEVICE = "neuralstyle.device";
	public static final String HALF = "neuralstyle.half";
	public static final String MALLOC = "neuralstyle.malloc";
	public static final String HUGE_PAGES = "neuralstyle.hugepages";

	private static final String PREF = "neuralstyle.settings.";

	static {
		// without an ImageJ window (SciJava scripts, tests, -batch) nobody may have read IJ_Prefs.txt yet:
		// read it once, so that the saved settings reach every door
		if (ij.IJ.getInstance() == null) {
			try {
				Prefs.load(null, null);
			}
			catch (RuntimeException e) {
				// no readable preferences file: the defaults
			}
		}
	}

	private Settings() {}

	/** The settings in effect now: command-line properties, else the saved preferences, else automatic. */
	public static EngineSettings current() {
		EngineSettings s = new EngineSettings(memoryMb(get(MEMORY, "0")), EngineSettings.Tiling.parse(get(TILING, "exact")),
			modelsFolder(get(MODELS, "")), Engines.DeviceChoice.parse(get(DEVICE, "auto")), EngineSettings.Half.parse(get(HALF, "false")),
			!"default".equalsIgnoreCase(get(MALLOC, "tune").trim()), EngineSettings.HugePages.parse(get(HUGE_PAGES, "auto")));
		Engines.configure(s);
		return s;
	}

	/** Whether the property was given on the command line (then the dialog cannot change it). */
	public static boolean fixed(String key) {
		String v = System.getProperty(key);
		return v != null && !v.isBlank();
	}

	/** The value in effect as text: the command line's, else the saved preference, else {@code fallback}. */
	public static String get(String key, String fallback) {
		if (fixed(key)) return System.getProperty(key).trim();
		String v = Prefs.get(PREF + key, fallback);
		return v == null || v.isBlank() ? fallback : v;
	}

	/** Validates and remembers one setting (a command-line property stays in charge). */
	public static void set(String key, String value) {
		String v = value == null ? "" : value.trim();
		switch (key) {
			case MEMORY -> {
				long mb = memoryMb(v.isEmpty() ? "0" : v);
				if (mb > 0 && mb < 256) throw new IllegalArgumentException("a memory budget below 256 MB is too small to stylize anything; use 0 for automatic");
				v = Long.toString(mb);
			}
			case TILING -> v = EngineSettings.Tiling.parse(v).name().toLowerCase(Locale.ROOT);
			case DEVICE -> v = Engines.DeviceChoice.parse(v).name().toLowerCase(Locale.ROOT);
			case HUGE_PAGES -> v = EngineSettings.HugePages.parse(v).name().toLowerCase(Locale.ROOT);
			case MODELS -> { }
			default -> throw new IllegalArgumentException("unknown setting " + key);
		}
		if (!fixed(key)) Prefs.set(PREF + key, v);
	}

	private static long memoryMb(String v) {
		try {
			long mb = Long.parseLong(v.trim());
			if (mb < 0) throw new IllegalArgumentException("memory budget must be 0 (automatic) or a positive number of megabytes, got " + mb);
			return mb;
		}
		catch (NumberFormatException e) {
			throw new IllegalArgumentException("memory budget must be a whole number of megabytes (0 = automatic), got '" + v + "'");
		}
	}

	/** The models folder: the setting, else NEURALSTYLE_MODELS, else inside ImageJ/Fiji, else in the home folder. */
	static Path modelsFolder(String setting) {
		if (setting != null && !setting.isBlank()) return Path.of(setting.trim());
		String env = System.getenv("NEURALSTYLE_MODELS");
		if (env != null && !env.isBlank()) return Path.of(env);
		String ij = System.getProperty("ij.dir");
		if (ij != null && !ij.isBlank() && Files.isDirectory(Path.of(ij))) return Path.of(ij, "models", "neural-style");
		return Path.of(System.getProperty("user.home"), ".neural-style", "models");
	}
}
