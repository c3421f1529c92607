package org.neuralstyle.command;

import ij.IJ;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import org.neuralstyle.Progress;
import org.neuralstyle.gatys.VggWeights;
import org.neuralstyle.imagej.ImageJProgress;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.nn.Download;
import org.neuralstyle.nn.Vgg;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Plugins > Style Transfer > Get VGG Weights: downloads the VGG-19 and/or VGG-16 weights for
 * Gatys and training into the models folder, after the user said so (pressing OK in the dialog,
 * or running the macro line {@code run("Get VGG Weights", "network=vgg19")}, is the consent).
 * The download is verified (size and SHA-256) and renamed into place only when complete; Esc
 * cancels and leaves nothing behind.
 */
public class GetVggWeightsPlugin implements PlugIn {

	static final String TITLE = "Get VGG Weights";

	/** The options of this door. */
	static final Set<String> KEYS = Set.of("network");

	@Override
	public void run(String arg) {
		java.nio.file.Path models = Settings.current().modelsFolder();
		String options = Macro.getOptions();
		String network;
		Options given;
		try {
			given = Ij1Doors.macroOptions(options, KEYS);
		}
		catch (IllegalArgumentException e) {
			Ij1Doors.refuse(TITLE, true, e);
			return;
		}
		if (Ij1Doors.headlessMacro(options)) network = given.get("network", "vgg19");
		else {
			GenericDialog gd = new GenericDialog(TITLE);
			StringBuilder status = new StringBuilder("Downloads torchvision's ImageNet VGG weights (BSD-3-Clause) from Hugging Face\n"
				+ "into " + models + "\n");
			for (Vgg.Arch a : Vgg.Arch.values()) {
				status.append('\n').append(a.name().toLowerCase(Locale.ROOT)).append(": ")
					.append(VggWeights.present(models, a) ? "installed" : "not installed, about " + (a == Vgg.Arch.VGG19 ? "548" : "528") + " MB");
			}
			gd.addMessage(status.toString());
			gd.addChoice("network", new String[] { "vgg19", "vgg16", "both" }, "vgg19");
			gd.addMessage("Gatys uses VGG-19 (network=auto); training uses VGG-16 if installed.\nNothing is downloaded unless you press OK.");
			gd.addHelp(Help.html(TITLE, new String[][] { { "network", "Which weights to fetch: vgg19 (Gatys), vgg16 (training's loss network) or both." } },
				"VGG weights and the offline default"));
			gd.showDialog();
			if (gd.wasCanceled()) return;
			network = gd.getNextChoice();
		}
		List<Vgg.Arch> archs = new ArrayList<>();
		switch (network.trim().toLowerCase(Locale.ROOT)) {
			case "vgg19" -> archs.add(Vgg.Arch.VGG19);
			case "vgg16" -> archs.add(Vgg.Arch.VGG16);
			case "both" -> archs.addAll(List.of(Vgg.Arch.VGG19, Vgg.Arch.VGG16));
			default -> {
				IJ.error(TITLE, "network must be vgg19, vgg16 or both, got '" + network + "'");
				if (options != null) Macro.abort();
				return;
			}
		}
		Progress progress = new ImageJProgress(IJ.getInstance() == null);
		try {
			for (Vgg.Arch a : archs) {
				String name = a.name().toLowerCase(Locale.ROOT);
				if (VggWeights.present(models, a)) {
					IJ.log(name + " weights are already installed: " + VggWeights.file(models, a));
					continue;
				}
				Download.fetch(VggWeights.url(a), VggWeights.file(models, a), progress);
				IJ.log(name + " weights installed: " + VggWeights.file(models, a));
			}
			IJ.showStatus(TITLE + ": done");
		}
		catch (Progress.CancelledException e) {
			IJ.showStatus(TITLE + ": cancelled, nothing was kept");
		}
		catch (Exception e) {
			IJ.showProgress(1.0);
			IJ.error(TITLE, "The download failed: " + e.getMessage() + "\nYou can also download " + VggWeights.url(archs.get(0))
				+ "\nby hand and save it as " + VggWeights.file(models, archs.get(0)));
			if (options != null) Macro.abort();
		}
	}
}
