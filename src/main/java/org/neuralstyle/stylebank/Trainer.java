// Over 300 lines: the (T+1) training loop with its loss terms and listener calls in one place; settings,
// data stream, Adam state and checkpoints are in TrainingSettings, TrainingData, AdamState, Checkpoint.
package org.neuralstyle.stylebank;

import org.neuralstyle.nn.Scalars;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.neuralstyle.Progress;
import org.neuralstyle.nn.Losses;
import org.neuralstyle.image.Resize;
import org.neuralstyle.nn.Autograd;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Tensor;
import org.neuralstyle.nn.FeatureNetwork;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Trains StyleBank (Chen et al. 2017). Joint training uses the (T+1) alternating strategy: T
 * steps on the stylizing branch (encoder, the bank of each sample's style, decoder; perceptual
 * loss) then one step on the autoencoder branch (MSE reconstruction), whose gradient is
 * rescaled to lambda * |grad of the last stylizing step| / |grad of the autoencoder step| (both
 * over the autoencoder's parameters). Incremental training freezes the autoencoder and learns
 * one new bank. Adam; step learning-rate decay; seeded crops, flips and style choices (one
 * Random per iteration, so a resumed run sees the same data as an uninterrupted one).
 */
public final class Trainer implements AutoCloseable {

	/** A style to learn: id, display name, the image (CHW in [0, 1]) and the file it came from. */
	public record StyleImage(String id, String name, float[] rgb, int width, int height, String source) {}

	/**
	 * A content image (CHW in [0, 1]); crops and flips of it are the training samples.
	 * {@code targets}: for training towards target images (distillation), per style id the image
	 * the stylized content should look like, of the same size (CHW); empty otherwise.
	 */
	public record ContentImage(float[] rgb, int width, int height, Map<String, float[]> targets) {
		public ContentImage {
			targets = Map.copyOf(targets);
			for (var e : targets.entrySet()) {
				if (e.getValue().length != rgb.length) {
					throw new IllegalArgumentException("the target image for style '" + e.getKey() + "' must have the content image's size");
				}
			}
		}

		public ContentImage(float[] rgb, int width, int height) {
			this(rgb, width, height, Map.of());
		}
	}

	/** Hears about each iteration; may ask to stop. */
	public interface Listener {
		void iteration(int iteration, int total, String branch, double loss, double content, double style);

		default boolean cancelled() {
			return false;
		}

		default void checkpoint(int iteration, Path dir) {}

		/** Every previewEvery iterations: the preview image stylized in each style (CHW, clamped). */
		default void preview(int iteration, List<String> styleIds, List<float[]> images, int width, int height) {}
	}

	/** One entry of the loss history. */
	public record LossRecord(int iteration, String branch, double loss, double content, double style) {}

	private final TrainingSettings s;
	private final FeatureNetwork lossNet;
	private final StyleBankNetwork net;
	private final List<StyleImage> styles;
	private final boolean incremental;
	private final Map<String, NDArray> params;
	private final Set<String> autoencoderKeys = new LinkedHashSet<>();
	private final NDManager state;
	private final AdamState adam;
	private final Map<String, List<NDArray>> styleTargets = new HashMap<>();
	/** Per style, per style layer: the factor of its term (1, or 1 / mean square of the target with relative losses). */
	private final Map<String, double[]> styleScales = new HashMap<>();
	private final List<LossRecord> history = new ArrayList<>();
	private int iteration;
	private double lastStyleGradNorm = Double.NaN;
	private int previewEvery;
	/** Whether the last {@link #train} ran towards target images (recorded in the manifest). */
	private boolean towardsTargets;
	/** Resumed with other settings: each earlier part's settings and the iteration it ran to (for the manifest). */
	private final JsonArray earlier = new JsonArray();
	private ContentImage previewImage;

	/** Shows {@code image} stylized in every style every {@code every} iterations (0 = never). */
	public void setPreview(int every, ContentImage image) {
		this.previewEvery = every;
		this.previewImage = image;
	}

	private Trainer(TrainingSettings s, FeatureNetwork lossNet, StyleBankModel initial, List<StyleImage> styles, boolean incremental, Device device) {
		this.s = s.withNetworkDefaults(lossNet);
		this.lossNet = lossNet;
		this.styles = List.copyOf(styles);
		this.incremental = incremental;
		this.net = new StyleBankNetwork(initial, device, false); // float32: gradients must reach the live weights
		List<String> ids = new ArrayList<>();
		for (StyleImage st : styles) ids.add(st.id());
		this.params = net.parameters(ids);
		for (String layer : StyleBankModel.LAYERS) {
			autoencoderKeys.add(layer + ".weight");
			autoencoderKeys.add(layer + ".bias");
		}
		for (var e : params.entrySet()) if (trainable(e.getKey())) e.getValue().setRequiresGradient(true);
		this.state = Engines.pytorch().newBaseManager(device);
		this.adam = new AdamState(state);
		for (StyleImage st : styles) styleTargets.put(st.id(), styleGrams(st));
	}

	private boolean trainable(String key) {
		return !(incremental && autoencoderKeys.contains(key));
	}

	/** A new model with random weights (He-normal convolutions, zero biases; small random banks) for these styles. */
	public static Trainer fresh(TrainingSettings s, FeatureNetwork lossNet, List<StyleImage> styles, Device device) {
		if (styles.isEmpty()) throw new IllegalArgumentException("no style images");
		Random r = new Random(s.seed());
		Map<String, Tensor> ae = new LinkedHashMap<>();
		for (String layer : StyleBankModel.LAYERS) {
			long[] shape = StyleBankModel.expectedShape(layer, s.channels());
			ae.put(layer + ".weight", he(r, shape));
			float[] bias = new float[(int) shape[0]];
			if (layer.equals("decoder.conv3")) java.util.Arrays.fill(bias, 0.5f); // start near mid-grey
			ae.put(layer + ".bias", new Tensor(new long[] { shape[0] }, bias));
		}
		StyleBankModel m = StyleBankModel.create("stylebank", s.channels(), s.bankKernel(), ae);
		for (StyleImage st : styles) m.putStyle(st.id(), st.name(), newBank(r, s.channels()[2], s.bankKernel()), st.source());
		return new Trainer(s, lossNet, m, styles, false, device);
	}

	/** Learns one new bank for {@code style}; the model's autoencoder is frozen and never rewritten. */
	public static Trainer incremental(StyleBankModel base, TrainingSettings s, FeatureNetwork lossNet, StyleImage style, Device device) {
		if (base.style(style.id()) != null) {
			throw new IllegalArgumentException("model '" + base.name() + "' already has a style '" + style.id() + "'; choose another id");
		}
		TrainingSettings fitted = s.withNetwork(base.channels(), base.bankKernel());
		base.putStyle(style.id(), style.name(), newBank(new Random(s.seed()), base.channels()[2], base.bankKernel()), style.source());
		return new Trainer(fitted, lossNet, base, List.of(style), true, device);
	}

	static Tensor he(Random r, long[] shape) {
		int n = (int) (shape[0] * shape[1] * shape[2] * shape[3]);
		double std = Math.sqrt(2.0 / (shape[1] * shape[2] * shape[3]));
		float[] d = new float[n];
		for (int i = 0; i < n; i++) d[i] = (float) (r.nextGaussian() * std);
		return new Tensor(shape, d);
	}

	static StyleBankModel.Bank newBank(Random r, int c, int k) {
		long[] shape = { c, c, k, k };
		Tensor w = he(r, shape);
		for (int i = 0; i < w.data().length; i++) w.data()[i] *= 0.5f;
		return new StyleBankModel.Bank(w, new Tensor(new long[] { c }, new float[c]));
	}

	public int iteration() {
		return iteration;
	}

	public List<LossRecord> history() {
		return List.copyOf(history);
	}

	/** The style's Gram targets, from the style image scaled so its long side is the crop size. */
	private List<NDArray> styleGrams(StyleImage st) {
		int[] sz = fit(st.width(), st.height(), s.cropSize());
		float[] rgb = Resize.area(st.rgb(), 3, st.width(), st.height(), sz[0], sz[1]);
		List<NDArray> out = new ArrayList<>();
		try (NDManager tmp = state.newSubManager()) {
			Engines.inferenceMode();
			Map<String, NDArray> f = lossNet.features(tmp.create(rgb, new Shape(1, 3, sz[1], sz[0])), Set.copyOf(s.styleLayers()));
			for (String l : s.styleLayers()) {
				NDArray g = Losses.gramBatch(f.get(l));
				g.attach(state);
				out.add(g);
			}
		}
		double[] scales = new double[out.size()];
		for (int i = 0; i < scales.length; i++) scales[i] = FeatureNetwork.termScale(lossNet, out.get(i));
		styleScales.put(st.id(), scales);
		return out;
	}

	static int[] fit(int w, int h, int longSide) {
		double k = (double) longSide / Math.max(w, h);
		return new int[] { Math.max(8, (int) Math.round(w * k)), Math.max(8, (int) Math.round(h * k)) };
	}

	/**
	 * Runs until {@code s.iterations} or cancel; checkpoints into {@code checkpointDir} (if not null) every
	 * {@code checkpointEvery} iterations, on cancel and at the last iteration (none when {@code checkpointEvery} is 0).
	 */
	public void train(List<ContentImage> content, Path checkpointDir, Listener listener) throws IOException {
		List<String> styleIds = new ArrayList<>();
		for (StyleImage st : styles) styleIds.add(st.id());
		TrainingData data = new TrainingData(content, styleIds, s);
		towardsTargets = data.towardsTargets();
		try (Autograd.Session session = Autograd.begin(incremental ? "learning a style" : "a StyleBank training");
			Engines.Threads threads = s.deterministic() ? Engines.singleThreaded() : Engines.Threads.UNCHANGED)
		{
			while (iteration < s.iterations()) {
				if (listener.cancelled()) {
					if (checkpointDir != null) saveCheckpoint(checkpointDir);
					throw new Progress.CancelledException();
				}
				TrainingData.Batch batch = data.batch(iteration);
				double lr = s.learningRate() * Math.pow(s.decay(), iteration / s.decayEvery());
				boolean autoencoderStep = !incremental && iteration % (s.t() + 1) == s.t();
				LossRecord rec = autoencoderStep ? autoencoderStep(session, batch, lr) : stylizeStep(session, batch, lr);
				history.add(rec);
				iteration++;
				listener.iteration(iteration, s.iterations(), rec.branch(), rec.loss(), rec.content(), rec.style());
				if (previewEvery > 0 && previewImage != null && iteration % previewEvery == 0) {
					List<String> ids = new ArrayList<>();
					List<float[]> images = new ArrayList<>();
					for (StyleImage st : styles) {
						ids.add(st.id());
						images.add(preview(previewImage.rgb(), previewImage.width(), previewImage.height(), st.id()));
					}
					listener.preview(iteration, ids, images, previewImage.width(), previewImage.height());
				}
				// every checkpointEvery iterations, and at the end: a finished run's checkpoint is where it finished, so that
				// resume=true with more iterations continues from there (not from the last multiple of checkpointEvery)
				boolean last = iteration == s.iterations();
				if (checkpointDir != null && s.checkpointEvery() > 0 && (iteration % s.checkpointEvery() == 0 || last)) {
					saveCheckpoint(checkpointDir);
					listener.checkpoint(iteration, checkpointDir);
				}
			}
		}
	}

	private LossRecord stylizeStep(Autograd.Session session, TrainingData.Batch batch, double lr) {
		int n = s.batchSize(), c = s.cropSize();
		List<Integer> choice = new ArrayList<>();
		for (TrainingData.Sample sample : batch.samples()) choice.add(sample.style());
		double loss, lc = 0, ls;
		Map<String, Double> grads;
		Set<String> used = new LinkedHashSet<>(autoencoderKeys);
		for (int k : choice) {
			used.add("bank." + styles.get(k).id() + ".weight");
			used.add("bank." + styles.get(k).id() + ".bias");
		}
		try (NDManager m = state.newSubManager()) {
			zeroGradients();
			NDArray x = m.create(batch.pixels(), new Shape(n, 3, c, c));
			// towards target images (distillation): the content term compares with the target's features
			NDArray goal = batch.targets() == null ? x : m.create(batch.targets(), new Shape(n, 3, c, c));
			Map<String, NDArray> target;
			Engines.inferenceMode();
			target = lossNet.features(goal, Set.copyOf(s.contentLayers()));
			try (GradientCollector gc = session.collector()) {
				NDArray f = net.encode(x);
				NDList parts = new NDList();
				for (int b = 0; b < n; b++) {
					try (NDArray fb = f.get(b + ":" + (b + 1))) {
						parts.add(net.bank(fb, StyleMix.single(styles.get(choice.get(b)).id())));
					}
				}
				// one sample: that part itself (NDArrays.concat would copy it with DJL's duplicate(), which cuts the gradient)
				NDArray fused = parts.size() == 1 ? parts.head() : NDArrays.concat(parts);
				NDArray y = net.decode(fused, false);
				Set<String> layers = new LinkedHashSet<>(s.contentLayers());
				boolean styleTerm = s.styleWeight() > 0; // 0 (training towards targets): no Gram matrices computed
				if (styleTerm) layers.addAll(s.styleLayers());
				Map<String, NDArray> fy = lossNet.features(y, layers);
				NDArray content = m.zeros(new Shape());
				for (String l : s.contentLayers()) {
					content = content.add(Scalars.times(Losses.content(fy.get(l), target.get(l)), FeatureNetwork.termScale(lossNet, target.get(l))));
				}
				NDArray style = m.zeros(new Shape());
				for (int li = 0; styleTerm && li < s.styleLayers().size(); li++) {
					NDArray g = Losses.gramBatch(fy.get(s.styleLayers().get(li)));
					for (int b = 0; b < n; b++) {
						try (NDArray gb = g.get(b + ":" + (b + 1))) {
							String id = styles.get(choice.get(b)).id();
							style = style.add(Scalars.times(Losses.style(gb, styleTargets.get(id).get(li)), styleScales.get(id)[li]));
						}
					}
				}
				style = Scalars.over(style, n * s.styleLayers().size());
				NDArray tv = Losses.totalVariation(y);
				NDArray total = Scalars.times(content, s.contentWeight()).add(Scalars.times(style, s.styleWeight()))
					.add(Scalars.times(tv, s.tvWeight()));
				if (batch.targets() != null) {
					NDArray pixels = Losses.meanAbsolute(y, goal);
					lc += pixels.getFloat() * s.pixelWeight();
					total = total.add(Scalars.times(pixels, s.pixelWeight()));
				}
				session.backward(gc, total);
				loss = total.getFloat();
				lc += content.getFloat() * s.contentWeight();
				ls = style.getFloat() * s.styleWeight();
			}
			double norm = incremental ? 0 : gradNorm(autoencoderKeys);
			Set<String> banks = new LinkedHashSet<>(used);
			banks.removeAll(autoencoderKeys);
			double bankNorm = gradNorm(banks);
			Engines.inferenceMode();
			if (!Double.isFinite(loss) || !Double.isFinite(norm) || !Double.isFinite(bankNorm)) return skipped("stylize", loss);
			if (!incremental) lastStyleGradNorm = norm;
			for (String key : used) if (trainable(key)) adam.step(key, params.get(key), lr, 1);
		}
		nonFinite = 0;
		return new LossRecord(iteration + 1, "stylize", loss, lc, ls);
	}

	private LossRecord autoencoderStep(Autograd.Session session, TrainingData.Batch batch, double lr) {
		int n = s.batchSize(), c = s.cropSize();
		double loss;
		try (NDManager m = state.newSubManager()) {
			zeroGradients();
			NDArray x = m.create(batch.pixels(), new Shape(n, 3, c, c));
			try (GradientCollector gc = session.collector()) {
				NDArray y = net.decode(net.encode(x), false);
				NDArray mse = y.sub(x).square().mean();
				session.backward(gc, mse);
				loss = mse.getFloat();
			}
			double aeNorm = gradNorm(autoencoderKeys);
			Engines.inferenceMode();
			if (!Double.isFinite(loss) || !Double.isFinite(aeNorm)) return skipped("autoencoder", loss);
			double scale = reconstructionScale(s.lambda(), lastStyleGradNorm, aeNorm);
			for (String key : autoencoderKeys) adam.step(key, params.get(key), lr, scale);
		}
		nonFinite = 0;
		return new LossRecord(iteration + 1, "autoencoder", loss, loss, 0);
	}

	/**
	 * The paper's rescaling of the reconstruction gradient: lambda times the norm of the last
	 * stylizing gradient over its own (1 before the first stylizing step). The stylizing norm is
	 * finite (checked there), so the result needs no bound. Until 2026-12-03 it was bounded to
	 * [1e-3, 1e3]; with the offline network's style weights the unbounded factor is 3e3 to 1e7,
	 * so the autoencoder got 1e-4 to 0.3 of its share and lambda had no effect. (Removing the bound
	 * did not remove the embossing of the Gram-trained default model of that time: README, "The default model".)
	 */
	static double reconstructionScale(double lambda, double styleNorm, double aeNorm) {
		if (Double.isNaN(styleNorm) || aeNorm == 0) return 1;
		double scale = lambda * styleNorm / aeNorm;
		return Double.isFinite(scale) ? scale : 1;
	}

	private int nonFinite;

	/** A step whose loss or gradient is not finite changes nothing; ten in a row stop training. */
	private LossRecord skipped(String branch, double loss) {
		if (++nonFinite >= 10) {
			throw new IllegalStateException("training diverged at iteration " + (iteration + 1) + " (the loss is " + loss
				+ " for 10 steps in a row); resume from the last checkpoint with a lower learning rate (lr=)");
		}
		return new LossRecord(iteration + 1, branch, loss, Double.NaN, Double.NaN);
	}

	private void zeroGradients() {
		for (var e : params.entrySet()) {
			if (trainable(e.getKey()) && e.getValue() instanceof PtNDArray pt && JniUtils.requiresGrad(pt)) {
				try {
					JniUtils.zeroGrad(pt);
				}
				catch (RuntimeException noGradientYet) {
					// nothing accumulated yet
				}
			}
		}
	}

	private double gradNorm(Set<String> keys) {
		double sum = 0;
		for (String k : keys) {
			try (NDArray g = params.get(k).getGradient(); NDArray sq = g.square(); NDArray t = sq.sum()) {
				sum += t.getFloat();
			}
		}
		return Math.sqrt(sum);
	}

	// ---------------------------------------------------------------- results and checkpoints

	/** The current weights as a model (a new autoencoder for joint training; the base plus the new bank for incremental). */
	public StyleBankModel toModel(String name, Map<String, byte[]> thumbnails) {
		Map<String, Tensor> ae = new LinkedHashMap<>();
		for (String k : autoencoderKeys) ae.put(k, tensor(params.get(k)));
		StyleBankModel base = net.model();
		StyleBankModel out;
		if (incremental) {
			out = base;
		}
		else {
			out = StyleBankModel.create(name, s.channels(), s.bankKernel(), ae);
			JsonObject training = new JsonObject();
			training.add("settings", s.toJson());
			training.addProperty("iterations", iteration);
			training.addProperty("featureNetwork", lossNet.description());
			training.addProperty("strategy", "(T+1) alternating, T=" + s.t() + ", lambda=" + s.lambda());
			if (towardsTargets) {
				training.addProperty("towards", "target images per style and content image (distillation): pixel and feature terms,"
					+ " pixelWeight x mean |y - target| + contentWeight x relative feature distance at the content layers"
					+ (s.styleWeight() > 0 ? ", plus styleWeight x the Gram terms of the style images at the style layers" : ""));
			}
			if (!earlier.isEmpty()) training.add("earlier", earlier.deepCopy());
			out.setTraining(training);
		}
		for (StyleImage st : styles) {
			out.putStyle(st.id(), st.name(), new StyleBankModel.Bank(tensor(params.get("bank." + st.id() + ".weight")),
				tensor(params.get("bank." + st.id() + ".bias"))), st.source(), thumbnails == null ? null : thumbnails.get(st.id()));
		}
		return out;
	}

	private static Tensor tensor(NDArray a) {
		return AdamState.tensor(a);
	}

	/** Saves the weights so far, the optimizer state and the position in the data stream (see {@link Checkpoint}). */
	public void saveCheckpoint(Path dir) throws IOException {
		new Checkpoint(toModel("checkpoint", null), adam.tensors(), adam.stepCounts(), iteration, lastStyleGradNorm, history)
			.save(dir, s);
	}

	/** Continues a checkpoint of joint training: same settings, weights, optimizer state and position in the data stream. */
	public static Trainer resume(Path dir, TrainingSettings s, FeatureNetwork lossNet, List<StyleImage> styles, Device device) throws IOException {
		Checkpoint c = Checkpoint.load(dir);
		Trainer t = new Trainer(s, lossNet, c.model(), styles, false, device);
		t.iteration = c.iteration();
		t.lastStyleGradNorm = c.lastStyleGradNorm();
		t.history.addAll(c.history());
		t.adam.restore(c.adam(), c.adamSteps(), t.params.keySet());
		JsonObject before = c.model().training();
		if (before != null && before.get("earlier") instanceof JsonArray parts) t.earlier.addAll(parts);
		if (before != null && before.get("settings") instanceof JsonObject was && !learning(was).equals(learning(t.s.toJson()))) {
			// continued with other settings (a fine-tuning): the manifest keeps what the iterations before ran with; compared with
			// the settings as the trainer completed them for its loss network (what the checkpoint's manifest holds)
			JsonObject part = new JsonObject();
			part.addProperty("untilIteration", c.iteration());
			part.add("settings", before.get("settings"));
			t.earlier.add(part);
		}
		return t;
	}

	/** Settings as JSON without the run length and checkpoint interval (which a plain resume may change). */
	private static JsonObject learning(JsonObject settings) {
		JsonObject j = settings.deepCopy();
		j.remove("iterations");
		j.remove("checkpointEvery");
		return j;
	}

	/** The optimizer state as a checkpoint saves it (a restored state equals the saved one bit for bit). */
	Map<String, Tensor> optimizerState() {
		return adam.tensors();
	}

	/** Stylizes a CHW image with a trained style (for previews), clamped, as CHW. */
	public float[] preview(float[] rgb, int w, int h, String styleId) {
		try (NDManager m = state.newSubManager()) {
			Engines.inferenceMode();
			return net.apply(m.create(rgb, new Shape(1, 3, h, w)), StyleMix.single(styleId)).toFloatArray();
		}
	}

	@Override
	public void close() {
		adam.close();
		net.close();
		state.close();
	}
}
