package org.neuralstyle.stylebank;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import org.neuralstyle.Progress;
import org.neuralstyle.gatys.Losses;
import org.neuralstyle.image.Resize;
import org.neuralstyle.nn.Autograd;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;
import org.neuralstyle.nn.Vgg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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

	/** Every training setting; see the README for defaults and meaning. */
	public record Settings(int[] channels, int bankKernel, int cropSize, int batchSize, int iterations, double learningRate,
		double decay, int decayEvery, double contentWeight, double styleWeight, double tvWeight, int t, double lambda, long seed,
		int checkpointEvery, List<String> contentLayers, List<String> styleLayers)
	{
		public Settings {
			if (channels == null || channels.length != 3) throw new IllegalArgumentException("channels must be three numbers");
			for (int c : channels) if (c < 1 || c > 1024) throw new IllegalArgumentException("channels must be 1..1024");
			if (bankKernel < 1 || bankKernel % 2 == 0) throw new IllegalArgumentException("bank kernel must be odd");
			if (cropSize < 16 || cropSize % 4 != 0 || cropSize > 2048) throw new IllegalArgumentException("crop size must be a multiple of 4 in 16..2048");
			if (batchSize < 1 || batchSize > 64) throw new IllegalArgumentException("batch size must be 1..64");
			if (iterations < 1) throw new IllegalArgumentException("iterations must be at least 1");
			if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be positive");
			if (!(decay > 0 && decay <= 1) || decayEvery < 1) throw new IllegalArgumentException("decay must be in (0, 1], decay_every >= 1");
			if (!(contentWeight >= 0) || !(styleWeight >= 0) || !(tvWeight >= 0)) throw new IllegalArgumentException("loss weights must be >= 0");
			if (t < 1) throw new IllegalArgumentException("T must be at least 1");
			if (!(lambda >= 0)) throw new IllegalArgumentException("lambda must be >= 0");
			if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint interval must be >= 0");
			contentLayers = List.copyOf(contentLayers);
			styleLayers = List.copyOf(styleLayers);
		}

		/** Content at relu3_3, style at relu1_2, relu2_2, relu3_3, relu4_3 (the layers of Johnson et al. 2016). */
		public static Settings defaults() {
			return new Settings(new int[] { 32, 64, 128 }, 3, 256, 4, 20000, 0.01, 0.8, 5000, 1, 1e5, 1e-4, 2, 1, 0, 1000,
				List.of("relu3_3"), List.of("relu1_2", "relu2_2", "relu3_3", "relu4_3"));
		}

		public JsonObject toJson() {
			return new Gson().toJsonTree(this).getAsJsonObject();
		}
	}

	/** A style to learn: id, display name, the image (CHW in [0, 1]) and the file it came from. */
	public record StyleImage(String id, String name, float[] rgb, int width, int height, String source) {}

	/** A content image (CHW in [0, 1]); crops and flips of it are the training samples. */
	public record ContentImage(float[] rgb, int width, int height) {}

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

	private final Settings s;
	private final Vgg vgg;
	private final StyleBankNetwork net;
	private final List<StyleImage> styles;
	private final boolean incremental;
	private final Map<String, NDArray> params;
	private final Set<String> autoencoderKeys = new LinkedHashSet<>();
	private final NDManager state;
	private final Map<String, NDArray> adamM = new HashMap<>();
	private final Map<String, NDArray> adamV = new HashMap<>();
	private final Map<String, Integer> adamT = new HashMap<>();
	private final Map<String, List<NDArray>> styleTargets = new HashMap<>();
	private final List<LossRecord> history = new ArrayList<>();
	private int iteration;
	private double lastStyleGradNorm = Double.NaN;
	private int previewEvery;
	private ContentImage previewImage;

	/** Shows {@code image} stylized in every style every {@code every} iterations (0 = never). */
	public void setPreview(int every, ContentImage image) {
		this.previewEvery = every;
		this.previewImage = image;
	}

	private Trainer(Settings s, Vgg vgg, StyleBankModel initial, List<StyleImage> styles, boolean incremental, Device device) {
		this.s = s;
		this.vgg = vgg;
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
		for (StyleImage st : styles) styleTargets.put(st.id(), styleGrams(st));
	}

	private boolean trainable(String key) {
		return !(incremental && autoencoderKeys.contains(key));
	}

	/** A new model with random weights (He-normal convolutions, zero biases; small random banks) for these styles. */
	public static Trainer fresh(Settings s, Vgg vgg, List<StyleImage> styles, Device device) {
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
		return new Trainer(s, vgg, m, styles, false, device);
	}

	/** Learns one new bank for {@code style}; the model's autoencoder is frozen and never rewritten. */
	public static Trainer incremental(StyleBankModel base, Settings s, Vgg vgg, StyleImage style, Device device) {
		if (base.style(style.id()) != null) {
			throw new IllegalArgumentException("model '" + base.name() + "' already has a style '" + style.id() + "'; choose another id");
		}
		Settings fitted = new Settings(base.channels(), base.bankKernel(), s.cropSize(), s.batchSize(), s.iterations(), s.learningRate(),
			s.decay(), s.decayEvery(), s.contentWeight(), s.styleWeight(), s.tvWeight(), s.t(), s.lambda(), s.seed(), s.checkpointEvery(),
			s.contentLayers(), s.styleLayers());
		base.putStyle(style.id(), style.name(), newBank(new Random(s.seed()), base.channels()[2], base.bankKernel()), style.source());
		return new Trainer(fitted, vgg, base, List.of(style), true, device);
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
			Map<String, NDArray> f = vgg.features(tmp.create(rgb, new Shape(1, 3, sz[1], sz[0])), Set.copyOf(s.styleLayers()));
			for (String l : s.styleLayers()) {
				NDArray g = Losses.gramBatch(f.get(l));
				g.attach(state);
				out.add(g);
			}
		}
		return out;
	}

	static int[] fit(int w, int h, int longSide) {
		double k = (double) longSide / Math.max(w, h);
		return new int[] { Math.max(8, (int) Math.round(w * k)), Math.max(8, (int) Math.round(h * k)) };
	}

	/** Runs until {@code s.iterations} or cancel; checkpoints into {@code checkpointDir} (if not null). */
	public void train(List<ContentImage> content, Path checkpointDir, Listener listener) throws IOException {
		if (content.isEmpty()) throw new IllegalArgumentException("no content images");
		try (Autograd.Session session = Autograd.begin(incremental ? "learning a style" : "a StyleBank training")) {
			while (iteration < s.iterations()) {
				if (listener.cancelled()) {
					if (checkpointDir != null) saveCheckpoint(checkpointDir);
					throw new Progress.CancelledException();
				}
				Random r = new Random(s.seed() * 1_000_003L + iteration);
				float[] batch = sampleBatch(content, r);
				double lr = s.learningRate() * Math.pow(s.decay(), iteration / s.decayEvery());
				boolean autoencoderStep = !incremental && iteration % (s.t() + 1) == s.t();
				LossRecord rec = autoencoderStep ? autoencoderStep(session, batch, lr) : stylizeStep(session, batch, r, lr);
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
				if (checkpointDir != null && s.checkpointEvery() > 0 && iteration % s.checkpointEvery() == 0) {
					saveCheckpoint(checkpointDir);
					listener.checkpoint(iteration, checkpointDir);
				}
			}
		}
	}

	private float[] sampleBatch(List<ContentImage> content, Random r) {
		int c = s.cropSize(), n = s.batchSize();
		float[] out = new float[n * 3 * c * c];
		for (int b = 0; b < n; b++) {
			ContentImage img = content.get(r.nextInt(content.size()));
			// a random crop of a random scale (the crop covers 50-100 % of the short side), flipped half the time
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
		}
		return out;
	}

	private LossRecord stylizeStep(Autograd.Session session, float[] batch, Random r, double lr) {
		int n = s.batchSize(), c = s.cropSize();
		List<Integer> choice = new ArrayList<>();
		for (int b = 0; b < n; b++) choice.add(r.nextInt(styles.size()));
		double loss, lc, ls;
		Map<String, Double> grads;
		Set<String> used = new LinkedHashSet<>(autoencoderKeys);
		for (int k : choice) {
			used.add("bank." + styles.get(k).id() + ".weight");
			used.add("bank." + styles.get(k).id() + ".bias");
		}
		try (NDManager m = state.newSubManager()) {
			zeroGradients();
			NDArray x = m.create(batch, new Shape(n, 3, c, c));
			Map<String, NDArray> target;
			Engines.inferenceMode();
			target = vgg.features(x, Set.copyOf(s.contentLayers()));
			try (GradientCollector gc = session.collector()) {
				NDArray f = net.encode(x);
				NDList parts = new NDList();
				for (int b = 0; b < n; b++) {
					try (NDArray fb = f.get(b + ":" + (b + 1))) {
						parts.add(net.bank(fb, StyleMix.single(styles.get(choice.get(b)).id())));
					}
				}
				NDArray fused = NDArrays.concat(parts);
				NDArray y = net.decode(fused, false);
				Set<String> layers = new LinkedHashSet<>(s.contentLayers());
				layers.addAll(s.styleLayers());
				Map<String, NDArray> fy = vgg.features(y, layers);
				NDArray content = m.zeros(new Shape());
				for (String l : s.contentLayers()) content = content.add(Losses.content(fy.get(l), target.get(l)));
				NDArray style = m.zeros(new Shape());
				for (int li = 0; li < s.styleLayers().size(); li++) {
					NDArray g = Losses.gramBatch(fy.get(s.styleLayers().get(li)));
					for (int b = 0; b < n; b++) {
						try (NDArray gb = g.get(b + ":" + (b + 1))) {
							style = style.add(Losses.style(gb, styleTargets.get(styles.get(choice.get(b)).id()).get(li)));
						}
					}
				}
				style = style.div((float) (n * s.styleLayers().size()));
				NDArray tv = Losses.totalVariation(y);
				NDArray total = content.mul((float) s.contentWeight()).add(style.mul((float) s.styleWeight()))
					.add(tv.mul((float) s.tvWeight()));
				gc.backward(total);
				loss = total.getFloat();
				lc = content.getFloat() * s.contentWeight();
				ls = style.getFloat() * s.styleWeight();
			}
			double norm = incremental ? 0 : gradNorm(autoencoderKeys);
			Set<String> banks = new LinkedHashSet<>(used);
			banks.removeAll(autoencoderKeys);
			double bankNorm = gradNorm(banks);
			Engines.inferenceMode();
			if (!Double.isFinite(loss) || !Double.isFinite(norm) || !Double.isFinite(bankNorm)) return skipped("stylize", loss);
			if (!incremental) lastStyleGradNorm = norm;
			for (String key : used) if (trainable(key)) adam(key, lr, 1);
		}
		nonFinite = 0;
		return new LossRecord(iteration + 1, "stylize", loss, lc, ls);
	}

	private LossRecord autoencoderStep(Autograd.Session session, float[] batch, double lr) {
		int n = s.batchSize(), c = s.cropSize();
		double loss;
		try (NDManager m = state.newSubManager()) {
			zeroGradients();
			NDArray x = m.create(batch, new Shape(n, 3, c, c));
			try (GradientCollector gc = session.collector()) {
				NDArray y = net.decode(net.encode(x), false);
				NDArray mse = y.sub(x).square().mean();
				gc.backward(mse);
				loss = mse.getFloat();
			}
			double aeNorm = gradNorm(autoencoderKeys);
			Engines.inferenceMode();
			if (!Double.isFinite(loss) || !Double.isFinite(aeNorm)) return skipped("autoencoder", loss);
			// the paper's rescaling, bounded so that a vanishing reconstruction gradient cannot overflow float
			double scale = Double.isNaN(lastStyleGradNorm) || aeNorm == 0 ? 1 : s.lambda() * lastStyleGradNorm / aeNorm;
			scale = Math.max(1e-3, Math.min(1e3, scale));
			for (String key : autoencoderKeys) adam(key, lr, scale);
		}
		nonFinite = 0;
		return new LossRecord(iteration + 1, "autoencoder", loss, loss, 0);
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

	/** One Adam step (beta1 0.9, beta2 0.999, eps 1e-8) on a parameter, its gradient scaled first. */
	private void adam(String key, double lr, double scale) {
		NDArray p = params.get(key);
		try (NDArray raw = p.getGradient(); NDArray g = raw.mul((float) scale)) {
			NDArray m = adamM.computeIfAbsent(key, k -> state.zeros(p.getShape()));
			NDArray v = adamV.computeIfAbsent(key, k -> state.zeros(p.getShape()));
			int t = adamT.merge(key, 1, Integer::sum);
			try (NDArray gm = g.mul(0.1f); NDArray g2 = g.square(); NDArray gv = g2.mul(0.001f)) {
				m.muli(0.9f).addi(gm);
				v.muli(0.999f).addi(gv);
			}
			double c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
			try (NDArray mh = m.div((float) c1); NDArray vh = v.div((float) c2); NDArray den = vh.sqrt().add(1e-8f);
				NDArray step = mh.div(den).mul((float) lr))
			{
				p.subi(step);
			}
		}
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
			training.addProperty("featureNetwork", vgg.description());
			training.addProperty("strategy", "(T+1) alternating, T=" + s.t() + ", lambda=" + s.lambda());
			out.setTraining(training);
		}
		for (StyleImage st : styles) {
			out.putStyle(st.id(), st.name(), new StyleBankModel.Bank(tensor(params.get("bank." + st.id() + ".weight")),
				tensor(params.get("bank." + st.id() + ".bias"))), st.source(), thumbnails == null ? null : thumbnails.get(st.id()));
		}
		return out;
	}

	private static Tensor tensor(NDArray a) {
		return new Tensor(a.getShape().getShape(), a.toFloatArray());
	}

	/** model.stylebank (the weights so far), optimizer.safetensors (Adam state) and checkpoint.json. */
	public void saveCheckpoint(Path dir) throws IOException {
		Files.createDirectories(dir);
		toModel("checkpoint", null).save(dir.resolve("model.stylebank"));
		Map<String, Tensor> opt = new LinkedHashMap<>();
		Map<String, String> steps = new LinkedHashMap<>();
		for (String k : adamM.keySet()) {
			opt.put("m." + k, tensor(adamM.get(k)));
			opt.put("v." + k, tensor(adamV.get(k)));
			steps.put("t." + k, String.valueOf(adamT.get(k)));
		}
		// each file written whole, then renamed: an interrupted checkpoint never leaves a half-written file
		StyleBankModel.writeAtomically(dir.resolve("optimizer.safetensors"), Safetensors.toBytes(opt, steps));
		JsonObject j = new JsonObject();
		j.addProperty("iteration", iteration);
		j.addProperty("lastStyleGradNorm", Double.isNaN(lastStyleGradNorm) ? -1 : lastStyleGradNorm);
		j.add("settings", s.toJson());
		Gson gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create(); // skipped steps hold NaN
		j.add("history", gson.toJsonTree(history));
		StyleBankModel.writeAtomically(dir.resolve("checkpoint.json"), gson.toJson(j).getBytes(StandardCharsets.UTF_8));
	}

	/** Continues a checkpoint of joint training: same settings, weights, optimizer state and position in the data stream. */
	public static Trainer resume(Path dir, Settings s, Vgg vgg, List<StyleImage> styles, Device device) throws IOException {
		StyleBankModel m = StyleBankModel.load(dir.resolve("model.stylebank"));
		Trainer t = new Trainer(s, vgg, m, styles, false, device);
		JsonObject j = com.google.gson.JsonParser.parseString(Files.readString(dir.resolve("checkpoint.json"))).getAsJsonObject();
		t.iteration = j.get("iteration").getAsInt();
		double g = j.get("lastStyleGradNorm").getAsDouble();
		t.lastStyleGradNorm = g < 0 ? Double.NaN : g;
		for (var e : j.getAsJsonArray("history")) t.history.add(new Gson().fromJson(e, LossRecord.class));
		byte[] opt = Files.readAllBytes(dir.resolve("optimizer.safetensors"));
		Map<String, Tensor> state = Safetensors.read(opt);
		Map<String, String> steps = Safetensors.metadata(opt);
		for (var e : steps.entrySet()) {
			String key = e.getKey().substring(2);
			if (!t.params.containsKey(key)) continue;
			t.adamT.put(key, Integer.parseInt(e.getValue()));
			Tensor mt = state.get("m." + key), vt = state.get("v." + key);
			t.adamM.put(key, t.state.create(mt.data(), new Shape(mt.shape())));
			t.adamV.put(key, t.state.create(vt.data(), new Shape(vt.shape())));
		}
		return t;
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
		net.close();
		state.close();
	}

	public static String describe(LossRecord r) {
		return String.format(Locale.ROOT, "%s loss %.4g (content %.3g, style %.3g)", r.branch(), r.loss(), r.content(), r.style());
	}
}
