package org.neuralstyle.stylebank;

import org.neuralstyle.nn.Tensor;
import org.neuralstyle.torchfile.TorchFile;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * How a PyTorch StyleBank state dict maps onto the model format's layer table ({@link Layer}).
 * Recognised (facts read from the public implementations):
 * <ul>
 * <li>ichunyeh/StyleBank: {@code encoder_net} and {@code decoder_net} are Sequentials of
 * conv / InstanceNorm2d / ReLU, each conv a ConvLayer (reflection pad k/2, then {@code conv2d});
 * the decoder's first two upsample by 2 (nearest) first; {@code style_bank.N.0.conv2d} one
 * 3 x 3 ConvLayer per style. Saved whole, or as encoder.pth, decoder.pth and bank/N.path.
 * <li>the same network with flat names {@code enconv1..3}, {@code deconv1..3},
 * {@code style_bank.N.conv2d} (a fast_neural_style-derived implementation), accepted only when
 * its instance norms have no scale and shift.
 * </ul>
 * Convolutions are recognised by 4-D weights, in file order (a state dict keeps the network's
 * order). Refused, naming the module: instance norm with learned scale/shift, running statistics
 * (batch norm), transposed convolutions, bare nn.Conv2d (their padding is not in the file and
 * the implementations using them pad with zeros), and any count or shape the table does not have.
 */
final class TorchLayout {

	private TorchLayout() {}

	static final Set<String> WRAPPERS = Set.of("state_dict", "model", "model_state_dict", "net", "network", "module", "stylebank",
		"state");
	static final Set<String> ENCODERS = Set.of("encoder", "encoder_net", "enc", "encoder_layers");
	static final Set<String> DECODERS = Set.of("decoder", "decoder_net", "dec", "decoder_layers");
	static final Set<String> BANKS = Set.of("style_bank", "style_banks", "stylebank", "bank", "banks");
	/** More than this many values is not a StyleBank (the paper's autoencoder has under 0.5 M, a bank 0.15 M). */
	static final long MAX_FLOATS = 1L << 28;

	/** How many values one import may still read (all parts together): a hostile file cannot make it read without end. */
	static final class Budget {
		private long left = MAX_FLOATS;

		void take(long n, String where) throws ModelFormatException {
			left -= n;
			if (left < 0) throw new ModelFormatException(where + ": more than " + MAX_FLOATS + " values in all; not a StyleBank network");
		}
	}

	/** One convolution found in a part: where (for messages), its weight and bias (null if none), and whether it pads by reflection. */
	record Conv(String where, Tensor weight, Tensor bias, boolean reflection) {}

	/** The tensors of one part (encoder, decoder or one bank) in file order, names relative to the part. */
	static final class Group {
		/** The file and the part's name in it, for messages. */
		final String where;
		private final String file, root;
		final Map<String, Tensor> tensors = new LinkedHashMap<>();

		private Group(String file, String root) {
			this.file = file;
			this.root = root;
			this.where = root.isEmpty() ? file : file + ": " + root.substring(0, root.length() - 1);
		}

		/** The tensors under {@code prefix} (after any wrapper such as "state_dict.") that pass {@code keep}. */
		static Group of(TorchFile t, String prefix, String file, Budget budget, Predicate<String> keep) throws IOException {
			Group g = new Group(file, prefix);
			String where = g.where;
			List<String> names = new ArrayList<>();
			for (var e : t.tensors().entrySet()) {
				String rel = stripWrappers(e.getKey());
				if (!rel.startsWith(prefix) || !keep.test(rel.substring(prefix.length()))) continue;
				long n = 1;
				for (long d : e.getValue().shape()) n *= d;
				budget.take(n, where);
				names.add(e.getKey());
			}
			for (String n : names) g.tensors.put(stripWrappers(n).substring(prefix.length()), t.read(n));
			return g;
		}

		static Group of(TorchFile t, String prefix, String file, Budget budget) throws IOException {
			return of(t, prefix, file, budget, k -> true);
		}

		/** Module paths (name minus the last component) to their tensors, in file order. */
		Map<String, Map<String, Tensor>> modules() {
			Map<String, Map<String, Tensor>> m = new LinkedHashMap<>();
			for (var e : tensors.entrySet()) {
				int dot = e.getKey().lastIndexOf('.');
				String module = dot < 0 ? "" : e.getKey().substring(0, dot);
				m.computeIfAbsent(module, k -> new LinkedHashMap<>()).put(e.getKey().substring(dot + 1), e.getValue());
			}
			return m;
		}

		String name(String module) {
			return file + ": " + root + module;
		}

