package org.neuralstyle.command;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import org.neuralstyle.Progress;
import org.neuralstyle.imagej.StyleBankRunner;

import java.awt.Image;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fast preview of the Apply StyleBank Style dialog: the visible plane of the image, reduced
 * so its long side is {@link #SIDE} pixels, stylized on a background thread (never on the event
 * thread, so the dialog stays responsive) and shown in one "Style preview" window. Newer
 * requests make older ones moot; closing the dialog closes the window.
 */
final class StylePreview {

	static final int SIDE = 256;

	private final ImageProcessor reduced;
	private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
		Thread t = new Thread(r, "style-preview");
		t.setDaemon(true);
		return t;
	});
	private final AtomicLong generation = new AtomicLong();
	private volatile ImagePlus window;

	private final java.awt.Window anchor;

	/** @param anchor the dialog: the preview window opens beside it and gives the focus back */
	StylePreview(ImagePlus source, java.awt.Window anchor) {
		reduced = reduce(source);
		this.anchor = anchor;
	}

	/** The plane as displayed (composites merged, display range applied), long side at most SIDE. */
	static ImageProcessor reduce(ImagePlus source) {
		Image shown = source.getImage();
		ColorProcessor cp = shown != null ? new ColorProcessor(shown) : source.getProcessor().convertToColorProcessor();
		int w = cp.getWidth(), h = cp.getHeight();
		double s = Math.min(1.0, SIDE / (double) Math.max(w, h));
		if (s >= 1.0) return cp;
		cp.setInterpolationMethod(ImageProcessor.BILINEAR);
		return cp.resize(Math.max(1, (int) Math.round(w * s)), Math.max(1, (int) Math.round(h * s)), true);
	}

	/** Asks for a preview of this request (the model, style text, device and settings); returns at once. */
	void request(StyleBankRunner.Request request) {
		long g = generation.incrementAndGet();
		worker.submit(() -> {
			if (g != generation.get()) return; // a newer request is queued
			try {
				ImagePlus in = new ImagePlus("preview", reduced.duplicate());
				ImagePlus out = StyleBankRunner.apply(in, request, Progress.NONE);
				if (g != generation.get()) return;
				show(out.getProcessor(), "Style preview: " + request.style());
			}
			catch (Exception e) {
				if (g == generation.get()) IJ.showStatus("Preview: " + e.getMessage());
			}
		});
	}

	private synchronized void show(ImageProcessor ip, String title) {
		if (window == null || window.getWindow() == null) {
			window = new ImagePlus(title, ip);
			window.show();
			java.awt.Window w = window.getWindow();
			if (w != null && anchor != null && anchor.isShowing()) {
				w.setLocation(anchor.getX() + anchor.getWidth() + 8, anchor.getY());
				anchor.toFront();
			}
		}
		else {
			window.setProcessor(ip);
			window.setTitle(title);
		}
	}

	/** Stops the worker and closes the window. */
	void close() {
		generation.incrementAndGet();
		worker.shutdownNow();
		ImagePlus w = window;
		if (w != null) {
			w.changes = false;
			w.close();
		}
	}
}
