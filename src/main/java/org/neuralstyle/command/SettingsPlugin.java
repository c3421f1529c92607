package org.neuralstyle.command;

import ij.IJ;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import org.neuralstyle.gatys.VggWeights;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.MemoryBudget;
import org.neuralstyle.nn.Vgg;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Properties;

/**
 * Plugins > Style Transfer > Settings / About: the memory budget, tiling mode, models folder
 * and default device (remembered in ImageJ's preferences), and what is installed: version,
 * engine, VGG weights, licences. Macro: {@code run("Style Transfer Settings", "memory=2048 tiling=exact models= device=auto")}.
 */
public class SettingsPlugin implements PlugIn {

	static final String TITLE = "Style Transfer Settings";

	static final String[][] FIELDS = {
		{ "memory", "Native memory (MB) one StyleBank pass may use; larger images are processed in tiles. 0 = automatic: a quarter of "
			+ "physical memory, less the Java heap in use, the image's copies and 512 MB for the engine; at least 1 GB." },
		{ "tiling", "exact: tiles give exactly the untiled result (several passes, ~3.5x compute). fast: statistics from a "
			+ "reduced copy of the image, one pass; no visible seams but not bit-identical." },
		{ "models", "Folder for VGG weights and the default StyleBank model. Empty = automatic (Fiji.app/models/neural-style, "
			+ "else ~/.neural-style/models)." },
		{ "device", "Default device of the dialogs: auto (a GPU when DJL finds one), cpu or gpu." },
	};

	/** The options of this door (each a setting). */
	static final Set<String> KEYS = Set.of("memory", "tiling", "models", "device");

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		Map<String, String> v = new LinkedHashMap<>();
		try {
			Options given = Ij1Doors.macroOptions(options, KEYS);
			if (Ij1Doors.headlessMacro(options)) {
				v.put("memory", given.get("memory", Settings.get(Settings.MEMORY, "0")));
				v.put("tiling", given.get("tiling", Settings.get(Settings.TILING, "exact")));
				v.put("models", given.raw("models") != null ? given.raw("models") : Settings.get(Settings.MODELS, ""));
				v.put("device", given.get("device", Settings.get(Settings.DEVICE, "auto")));
			}
			else {
				GenericDialog gd = new GenericDialog(TITLE);
				gd.addMessage(about(), null, java.awt.Color.DARK_GRAY);
				gd.addNumericField("memory", Double.parseDouble(numberOr(Settings.get(Settings.MEMORY, "0"))), 0, 8, "MB (0 = automatic)");
				gd.addChoice("tiling", new String[] { "exact", "fast" }, Settings.get(Settings.TILING, "exact"));
				gd.addDirectoryField("models", Settings.get(Settings.MODELS, ""), 40);
				gd.addChoice("device", new String[] { "auto", "cpu", "gpu" }, Settings.get(Settings.DEVICE, "auto"));
				StringBuilder fixed = new StringBuilder();
				for (String k : new String[] { Settings.MEMORY, Settings.TILING, Settings.MODELS, Settings.DEVICE }) {
					if (Settings.fixed(k)) fixed.append("\n-D").append(k).append('=').append(Settings.get(k, "")).append(" was given on the command line and wins");
				}
				if (fixed.length() > 0) gd.addMessage(fixed.toString().trim());
				gd.addHelp(Help.html(TITLE, FIELDS, "Big images", "Install"));
				gd.showDialog();
				if (gd.wasCanceled()) return;
				v.put("memory", Long.toString(Math.round(gd.getNextNumber())));
				v.put("tiling", gd.getNextChoice());
				v.put("models", gd.getNextString().trim());
				v.put("device", gd.getNextChoice());
			}
			Settings.set(Settings.MEMORY, v.get("memory"));
			Settings.set(Settings.TILING, v.get("tiling"));
			Settings.set(Settings.MODELS, v.get("models"));
			Settings.set(Settings.DEVICE, v.get("device"));
			EngineSettings now = Settings.current();
			IJ.log("Style Transfer settings: memory budget " + (MemoryBudget.bytes(ai.djl.Device.cpu(), now) >> 20) + " MB, tiling "
				+ now.tiling().name().toLowerCase(Locale.ROOT) + ", models folder " + now.modelsFolder() + ", device "
				+ now.device().name().toLowerCase(Locale.ROOT));
		}
		catch (IllegalArgumentException e) {
			Ij1Doors.refuse(TITLE, options != null, e);
		}
	}

	private static String numberOr(String s) {
		try {
			return Long.toString(Long.parseLong(s.trim()));
		}
		catch (NumberFormatException e) {
			return "0";
		}
	}

	/** Version, engine and installation facts for the dialog and the log. */
	static String about() {
		EngineSettings settings = Settings.current();
		java.nio.file.Path models = settings.modelsFolder();
		StringBuilder b = new StringBuilder("Neural Style Transfer " + version() + " (StyleBank: Chen et al., CVPR 2017; Gatys et al., CVPR 2016)\n");
		b.append("Engine: DJL with the PyTorch engine (libtorch), ").append(Runtime.getRuntime().availableProcessors()).append(" cores\n");
		b.append("Models folder: ").append(models).append('\n');
		for (Vgg.Arch a : Vgg.Arch.values()) {
			b.append(a.name().toLowerCase(Locale.ROOT)).append(" weights: ").append(VggWeights.present(models, a) ? "installed" : "not installed (Get VGG Weights)").append('\n');
		}
		b.append(String.format(Locale.ROOT, "Memory budget now: %d MB; Java heap max: %d MB%n", MemoryBudget.bytes(ai.djl.Device.cpu(), settings) >> 20,
			Runtime.getRuntime().maxMemory() >> 20));
		b.append("VGG weights (downloaded only on request) are torchvision's, BSD-3-Clause; the default model was\n"
			+ "trained by this project on public-domain paintings. Help shows the README's sections.");
		return b.toString();
	}

	static String version() {
		try (InputStream in = SettingsPlugin.class.getResourceAsStream("/META-INF/maven/org.neuralstyle/Neural_Style_Transfer/pom.properties")) {
			if (in == null) return "(development build)";
			Properties p = new Properties();
			p.load(in);
			return p.getProperty("version", "?");
		}
		catch (Exception e) {
			return "?";
		}
	}
}
