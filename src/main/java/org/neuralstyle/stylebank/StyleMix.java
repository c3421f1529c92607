package org.neuralstyle.stylebank;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which bank(s) to apply: nothing (plain reconstruction), one style, or a linear fusion of
 * styles with weights that are normalised to sum 1. Written as {@code great-wave}, as
 * {@code great-wave:0.3,starry-night:0.7} (or {@code great-wave*0.3+starry-night*0.7}), or as
 * {@code reconstruction}.
 */
public record StyleMix(Map<String, Double> weights) {

	public static final String RECONSTRUCTION = "reconstruction";

	public StyleMix {
		weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
	}

	public static StyleMix reconstruction() {
		return new StyleMix(Map.of());
	}

	public static StyleMix single(String id) {
		return new StyleMix(Map.of(id, 1.0));
	}

	public boolean isReconstruction() {
		return weights.isEmpty();
	}

	/**
	 * Parses the text form, resolving names and ids against the model: entries are separated
	 * by ',' or '+', a weight follows ':' or '*' ({@code a:0.3,b:0.7} or {@code a*0.3+b*0.7}).
	 */
	public static StyleMix parse(String text, StyleBankModel model) {
		if (text == null || text.isBlank()) {
			throw new IllegalArgumentException("no style given. Available styles: " + model.styleList()
				+ ", or '" + RECONSTRUCTION + "'");
		}
		String t = text.trim();
		if (model.style(t) != null) return single(model.style(t).id());
		if (t.toLowerCase(Locale.ROOT).equals(RECONSTRUCTION)) return reconstruction();
		Map<String, Double> w = new LinkedHashMap<>();
		for (String part : t.split("[,+]")) {
			String p = part.trim();
			double weight = 1;
			int sep = Math.max(p.lastIndexOf(':'), p.lastIndexOf('*'));
			if (sep >= 0 && model.style(p) == null) {
				String num = p.substring(sep + 1).trim();
				try {
					weight = Double.parseDouble(num);
				}
				catch (NumberFormatException e) {
					throw new IllegalArgumentException("style weight '" + num + "' in '" + text + "' is not a number");
				}
				p = p.substring(0, sep).trim();
			}
			if (!(weight >= 0) || Double.isInfinite(weight)) {
				throw new IllegalArgumentException("style weights must be zero or positive, got " + weight + " for '" + p + "'");
			}
			String id = model.requireStyle(p).id();
			w.merge(id, weight, Double::sum);
		}
		double sum = w.values().stream().mapToDouble(Double::doubleValue).sum();
		if (!(sum > 0)) throw new IllegalArgumentException("style weights in '" + text + "' sum to zero");
		w.replaceAll((k, v) -> v / sum);
		w.values().removeIf(v -> v == 0);
		return new StyleMix(w);
	}

	/** A short label for titles: the style id, or ids joined by '+'. */
	public String label() {
		if (isReconstruction()) return RECONSTRUCTION;
		if (weights.size() == 1) return weights.keySet().iterator().next();
		StringBuilder sb = new StringBuilder();
		for (var e : weights.entrySet()) {
			if (sb.length() > 0) sb.append('+');
			sb.append(e.getKey()).append(String.format(Locale.ROOT, "%.2f", e.getValue()));
		}
		return sb.toString();
	}
}
