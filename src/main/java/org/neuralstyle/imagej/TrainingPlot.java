package org.neuralstyle.imagej;

import ij.gui.Plot;
import ij.gui.PlotWindow;

import org.neuralstyle.stylebank.Trainer;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;

/** A loss plot window (ImageJ Plot) that follows a training run: both branches, log scale. */
public final class TrainingPlot implements Trainer.Listener {

	private final String title;
	private final List<Double> xs = new ArrayList<>(), stylize = new ArrayList<>(), xa = new ArrayList<>(), autoencoder = new ArrayList<>();
	private PlotWindow window;
	private ij.ImagePlus previewWindow;
	private long lastDraw;

	public TrainingPlot(String title) {
		this.title = title;
	}

	@Override
	public synchronized void iteration(int iteration, int total, String branch, double loss, double content, double style) {
		if (branch.equals("autoencoder")) {
			xa.add((double) iteration);
			autoencoder.add(loss);
		}
		else {
			xs.add((double) iteration);
			stylize.add(loss);
		}
		long now = System.currentTimeMillis();
		if (now - lastDraw > 1000 || iteration == total) {
			lastDraw = now;
			draw();
		}
	}

	@Override
	public void preview(int iteration, List<String> styleIds, List<float[]> images, int width, int height) {
		ij.ImageStack st = new ij.ImageStack(width, height);
		for (int i = 0; i < images.size(); i++) st.addSlice(styleIds.get(i), GatysRunner.toProcessor(images.get(i), width, height));
		String t = "Training preview (iteration " + iteration + ")";
		if (previewWindow == null || previewWindow.getWindow() == null) {
			previewWindow = new ij.ImagePlus(t, st);
			previewWindow.show();
		}
		else {
			previewWindow.setStack(t, st);
		}
	}

	private void draw() {
		Plot plot = new Plot(title, "iteration", "loss");
		plot.setLogScaleY();
		plot.setColor(Color.BLUE);
		plot.addPoints(toArray(xs), toArray(stylize), Plot.LINE);
		plot.setColor(Color.RED);
		if (!xa.isEmpty()) plot.addPoints(toArray(xa), toArray(autoencoder), Plot.LINE);
		plot.setColor(Color.BLACK);
		plot.addLegend("stylizing branch\nautoencoder branch");
		plot.setLimitsToFit(false);
		if (window == null || window.isClosed()) window = plot.show();
		else window.drawPlot(plot);
	}

	private static double[] toArray(List<Double> v) {
		double[] a = new double[v.size()];
		for (int i = 0; i < a.length; i++) a[i] = v.get(i);
		return a;
	}
}
