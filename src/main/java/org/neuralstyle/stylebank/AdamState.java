package org.neuralstyle.stylebank;

import org.neuralstyle.nn.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.neuralstyle.nn.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba 2015; beta1 0.9, beta2 0.999, eps 1e-8) with its moments and step count
 * per parameter, kept in float32 on the training device and saved exactly (a checkpoint
 * restores them bit for bit).
 */
final class AdamState implements AutoCloseable {

	private final NDManager manager;
	private final Map<String, NDArray> m = new LinkedHashMap<>();
	private final Map<String, NDArray> v = new LinkedHashMap<>();
	private final Map<String, Integer> steps = new LinkedHashMap<>();

	AdamState(NDManager parent) {
		this.manager = parent.newSubManager();
	}

	/** One step on {@code param} with its current gradient multiplied by {@code scale} first. */
	void step(String key, NDArray param, double lr, double scale) {
		try (NDArray raw = param.getGradient(); NDArray g = Scalars.times(raw, scale)) {
			NDArray mk = m.computeIfAbsent(key, k -> manager.zeros(param.getShape()));
			NDArray vk = v.computeIfAbsent(key, k -> manager.zeros(param.getShape()));
			int t = steps.merge(key, 1, Integer::sum);
			try (NDArray gm = Scalars.times(g, 0.1); NDArray g2 = g.square(); NDArray gv = Scalars.times(g2, 0.001)) {
				Scalars.timesInPlace(mk, 0.9).addi(gm);
				Scalars.timesInPlace(vk, 0.999).addi(gv);
			}
			double c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
			try (NDArray mh = Scalars.over(mk, c1); NDArray vh = Scalars.over(vk, c2); NDArray root = vh.sqrt();
				NDArray den = root.add(1e-8f); NDArray ratio = mh.div(den); NDArray step = Scalars.times(ratio, lr))
			{
				param.subi(step);
			}
		}
	}

	/** The state as tensors ({@code m.KEY}, {@code v.KEY}) and step counts ({@code t.KEY}) for a safetensors file. */
	Map<String, Tensor> tensors() {
		Map<String, Tensor> out = new LinkedHashMap<>();
		for (String k : m.keySet()) {
			out.put("m." + k, tensor(m.get(k)));
			out.put("v." + k, tensor(v.get(k)));
		}
		return out;
	}

	Map<String, String> stepCounts() {
		Map<String, String> out = new LinkedHashMap<>();
		steps.forEach((k, t) -> out.put("t." + k, String.valueOf(t)));
		return out;
	}

	/** Restores a saved state; entries for parameters not in {@code keep} are ignored. */
	void restore(Map<String, Tensor> tensors, Map<String, String> counts, java.util.Set<String> keep) {
		for (var e : counts.entrySet()) {
			if (!e.getKey().startsWith("t.")) continue;
			String key = e.getKey().substring(2);
			if (!keep.contains(key)) continue;
			Tensor mt = tensors.get("m." + key), vt = tensors.get("v." + key);
			if (mt == null || vt == null) throw new IllegalArgumentException("the optimizer state has no moments for " + key);
			steps.put(key, Integer.parseInt(e.getValue()));
			m.put(key, manager.create(mt.data(), new Shape(mt.shape())));
			v.put(key, manager.create(vt.data(), new Shape(vt.shape())));
		}
	}

	static Tensor tensor(NDArray a) {
		return new Tensor(a.getShape().getShape(), a.toFloatArray());
	}

	@Override
	public void close() {
		manager.close();
	}
}
