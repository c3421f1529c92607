package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;

import org.scijava.Context;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;

/**
 * Run in a fresh JVM by {@code SettingsReachIT}: the SciJava door with no setting given, as a
 * script would use it. Prints the tiling of the result, or the failure.
 */
public final class SettingsProbe {

	private SettingsProbe() {}

	public static void main(String[] args) throws Exception {
		ImagePlus imp = IJ.openImage(args[0]);
		try (Context context = new Context(CommandService.class)) {
			CommandModule m = context.service(CommandService.class).run(ApplyStyleBankCommand.class, true, "image", imp, "style",
				"starry_night").get();
			if (m.isCanceled()) {
				System.out.println("FAILED " + m.getCancelReason());
				System.exit(1);
			}
			ImagePlus r = (ImagePlus) m.getOutput("result");
			System.out.println("RESULT " + r.getWidth() + "x" + r.getHeight() + " " + r.getProperty("neuralstyle.tiling"));
		}
		System.exit(0);
	}
}
