package org.neuralstyle.imagej;

import ai.djl.Device;

import org.neuralstyle.Progress;
import org.neuralstyle.gatys.FeatureNetworks;
import org.neuralstyle.gatys.VggWeights;
import org.neuralstyle.nn.EngineSettings;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.FeatureNetwork;
import org.neuralstyle.nn.Vgg;
import org.neuralstyle.stylebank.DefaultModel;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.Trainer;
import org.neuralstyle.stylebank.TrainingSettings;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * StyleBank training from folders of images (joint training of a new model) and incremental
 * learning of one new style for an existing model, with typed requests built from the options
 * of every door (dialogs, macros, SciJava commands, headless macros).
 */
public final class TrainingRunner {

	/**
	 * The training settings as options (defaults in brackets): size [256] (crop size), batch [4],
	 * iterations [20000], lr [0.01], decay [0.8] every decay_every [5000] iterations,
	 * content_weight [1], style_weight [the loss network's: 1e5 with VGG, 200 offline], tv_weight
	 * [1e-4], t [2] (stylizing steps per autoencoder step), lambda [1], seed [0], channels
	 * [32,64,128], bank_kernel [3], checkpoint_every [1000], content_layers and style_layers [the
	 * loss network's: VGG relu3_3 and relu1_2,relu2_2,relu3_3,relu4_3; offline scale3 and
	 * scale1,...,scale4], deterministic [false], pixel_weight [10] (only with targets).
	 */
	public static final Set<String> SETTINGS_KEYS = Set.of("size", "batch", "iterations", "lr", "decay", "decay_every",
		"content_weight", "style_weight", "tv_weight", "t", "lambda", "seed", "channels", "bank_kernel", "checkpoint_every",
		"content_layers", "style_layers", "deterministic", "pixel_weight");

	/** Joint training's options. */
	public static final Set<String> TRAIN_KEYS = Options.keys(SETTINGS_KEYS, Set.of("content", "styles", "output", "name", "network",
		"download", "device", "checkpoint", "resume", "preview_every", "targets"));

	/** Incremental learning's options. */
	public static final Set<String> LEARN_KEYS = Options.keys(SETTINGS_KEYS, Set.of("model", "style", "id", "name", "content",
		"network", "download", "device", "output", "targets"));

	/**
	 * previewEvery: every N iterations the first content image in every style (0 = never, -1 = 500
	 * when someone watches). targets (null: none): a folder with one subfolder per style id holding
	 * an image per content image that the stylized content should look like (distillation, for
	 * example Gatys results); the style weight is then 0 unless asked.
	 */
	public record TrainRequest(Path content, Path styles, Path output, String name, String network, boolean download,
		Engines.DeviceChoice device, Path checkpoint, boolean resume, int previewEvery, Path targets, TrainingSettings training,
		EngineSettings engine)
	{
		public static TrainRequest from(Options o, EngineSettings engine) {
			Path output = o.path("output", "where to write the model: NAME.stylebank or NAME.stylebank.zip");
			String defaultName = output.getFileName().toString().replaceAll("\\.stylebank(\\.zip)?$", "");
			Path targets = targetsOption(o);
			TrainingSettings s = towards(targets, o, settings(o, TrainingSettings.defaults()));
			return new TrainRequest(o.path("content", "a folder of content images"), o.path("styles", "a folder with one image per style"),
				output, o.get("name", defaultName), networkOption(o), o.flag("download", false), o.device(engine.device()),
				Path.of(o.get("checkpoint", output + ".checkpoint")), o.flag("resume", false), o.integer("preview_every", -1),
				targets, s, engine);
		}
	}

