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
import org.neuralstyle.imagej.VggWeightsRunner;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.gatys.TorchvisionVgg;
import org.neuralstyle.nn.Vgg;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Plugins > Style Transfer > Get VGG Weights: installs the VGG-19 and/or VGG-16 weights for
 * Gatys and training into the models folder, after the user said so (pressing OK in the dialog,
 * or running the macro line {@code run("Get VGG Weights", "network=vgg19")}, is the consent):
 * from a torchvision .pth the user has ({@code file=}, or torch hub's cache when the dialog's box
 * is ticked or {@code torch_hub=true}), converted without running it, or by a verified download.
 * Esc cancels and leaves nothing behind.
 */
public class GetVggWeightsPlugin implements PlugIn {

	static final String TITLE = "Get VGG Weights";

	static final String[][] FIELDS = {
		{ "network", "Which weights: vgg19 (Gatys), vgg16 (training's loss network) or both." },
		{ "file", "Optional: torchvision's own file you already have (vgg19-dcbb9e9d.pth or vgg16-397923af.pth), converted instead of "
			+ "downloading. Its SHA-256 is checked against the 8 hex digits in its name; nothing in it is run." },
		{ "torch_hub", "Use torchvision's file found in torch hub's cache ($TORCH_HOME/hub/checkpoints or ~/.cache/torch/hub/checkpoints) "
			+ "instead of downloading." } };

	@Override
	public void run(String arg) {
		EngineSettings settings = Settings.current();
		Path models = settings.modelsFolder();
		String options = Macro.getOptions();
		boolean macro = options != null;
		VggWeightsRunner.Request request;
		try {
			Options o = Ij1Doors.macroOptions(options, VggWeightsRunner.Request.KEYS);
			if (!Ij1Doors.headlessMacro(options)) {
				o = dialog(models);
				if (o == null) return;
			}
			request = VggWeightsRunner.Request.from(o, settings);
		}
		catch (Exception e) {
			Ij1Doors.refuse(TITLE, macro, e);
			return;
		}
		Progress progress = new ImageJProgress(IJ.getInstance() == null);
		try {
			VggWeightsRunner.run(request, progress, IJ::log);
			IJ.showStatus(TITLE + ": done");
		}
		catch (Progress.CancelledException e) {
			IJ.showStatus(TITLE + ": cancelled, nothing was kept");
		}
		catch (Exception e) {
			IJ.showProgress(1.0);
			Vgg.Arch a = request.archs().get(0);
			IJ.error(TITLE, e.getMessage() + (request.file() != null ? "" : "\nYou can also download " + VggWeights.url(a)
				+ "\nby hand and save it as " + VggWeights.file(models, a)));
			if (macro) Macro.abort();
		}
	}

	/** The dialog: network, an optional local file, and (when torch hub has them) whether to use its files. */
	private static Options dialog(Path models) {
		GenericDialog gd = new GenericDialog(TITLE);
		StringBuilder status = new StringBuilder("Installs torchvision's ImageNet VGG weights (BSD-3-Clause)\ninto " + models + "\n");
		for (Vgg.Arch a : Vgg.Arch.values()) {
			status.append('\n').append(a.name().toLowerCase(Locale.ROOT)).append(": ")
				.append(VggWeights.present(models, a) ? "installed" : "not installed, about " + (a == Vgg.Arch.VGG19 ? "548" : "528") + " MB");
		}
		gd.addMessage(status.toString());
		gd.addChoice("network", new String[] { "vgg19", "vgg16", "both" }, "vgg19");
		gd.addFileField("file", "", 40);
		Map<Vgg.Arch, Path> found = VggWeightsRunner.found(List.of(Vgg.Arch.values()), models, VggWeightsRunner.hubFolders());
		if (!found.isEmpty()) {
			StringBuilder f = new StringBuilder("Found in torch hub's cache:");
			for (Path p : found.values()) f.append('\n').append(p);
			gd.addMessage(f.toString());
			gd.addCheckbox("torch_hub (use these files instead of downloading)", true);
		}
		gd.addMessage("file: optional, torchvision's " + TorchvisionVgg.officialName(Vgg.Arch.VGG19) + " or "
			+ TorchvisionVgg.officialName(Vgg.Arch.VGG16) + " you already have.\nOtherwise the weights are downloaded from "
			+ "Hugging Face. Nothing is read or downloaded unless you press OK.");
		gd.addHelp(Help.html(TITLE, FIELDS, "VGG weights and the offline default"));
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		Map<String, String> v = new LinkedHashMap<>();
		v.put("network", gd.getNextChoice());
		v.put("file", gd.getNextString().trim());
		if (!found.isEmpty()) v.put("torch_hub", String.valueOf(gd.getNextBoolean()));
		return Options.of(v, VggWeightsRunner.Request.KEYS);
	}
}
