package org.neuralstyle.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import org.neuralstyle.nn.Convolution;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Layers;
import org.neuralstyle.stylebank.Layer;
import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleBankNetwork;
import org.neuralstyle.stylebank.StyleMix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Where a warm StyleBank pass spends its time, step by step (padding, convolution, normalisation, ReLU, bank), with
 * the process's user and system CPU time per step (the decoder's upsampling steps and its last layer as the rearranged forms
 * of nn.SubPixel that inference uses, each timed as one step; GFLOP/s there count the plain layer's multiply-adds): {@code mvn -B -q -Pbenchmark test-compile exec:java
 * -Dbench.main=org.neuralstyle.bench.LayerProfile -Dexec.args="1024"} (the paper network, random weights; median of
 * -Druns, default 5).
 */
public final class LayerProfile {

	public static void main(String[] args) throws Exception {
		int size = args.length == 0 ? 1024 : Integer.parseInt(args[0]);
		int height = args.length > 1 ? Integer.parseInt(args[1]) : size;
		int runs = Integer.getInteger("runs", 5);
		StyleBankModel model = StyleBankBenchmark.paperModel(42);
		try (StyleBankNetwork net = new StyleBankNetwork(model, Device.cpu()); NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
			Engines.inferenceMode();
			Map<String, NDArray> p = net.parameters(java.util.List.of("style"));
			NDArray a = m.randomUniform(0, 1, new Shape(1, 3, height, size));
			System.out.printf(Locale.ROOT, "%-22s %9s %9s %9s %9s %8s%n", "step", "wall ms", "user ms", "sys ms", "GFLOP/s", "share");
			double total = 0;
			StringBuilder rows = new StringBuilder();
			double[][] results = new double[40][];
			String[] names = new String[40];
			int k = 0;
			for (Layer l : Layer.values()) {
				if (l == Layer.D1) {
					NDArray in = a;
					long flops = 2L * 128 * 128 * 9 * in.getShape().get(2) * in.getShape().get(3);
					names[k] = "bank conv 3x3";
					results[k++] = time(runs, flops, () -> net.bank(in, StyleMix.single("style")));
					NDArray next = net.bank(in, StyleMix.single("style"));
					a.close();
					a = next;
				}
				NDArray w = p.get(l.tensor + ".weight"), b = p.get(l.tensor + ".bias");
				NDArray in = a;
				int pad = l.kernel / 2;
				NDArray y;
				if (l.upsample || l == Layer.D3) {
					// the decoder's rearranged forms (nn.SubPixel), timed as the whole step that replaces padding and convolution
					long flops = 2L * w.getShape().get(0) * w.getShape().get(1) * l.kernel * l.kernel * in.getShape().get(2)
						* in.getShape().get(3) * (l.upsample ? 4 : 1);
					names[k] = l + (l.upsample ? " upsample+conv " : " conv ") + l.kernel + "x" + l.kernel + " " + w.getShape().get(1) + "->"
						+ w.getShape().get(0);
					results[k++] = time(runs, flops, () -> l.upsample ? Layers.upsampleConv(in, w, b) : Layers.conv(in, w, b, 1));
					y = l.upsample ? Layers.upsampleConv(in, w, b) : Layers.conv(in, w, b, 1);
				}
				else {
					NDArray padded = Layers.reflectPad(in, pad);
					names[k] = l + " pad";
					results[k++] = time(runs, 0, () -> Layers.reflectPad(in, pad));
					long outH = (padded.getShape().get(2) - l.kernel) / l.stride + 1, outW = (padded.getShape().get(3) - l.kernel) / l.stride + 1;
					long flops = 2L * w.getShape().get(0) * w.getShape().get(1) * l.kernel * l.kernel * outH * outW;
					names[k] = l + " conv " + l.kernel + "x" + l.kernel + " " + w.getShape().get(1) + "->" + w.getShape().get(0);
					results[k++] = time(runs, flops, () -> Convolution.conv2d(padded, w, b, l.stride, 0));
					y = Convolution.conv2d(padded, w, b, l.stride, 0);
					padded.close();
				}
				a.close();
				if (l.normalised) {
					names[k] = l + " instance norm";
					results[k++] = time(runs, 0, () -> Layers.instanceNorm(y));
					NDArray n = Layers.instanceNorm(y);
					names[k] = l + " relu";
					results[k++] = time(runs, 0, () -> Activation.relu(n));
					a = Activation.relu(n);
					n.close();
					y.close();
				}
				else a = y;
			}
			for (int i = 0; i < k; i++) total += results[i][0];
			for (int i = 0; i < k; i++) {
				System.out.printf(Locale.ROOT, "%-22s %9.1f %9.1f %9.1f %9s %7.1f%%%n", names[i], results[i][0], results[i][1], results[i][2],
					results[i][3] > 0 ? String.format(Locale.ROOT, "%.1f", results[i][3]) : "", 100 * results[i][0] / total);
			}
			System.out.printf(Locale.ROOT, "%-22s %9.1f%n", "sum", total);
			System.out.println(String.join("\n", Convolution.report()));
			if (Boolean.getBoolean("d3")) {
				// the last layer (9 x 9, 32 -> 3) as a 5 x 5 convolution on the 2 x 2 space-to-depth input (128 -> 12 or 16 channels)
				long h2 = height / 2 + 4, w2 = size / 2 + 4;
				for (int outs : new int[] { 3, 12, 16 }) {
					int kk = outs == 3 ? 9 : 5;
					int in = outs == 3 ? 32 : 128;
					NDArray x = m.randomUniform(0, 1, outs == 3 ? new Shape(1, 32, height + 8, size + 8) : new Shape(1, in, h2, w2));
					NDArray w = m.randomUniform(-0.1f, 0.1f, new Shape(outs, in, kk, kk));
					NDArray b = m.zeros(new Shape(outs));
					long flops = 2L * outs * in * kk * kk * (x.getShape().get(2) - kk + 1) * (x.getShape().get(3) - kk + 1);
					double[] r = time(runs, flops, () -> Convolution.conv2d(x, w, b, 1, 0));
					System.out.printf(Locale.ROOT, "D3 as %d -> %d, %dx%d: %.1f ms, %.1f GFLOP/s%n", in, outs, kk, kk, r[0], r[3]);
				}
			}
		}
	}

	/** Median wall ms, its user and sys ms, GFLOP/s; the result of each run is closed. */
	static double[] time(int runs, long flops, java.util.function.Supplier<NDArray> op) throws Exception {
		op.get().close();
		double[][] r = new double[runs][];
		for (int i = 0; i < runs; i++) {
			long[] c0 = cpu();
			long t0 = System.nanoTime();
			NDArray y = op.get();
			y.toType(y.getDataType(), false); // no-op, keeps JIT honest
			long t1 = System.nanoTime();
			long[] c1 = cpu();
			y.close();
			double ms = (t1 - t0) / 1e6;
			r[i] = new double[] { ms, (c1[0] - c0[0]) * 10.0, (c1[1] - c0[1]) * 10.0, flops > 0 ? flops / ms / 1e6 : 0 };
		}
		Arrays.sort(r, (x, y) -> Double.compare(x[0], y[0]));
		return r[runs / 2];
	}

	/** utime, stime of this process in clock ticks (10 ms). */
	static long[] cpu() throws Exception {
		String s = Files.readString(Path.of("/proc/self/stat"));
		String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
		return new long[] { Long.parseLong(f[11]), Long.parseLong(f[12]) };
	}
}