	/**
	 * output: where the extended model goes (the model itself unless asked). targets (null: none):
	 * as for {@link TrainRequest}, with one subfolder, named by the new style's id.
	 */
	public record LearnRequest(Path model, Path style, String id, String name, Path content, Path output, String network,
		boolean download, Engines.DeviceChoice device, Path targets, TrainingSettings training, EngineSettings engine)
	{
		public static LearnRequest from(Options o, EngineSettings engine) throws IOException {
			Path model = DefaultModel.resolve(o.require("model", "the StyleBank model to add the style to"), engine.modelsFolder());
			// incremental learning: 2000 iterations unless asked, no checkpoints
			TrainingSettings d = settings(o, TrainingSettings.defaults());
			Path targets = targetsOption(o);
			TrainingSettings s = towards(targets, o, d.withIterations(o.has("iterations") ? d.iterations() : 2000, 0));
			return new LearnRequest(model, o.path("style", "the style image"), o.get("id", null), o.get("name", null),
				o.path("content", "a folder of content images"), o.has("output") ? o.path("output", "") : model, networkOption(o),
				o.flag("download", false), o.device(engine.device()), targets, s, engine);
		}
	}

	/** What a training or learning run produced. */
	public record Result(String message, int iterations) {}

	private TrainingRunner() {}

	/** The targets= folder, null without one. */
	private static Path targetsOption(Options o) {
		return o.has("targets") ? o.path("targets", "") : null;
	}

	/** Towards target images the style weight is 0 unless the options give one. */
	private static TrainingSettings towards(Path targets, Options o, TrainingSettings s) {
		return targets != null && !o.has("style_weight") ? s.withStyleWeight(0) : s;
	}

	/** The content images, with their targets in the given styles when there is a targets folder. */
	private static List<Trainer.ContentImage> contentImages(Path content, Path targets, TrainingSettings s, List<String> styleIds)
		throws IOException
	{
		return targets == null ? TrainingInputs.content(content, s.cropSize()) : TrainingInputs.contentWithTargets(content, targets, styleIds);
	}

	private static String networkOption(Options o) {
		return o.choice("network", "auto", FeatureNetworks.CHOICES);
	}

	/** The training settings from the options, {@code d} for what is not given. */
	static TrainingSettings settings(Options o, TrainingSettings d) {
		int[] channels = d.channels();
		if (o.has("channels")) {
			List<String> c = o.list("channels", List.of());
			try {
				channels = c.stream().mapToInt(x -> Integer.parseInt(x.trim())).toArray();
			}
			catch (NumberFormatException e) {
				throw new IllegalArgumentException("channels must be three whole numbers like 32,64,128, got '" + o.get("channels", "") + "'");
			}
		}
		return new TrainingSettings(channels, o.integer("bank_kernel", d.bankKernel()), o.integer("size", d.cropSize()),
			o.integer("batch", d.batchSize()), o.integer("iterations", d.iterations()), o.number("lr", d.learningRate()),
			o.number("decay", d.decay()), o.integer("decay_every", d.decayEvery()), o.number("content_weight", d.contentWeight()),
			o.number("style_weight", d.styleWeight()), o.number("tv_weight", d.tvWeight()), o.integer("t", d.t()),
			o.number("lambda", d.lambda()), o.whole("seed", d.seed()), o.integer("checkpoint_every", d.checkpointEvery()),
			o.list("content_layers", d.contentLayers()), o.list("style_layers", d.styleLayers()), o.flag("deterministic", d.deterministic()),
			o.number("pixel_weight", d.pixelWeight()));
	}