		/** The convolutions, in order; refuses any module that is neither a convolution nor a plain (parameter-free) norm. */
		List<Conv> convs() throws ModelFormatException {
			List<Conv> out = new ArrayList<>();
			for (var e : modules().entrySet()) {
				Map<String, Tensor> p = e.getValue();
				String at = name(e.getKey());
				Tensor w = p.get("weight");
				if (w != null && w.shape().length == 4) {
					String last = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
					out.add(new Conv(at, w, p.get("bias"), last.equals("conv2d")));
					continue;
				}
				if (p.containsKey("running_mean") || p.containsKey("running_var")) {
					throw new ModelFormatException(at + ": a normalisation with running statistics (batch norm, or instance norm with "
						+ "track_running_stats); the model format's instance norm uses each image's own statistics, so this network "
						+ "cannot be expressed");
				}
				if (p.containsKey("scale") || p.containsKey("shift") || (w != null && w.shape().length == 1)) {
					throw new ModelFormatException(at + ": instance normalisation with a learned scale and shift (affine); the model "
						+ "format's instance norm has none, so this network cannot be expressed");
				}
				if (p.keySet().equals(Set.of("num_batches_tracked"))) continue;
				throw new ModelFormatException(at + ": tensors " + p.keySet() + " of shapes " + shapes(p) + " have no place in the "
					+ "StyleBank network of the model format");
			}
			return out;
		}
	}

	/** A whole-network state dict cut into its parts. */
	record Whole(Group encoder, Group decoder, List<Group> banks, List<String> bankIndices, List<String> ignored, String description) {}

	static String stripWrappers(String name) {
		String n = name;
		while (true) {
			int dot = n.indexOf('.');
			if (dot < 0 || !WRAPPERS.contains(n.substring(0, dot))) return n;
			n = n.substring(dot + 1);
		}
	}

