package org.neuralstyle.stylebank;

import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One style as a single shareable file: a safetensors file with bank.weight and bank.bias and
 * a "__metadata__" header: format "stylebank-style", version 1, id, name, source, channels,
 * bankKernel, autoencoderSha256 (the autoencoder the bank was trained with) and an optional
 * base64 PNG thumbnail. Suggested name: ID.stylebank-style.safetensors. A style file is only
 * accepted by a model whose autoencoder has that SHA-256.
 */
public final class StyleFiles {

	public static final String FORMAT = "stylebank-style";
	public static final String EXTENSION = ".stylebank-style.safetensors";

	private StyleFiles() {}

	public static byte[] export(StyleBankModel model, String idOrName) {
		StyleBankModel.Style s = model.requireStyle(idOrName);
		StyleBankModel.Bank b = model.bank(s.id());
		Map<String, String> meta = new LinkedHashMap<>();
		meta.put("format", FORMAT);
		meta.put("version", "1");
		meta.put("id", s.id());
		meta.put("name", s.name());
		if (s.source() != null) meta.put("source", s.source());
		int[] c = model.channels();
		meta.put("channels", c[0] + "," + c[1] + "," + c[2]);
		meta.put("bankKernel", String.valueOf(model.bankKernel()));
		meta.put("autoencoderSha256", model.autoencoderSha256());
		byte[] thumb = model.thumbnail(s.id());
		if (thumb != null) meta.put("thumbnailPng", Base64.getEncoder().encodeToString(thumb));
		Map<String, Tensor> t = new LinkedHashMap<>();
		t.put("bank.weight", b.weight());
		t.put("bank.bias", b.bias());
		return Safetensors.toBytes(t, meta);
	}

	/**
	 * Adds the style in {@code file} to the model (replacing a style with the same id), after
	 * checking that it belongs to this model's autoencoder. Returns the style id.
	 */
	public static String importInto(StyleBankModel model, byte[] file, String fileName) throws ModelFormatException {
		Map<String, String> meta;
		Map<String, Tensor> t;
		try {
			meta = Safetensors.metadata(file);
			t = Safetensors.read(file);
		}
		catch (Safetensors.FormatException e) {
			throw new ModelFormatException(fileName + ": " + e.getMessage());
		}
		if (!FORMAT.equals(meta.get("format"))) {
			throw new ModelFormatException(fileName + ": not a StyleBank style file (no \"format\": \"" + FORMAT + "\" in its header)");
		}
		if (!"1".equals(meta.get("version"))) {
			throw new ModelFormatException(fileName + ": style file version " + meta.get("version") + " is not supported (this plugin reads 1)");
		}
		String sha = meta.get("autoencoderSha256");
		if (sha == null || !sha.equalsIgnoreCase(model.autoencoderSha256())) {
			throw new ModelFormatException(fileName + ": this style was trained with another autoencoder (SHA-256 " + sha
				+ ") than model '" + model.name() + "' has (" + model.autoencoderSha256()
				+ "), so it cannot be used with this model. Import it into the model it was exported from, or learn the style anew "
				+ "for this model (Learn New StyleBank Style).");
		}
		String id = meta.getOrDefault("id", "");
		String name = meta.getOrDefault("name", id);
		Tensor w = t.get("bank.weight"), b = t.get("bank.bias");
		if (w == null || b == null) throw new ModelFormatException(fileName + ": bank.weight or bank.bias is missing");
		if (w.firstNonFinite() >= 0 || b.firstNonFinite() >= 0) throw new ModelFormatException(fileName + ": the bank holds NaN or infinite values");
		byte[] thumb = null;
		try {
			if (meta.containsKey("thumbnailPng")) thumb = Base64.getDecoder().decode(meta.get("thumbnailPng"));
		}
		catch (IllegalArgumentException e) {
			thumb = null; // a broken picture is no reason to refuse the style
		}
		try {
			model.putStyle(id, name, new StyleBankModel.Bank(w, b), meta.get("source"), thumb);
		}
		catch (IllegalArgumentException e) {
			throw new ModelFormatException(fileName + ": " + e.getMessage());
		}
		return id;
	}
}
