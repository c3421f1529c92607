package org.neuralstyle.stylebank;

import org.neuralstyle.image.Resize;

import java.util.List;
import java.util.Random;

/**
 * The training samples as a function of the seed and the iteration alone: each iteration draws
 * from its own {@code Random(seed * 1000003 + iteration)}, so a resumed run sees exactly the
 * batches an uninterrupted one would. A sample is a square crop of a random content image
 * covering 50-100 % of its short side, flipped half the time, resized to the crop size; each
 * sample also draws the style it is stylized in. With target images (distillation) every sample
 * also carries the same crop of its content image's target for the style drawn.
 */
public final class TrainingData {

	/** Where one sample came from. */
	public record Sample(int image, int x0, int y0, int side, boolean flipped, int style) {}

	/**
	 * The pixels (N x 3 x crop x crop, CHW per sample), the samples they came from, and the target
	 * crops in the samples' styles (same layout; null when training towards Gram matrices).
	 */
	public record Batch(float[] pixels, List<Sample> samples, float[] targets) {}

	private final List<Trainer.ContentImage> content;
	private final int cropSize;
	private final int batchSize;
	private final long seed;
	private final List<String> styleIds;
	private final boolean distill;

	/** {@code styleIds}: the styles in the order the samples draw them (their targets are looked up by id). */
	public TrainingData(List<Trainer.ContentImage> content, List<String> styleIds, TrainingSettings s) {
		if (content.isEmpty()) throw new IllegalArgumentException("no content images");
		this.content = List.copyOf(content);
		this.styleIds = List.copyOf(styleIds);
		this.distill = !content.get(0).targets().isEmpty();
		for (Trainer.ContentImage img : content) {
			boolean ok = distill ? img.targets().keySet().containsAll(styleIds) : img.targets().isEmpty();
			if (!ok) throw new IllegalArgumentException("every content image needs a target image for every style, or none does");
		}
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
			samples[b] = new Sample(index, x0, y0, cs, flip, -1);
			crop(img.rgb(), img.width(), img.height(), samples[b], out, b);
		}
		for (int b = 0; b < batchSize; b++) {
			Sample s = samples[b];
			samples[b] = new Sample(s.image(), s.x0(), s.y0(), s.side(), s.flipped(), r.nextInt(styleIds.size()));
		}
		float[] targets = null;
		if (distill) {
			targets = new float[out.length];
			for (int b = 0; b < batchSize; b++) {
				Sample s = samples[b];
				Trainer.ContentImage img = content.get(s.image());
				crop(img.targets().get(styleIds.get(s.style())), img.width(), img.height(), s, targets, b);
			}
		}
		return new Batch(out, List.of(samples), targets);
	}

	/** Whether the samples carry target crops (training towards target images). */
	public boolean towardsTargets() {
		return distill;
	}

	/** The sample's square of {@code rgb} (w x h, CHW), flipped if the sample is, resized to the crop size, into slot {@code b} of {@code out}. */
	private void crop(float[] rgb, int w, int h, Sample s, float[] out, int b) {
		int c = cropSize, cs = s.side();
		float[] crop = new float[3 * cs * cs];
		for (int ch = 0; ch < 3; ch++) {
			for (int y = 0; y < cs; y++) {
				for (int x = 0; x < cs; x++) {
					int sx = s.flipped() ? s.x0() + cs - 1 - x : s.x0() + x;
					crop[ch * cs * cs + y * cs + x] = rgb[ch * w * h + (s.y0() + y) * w + sx];
				}
			}
		}
		float[] scaled = Resize.area(crop, 3, cs, cs, c, c);
		System.arraycopy(scaled, 0, out, b * 3 * c * c, scaled.length);
	}
}