	static Whole split(TorchFile t, String where) throws IOException {
		Budget budget = new Budget();
		String encRoot = null, decRoot = null, bankRoot = null;
		boolean flat = false;
		List<String> ignored = new ArrayList<>();
		List<String> bankIdx = new ArrayList<>();
		for (String key : t.tensors().keySet()) {
			String[] c = stripWrappers(key).split("\\.");
			if (c.length < 2) {
				ignored.add(key);
				continue;
			}
			if (ENCODERS.contains(c[0])) encRoot = c[0] + ".";
			else if (DECODERS.contains(c[0])) decRoot = c[0] + ".";
			else if (c[0].matches("enconv\\d+(_in)?")) {
				encRoot = "";
				flat = true;
			}
			else if (c[0].matches("deconv\\d+(_in)?")) decRoot = "";
			else if (BANKS.contains(c[0]) && c.length > 2 && c[1].matches("\\d{1,6}")) {
				bankRoot = c[0] + ".";
				if (!bankIdx.contains(c[1])) bankIdx.add(c[1]);
			}
			else ignored.add(key);
		}
		if (encRoot == null || decRoot == null) {
			throw new ModelFormatException(where + ": no StyleBank encoder and decoder found (looked for " + ENCODERS + " / "
				+ DECODERS + ", enconvN / deconvN, with style banks under " + BANKS + "; the file has " + sample(t) + ")");
		}
		Group enc = flat ? Group.of(t, "", where, budget, k -> k.startsWith("enconv")) : Group.of(t, encRoot, where, budget);
		Group dec = flat ? Group.of(t, "", where, budget, k -> k.startsWith("deconv")) : Group.of(t, decRoot, where, budget);
		List<Group> banks = new ArrayList<>();
		bankIdx.sort((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
		for (String i : bankIdx) banks.add(Group.of(t, bankRoot + i + ".", where, budget));
		String d = flat ? "enconvN, deconvN, " + (bankRoot == null ? "no banks" : bankRoot + "N")
			: encRoot + "*, " + decRoot + "*, " + (bankRoot == null ? "no banks" : bankRoot + "N.*");
		return new Whole(enc, dec, banks, bankIdx, ignored, d);
	}

	private static String sample(TorchFile t) {
		List<String> k = new ArrayList<>(t.tensors().keySet());
		return k.size() <= 6 ? k.toString() : k.subList(0, 6) + " and " + (k.size() - 6) + " more tensors";
	}

	/** Checks the parts against the layer table and builds the model; style ids from {@code rawIds}. */
	static StyleBankModel build(String name, Group encoder, Group decoder, List<Group> banks, List<String> rawIds) throws IOException {
		List<Conv> e = encoder.convs(), d = decoder.convs();
		if (e.isEmpty()) throw new ModelFormatException(encoder.where + ": no convolutions");
		// transposed convolutions: the weight is [in, out, k, k], so the previous layer's channels come first
		long prev = e.get(e.size() - 1).weight().shape()[0];
		for (Conv c : d) {
			long[] s = c.weight().shape();
			if (s[1] != prev && s[0] == prev) {
				throw new ModelFormatException(c.where() + ": a transposed convolution (weight " + PyTorchImport.shape(s) + " takes the "
					+ prev + " channels before it in its first dimension); the model format's decoder upsamples by nearest neighbour and "
					+ "then convolves, which a transposed convolution is not, so this network cannot be expressed");
			}
			prev = s[0];
		}
		for (List<Conv> part : List.of(e, d)) {
			for (Conv c : part) {
				if (!c.reflection()) {
					throw new ModelFormatException(c.where() + ": a bare convolution (nn.Conv2d without the ConvLayer wrapper that "
						+ "pads by reflection, whose weights are named ...conv2d.weight); its padding is not in the file and the "
						+ "implementations that use one pad with zeros, while the model format pads by reflection");
				}
			}
		}
		if (e.size() != 3) throw countError(encoder, e.size(), "encoder", "9x9 stride 1, 3x3 stride 2, 3x3 stride 2");
		if (d.size() != 3) throw countError(decoder, d.size(), "decoder", "upsample + 3x3, upsample + 3x3, 9x9");
		long[] w1 = e.get(0).weight().shape(), w3 = e.get(2).weight().shape();
		int[] ch = { (int) Math.min(w1[0], 1 << 20), (int) Math.min(e.get(1).weight().shape()[0], 1 << 20), (int) Math.min(w3[0], 1 << 20) };
		Map<String, Tensor> ae = new LinkedHashMap<>();
		List<Conv> all = new ArrayList<>(e);
		all.addAll(d);
		Layer[] layers = Layer.values();
		for (int i = 0; i < 6; i++) {
			Conv c = all.get(i);
			long[] want = layers[i].weightShape(ch);
			if (!c.weight().hasShape(want)) {
				throw new ModelFormatException(c.where() + ": weight " + c.weight().shapeString() + " where the model format's "
					+ layers[i].name() + " (" + layers[i].kernel + "x" + layers[i].kernel + (layers[i].upsample ? ", after upsampling" : "")
					+ ") needs " + PyTorchImport.shape(want) + " for channels " + Arrays.toString(ch));
			}
			ae.put(layers[i].tensor + ".weight", c.weight());
			ae.put(layers[i].tensor + ".bias", bias(c, want[0]));
		}
		int k = -1;
		List<StyleBankModel.Bank> bankList = new ArrayList<>();
		for (Group g : banks) {
			List<Conv> b = g.convs();
			if (b.size() != 1) throw countError(g, b.size(), "style bank", "one 3x3 (or k x k) convolution");
			Conv c = b.get(0);
			if (!c.reflection()) {
				throw new ModelFormatException(c.where() + ": a bare convolution; the model format's bank pads by reflection (ConvLayer, "
					+ "...conv2d.weight)");
			}
			long[] s = c.weight().shape();
			if (s[0] != ch[2] || s[1] != ch[2] || s[2] != s[3] || s[2] % 2 == 0) {
				throw new ModelFormatException(c.where() + ": bank weight " + c.weight().shapeString() + "; the model format's bank is ["
					+ ch[2] + ", " + ch[2] + ", k, k] with k odd");
			}
			if (k >= 0 && s[2] != k) throw new ModelFormatException(c.where() + ": banks of kernel " + k + " and " + s[2] + " in one model");
			k = (int) s[2];
			bankList.add(new StyleBankModel.Bank(c.weight(), bias(c, ch[2])));
		}
		StyleBankModel model = StyleBankModel.create(name, ch, k < 0 ? 3 : k, ae);
		List<String> taken = new ArrayList<>();
		for (int i = 0; i < bankList.size(); i++) {
			String id = PyTorchImport.styleId(rawIds.get(i), i, taken);
			taken.add(id);
			model.putStyle(id, id.matches("\\d+") ? "Style " + id : id, bankList.get(i), "imported from PyTorch: " + banks.get(i).where);
		}
		return model;
	}

	private static Tensor bias(Conv c, long n) throws ModelFormatException {
		if (c.bias() == null) return PyTorchImport.zeros(n); // bias=False: a zero bias is the same network
		if (!c.bias().hasShape(n)) throw new ModelFormatException(c.where() + ": bias " + c.bias().shapeString() + ", expected [" + n + "]");
		return c.bias();
	}

	private static ModelFormatException countError(Group g, int n, String part, String want) {
		return new ModelFormatException(g.where + ": " + n + " convolution(s) in the " + part + "; the model format's has "
			+ (part.equals("style bank") ? "" : "3: ") + want);
	}

	private static String shapes(Map<String, Tensor> p) {
		List<String> s = new ArrayList<>();
		for (Tensor t : p.values()) s.add(t.shapeString());
		return String.join(", ", s);
	}
}
