package org.neuralstyle.stylebank;

import org.neuralstyle.image.Resize;

import java.util.List;
import java.util.Random;

/**
 * The training samples as a function of the seed and the iteration alone: each iteration draws
 * from its own {@code Random(seed * 1000003 + iteration)}, so a resumed run sees exactly the
 * batches an uninterrupted one would. A sample is a square crop of a random content image
 * covering 50-100 % of its short side, flipped half the time, resized to the crop size; each
 * sample also draws the style it is stylized in.
 */
public final class TrainingData {

	/** Where one sample came from. */
	public record Sample(int image, int x0, int y0, int side, boolean flipped, int style) {}

	/** The pixels (N x 3 x crop x crop, CHW per sample) and the samples they came from. */
	public record Batch(float[] pixels, List<Sample> samples) {}

	private final List<Trainer.ContentImage> content;
	private final int styles;
	private final int cropSize;
	private final int batchSize;
	private final long seed;

	public TrainingData(List<Trainer.ContentImage> content, int styles, TrainingSettings s) {
		if (content.isEmpty()) throw new IllegalArgumentException("no content images");
		this.content = List.copyOf(content);
		this.styles = styles;
		this.cropSize = s.cropSize();
		this.batchSize = s.batchSize();
		this.seed = s.seed();
	}

	/** The batch of an iteration (0-based). */
	public Batch batch(int iteration) {
		Random r = new Random(seed * 1_000_003L + iteration);
		int c = cropSize;
		float[] out = new float[batchSize * 3 * c * c];
		Sample[] samples = new Sample[batchSize];
		for (int b = 0; b < batchSize; b++) {
			int index = r.nextInt(content.size());
			Trainer.ContentImage img = content.get(index);
			int side = Math.min(img.width(), img.height());
			int cs = Math.max(8, (int) Math.round(side * (0.5 + 0.5 * r.nextDouble())));
			int x0 = r.nextInt(img.width() - cs + 1), y0 = r.nextInt(img.height() - cs + 1);
			boolean flip = r.nextBoolean();
			float[] crop = new float[3 * cs * cs];
			for (int ch = 0; ch < 3; ch++) {
				for (int y = 0; y < cs; y++) {
					for (int x = 0; x < cs; x++) {
						int sx = flip ? x0 + cs - 1 - x : x0 + x;
						crop[ch * cs * cs + y * cs + x] = img.rgb()[ch * img.width() * img.height() + (y0 + y) * img.width() + sx];
					}
				}
			}
			float[] scaled = Resize.area(crop, 3, cs, cs, c, c);
			System.arraycopy(scaled, 0, out, b * 3 * c * c, scaled.length);
			samples[b] = new Sample(index, x0, y0, cs, flip, -1);
		}
		for (int b = 0; b < batchSize; b++) {
			Sample s = samples[b];
			samples[b] = new Sample(s.image(), s.x0(), s.y0(), s.side(), s.flipped(), r.nextInt(styles));
		}
		return new Batch(out, List.of(samples));
	}
}