	/**
	 * Trains a new model and writes it to the request's output. {@code watcher} (may be null)
	 * hears every iteration and preview and may cancel; cancelling saves a checkpoint first.
	 */
	public static Result train(TrainRequest r, Progress progress, Trainer.Listener watcher, Consumer<String> log) throws Exception {
		ResultFiles.checkModelWritable(r.output());
		Device device = Engines.device(r.device());
		var styles = TrainingInputs.styles(r.styles());
		var content = contentImages(r.content(), r.targets(), r.training(), styles.stream().map(Trainer.StyleImage::id).toList());
		long t0 = System.nanoTime();
		Engines.configure(r.engine());
		return Engines.withPluginClassLoader(() -> {
			FeatureNetwork net = lossNetwork(r.network(), r.download(), r.engine(), progress, log);
			try (Trainer trainer = r.resume() ? Trainer.resume(r.checkpoint(), r.training(), net, styles, device)
				: Trainer.fresh(r.training(), net, styles, device))
			{
				int previewEvery = r.previewEvery() >= 0 ? r.previewEvery() : watcher != null ? 500 : 0;
				if (previewEvery > 0) trainer.setPreview(previewEvery, content.get(0));
				trainer.train(content, r.checkpoint(), listener(progress, watcher, log));
				Map<String, byte[]> thumbs = new HashMap<>();
				for (var s : styles) thumbs.put(s.id(), TrainingInputs.thumbnail(s));
				trainer.toModel(r.name(), thumbs).save(r.output());
				return new Result(String.format(Locale.ROOT, "Wrote model %s (%d styles, %d iterations, feature network %s) in %.1f min",
					r.output(), styles.size(), trainer.iteration(), net.description(), (System.nanoTime() - t0) / 6e10), trainer.iteration());
			}
		});
	}

	/** Adds one style to a model (its autoencoder frozen and byte-identical) and writes it to the output. */
	public static Result learn(LearnRequest r, Progress progress, Trainer.Listener watcher, Consumer<String> log) throws Exception {
		Device device = Engines.device(r.device());
		var style = TrainingInputs.style(r.style(), r.id(), r.name());
		var content = contentImages(r.content(), r.targets(), r.training(), List.of(style.id()));
		ResultFiles.checkModelWritable(r.output());
		long t0 = System.nanoTime();
		Engines.configure(r.engine());
		return Engines.withPluginClassLoader(() -> {
			StyleBankModel base = StyleBankModel.load(r.model());
			FeatureNetwork net = lossNetwork(r.network(), r.download(), r.engine(), progress, log);
			try (Trainer trainer = Trainer.incremental(base, r.training(), net, style, device)) {
				trainer.train(content, null, listener(progress, watcher, log));
				trainer.toModel(base.name(), Map.of(style.id(), TrainingInputs.thumbnail(style))).save(r.output());
				return new Result(String.format(Locale.ROOT, "Added style '%s' to %s (%d iterations, feature network %s) in %.1f min",
					style.id(), r.output(), trainer.iteration(), net.description(), (System.nanoTime() - t0) / 6e10), trainer.iteration());
			}
		});
	}

	/** The loss network: VGG-16 if installed (or downloaded with consent), else the offline network. */
	private static FeatureNetwork lossNetwork(String network, boolean download, EngineSettings engine, Progress progress, Consumer<String> log)
		throws IOException
	{
		String net = network;
		if (net.equals("auto")) net = VggWeights.present(engine.modelsFolder(), Vgg.Arch.VGG16) ? "vgg16" : "offline";
		return FeatureNetworks.get(net, Vgg.Pooling.MAX, download, engine.modelsFolder(), Device.cpu(), progress, log);
	}

	private static Trainer.Listener listener(Progress p, Trainer.Listener watcher, Consumer<String> log) {
		return new Trainer.Listener() {
			@Override
			public void iteration(int iteration, int all, String branch, double loss, double content, double style) {
				p.report(iteration, all, String.format(Locale.ROOT, "training iteration %d/%d, %s loss %.4g (content %.3g, style %.3g)",
					iteration, all, branch, loss, content, style));
				if (watcher != null) watcher.iteration(iteration, all, branch, loss, content, style);
			}

			@Override
			public boolean cancelled() {
				return p.isCancelled() || (watcher != null && watcher.cancelled());
			}

			@Override
			public void checkpoint(int iteration, Path dir) {
				log.accept("checkpoint at iteration " + iteration + ": " + dir);
			}

			@Override
			public void preview(int iteration, List<String> ids, List<float[]> images, int w, int h) {
				if (watcher != null) watcher.preview(iteration, ids, images, w, h);
			}
		};
	}
}
