package org.neuralstyle.bench;

import ij.IJ;
import ij.ImagePlus;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.ResultFiles;
import org.neuralstyle.imagej.Settings;
import org.neuralstyle.imagej.StyleBankRunner;
import org.neuralstyle.nn.Engines;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Where a cold headless stylization spends its time, phase by phase, in one fresh JVM: opening the
 * image, starting the engine, the model load with the convolution checks (a 64 x 64 image first),
 * then three stylizations of the image, each followed by writing a PNG. {@code mvn -B -q -Pbenchmark
 * test-compile exec:java -Dbench.main=org.neuralstyle.bench.ColdPhases -Dexec.args="IMAGE.png MODEL STYLE"}
 * (README "Cold processes").
 */
public final class ColdPhases {

	public static void main(String[] args) throws Exception {
		long t0 = System.nanoTime();
		ImagePlus imp = IJ.openImage(args[0]);
		long t1 = System.nanoTime();
		print("open " + imp.getWidth() + " x " + imp.getHeight(), t0, t1);
		Engines.pytorch();
		long t2 = System.nanoTime();
		print("engine start", t1, t2);
		var request = new StyleBankRunner.Request(Path.of(args[1]), args[2], Engines.DeviceChoice.CPU, Settings.current());
		ImagePlus small = new ImagePlus("small", imp.getProcessor().resize(64, 64));
		for (int i = 0; i < 2; i++) {
			long a = System.nanoTime();
			StyleBankRunner.apply(small, request, Progress.NONE);
			print(i == 0 ? "64 x 64, first (model load, convolution checks)" : "64 x 64, again", a, System.nanoTime());
		}
		Path out = java.nio.file.Files.createTempFile("cold-phases", ".png");
		try {
			for (int i = 0; i < 3; i++) {
				long a = System.nanoTime();
				ImagePlus result = StyleBankRunner.apply(imp, request, Progress.NONE);
				long b = System.nanoTime();
				ResultFiles.save(result, out);
				long c = System.nanoTime();
				print("stylize, run " + (i + 1), a, b);
				print("write PNG, run " + (i + 1), b, c);
			}
		}
		finally {
			java.nio.file.Files.deleteIfExists(out);
		}
	}

	private static void print(String what, long from, long to) {
		System.out.printf(Locale.ROOT, "%-50s %8.0f ms%n", what, (to - from) / 1e6);
	}
}
