package org.neuralstyle.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Two decoder steps computed in a cheaper but equal form when no gradient is recorded (inference)
 * on the CPU (the only place it was measured): the weights are rearranged, the result is the same
 * up to float rounding.
 *
 * <p><b>Nearest upsampling by 2, reflection padding by 1, 3 x 3 convolution</b> ({@link
 * #upsampleConv}). Output pixel (2i + a, 2j + b) of the upsampled map sees only input rows i - 1,
 * i (a = 0) or i, i + 1 (a = 1) and the same for columns, because the upsampled map repeats each
 * input pixel twice: the 3 x 3 kernel collapses to a 2 x 2 kernel per phase (a, b), the rows it
 * covers twice summed. The four phases are one 2 x 2 convolution with 4 x C_out outputs on the
 * input, edge-padded by 1 (reflection by 1 of the upsampled map repeats the input's edge), and
 * the result is interleaved into the upsampled layout. This needs 4/9 of the multiply-adds, runs
 * on the small map with 4 x the outputs (a better shaped matrix product), and never builds the
 * upsampled, padded input, the largest map of the decoder.
 *
 * <p><b>k x k convolution to few channels</b> ({@link #spaceToDepthConv}; the decoder's last 9 x 9
 * layer, 3 outputs). With only 3 output channels the matrix product is thin and runs far from
 * the machine's rate (LayerProfile: 70 GFLOP/s against 250-350 for the other layers). The padded
 * input is rearranged 2 x 2 pixels into 4 x C channels (space to depth); a 2 x 2 block of output
 * pixels then depends on (k + 1) / 2 x (k + 1) / 2 blocks, so it is a ((k + 1) / 2)-square
 * convolution with 4 x C inputs and 4 x C_out outputs, whose result is put back into pixels.
 */
final class SubPixel {

	private SubPixel() {}

	// The rearranged weights are made on every call (from the live weights, which training updates in place): a few
	// hundred thousand floats, well under a millisecond, against tens of milliseconds for the convolution.

	/** Whether {@link #upsampleConv} applies: the CPU (measured there only), no gradients, float32, a 3 x 3 kernel. */
	static boolean upsampleApplies(NDArray x, NDArray weight) {
		return onCpu(x) && !JniUtils.isGradMode() && x.getDataType() == DataType.FLOAT32 && weight.getDataType() == DataType.FLOAT32
			&& weight.getShape().get(2) == 3 && weight.getShape().get(3) == 3;
	}

	/** Whether {@link #spaceToDepthConv} applies: the CPU, no gradients, float32, stride 1, an odd kernel of at least 5, at most 4 outputs, even sides. */
	static boolean spaceToDepthApplies(NDArray x, NDArray weight, int stride) {
		Shape ws = weight.getShape(), xs = x.getShape();
		long k = ws.get(2);
		return onCpu(x) && !JniUtils.isGradMode() && x.getDataType() == DataType.FLOAT32 && weight.getDataType() == DataType.FLOAT32
			&& stride == 1 && k == ws.get(3) && k >= 5 && k % 2 == 1 && ws.get(0) <= 4 && xs.get(2) % 2 == 0 && xs.get(3) % 2 == 0
			&& xs.get(2) > k / 2 && xs.get(3) > k / 2;
	}

	/** x and the manager that will hold the results are on the CPU. */
	private static boolean onCpu(NDArray x) {
		return !x.getDevice().isGpu() && !x.getManager().getDevice().isGpu();
	}

	/** Nearest upsampling by 2, reflection padding by 1 and the 3 x 3 convolution (see the class comment). */
	static NDArray upsampleConv(NDArray x, NDArray weight, NDArray bias) {
		Shape s = x.getShape();
		long n = s.get(0), h = s.get(2), w = s.get(3);
		int out = (int) weight.getShape().get(0), in = (int) weight.getShape().get(1);
		NDManager m = x.getManager();
		NDArray z;
		try (NDArray cols = Layers.padAxis(x, 3, 1, 1, true); NDArray padded = Layers.padAxis(cols, 2, 1, 1, true);
			NDArray pw = m.create(phaseWeights(weight.toFloatArray(), out, in), new Shape(4L * out, in, 2, 2));
			NDArray pb = bias == null ? null : repeat4(bias))
		{
			z = Convolution.conv2d(padded, pw, pb, 1, 0); // N x 4 C_out x (h + 1) x (w + 1), channel c * 4 + a * 2 + b
		}
		try (z; NDArray phases = z.reshape(n, out, 4, h + 1, w + 1)) {
			NDArray y = m.create(new Shape(n, out, 2 * h, 2 * w), DataType.FLOAT32);
			for (int a = 0; a < 2; a++) {
				for (int b = 0; b < 2; b++) {
					try (NDArray part = phases.get(new NDIndex(":, :, {}, {}:{}, {}:{}", a * 2 + b, a, a + h, b, b + w))) {
						y.set(new NDIndex().addAllDim().addAllDim().addSliceDim(a, 2 * h, 2).addSliceDim(b, 2 * w, 2), part);
					}
				}
			}
			return y;
		}
	}

	/** The k x k convolution (stride 1, reflection padding k / 2) through a 2 x 2 space-to-depth rearrangement (see the class comment). */
	static NDArray spaceToDepthConv(NDArray x, NDArray weight, NDArray bias) {
		Shape s = x.getShape();
		long n = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
		int out = (int) weight.getShape().get(0), k = (int) weight.getShape().get(2);
		int kk = (k + 1) / 2;
		long hp = (h + k - 1) / 2, wp = (w + k - 1) / 2; // the padded side, h + k - 1, is even
		NDManager m = x.getManager();
		NDArray z;
		try (NDArray padded = Layers.reflectPad(x, k / 2); NDArray split = padded.reshape(n, c, hp, 2, wp, 2);
			NDArray moved = split.transpose(0, 1, 3, 5, 2, 4); NDArray blocks = moved.reshape(n, 4 * c, hp, wp);
			NDArray sw = m.create(spaceToDepthWeights(weight.toFloatArray(), out, (int) c, k), new Shape(4L * out, 4 * c, kk, kk));
			NDArray sb = bias == null ? null : repeat4(bias))
		{
			z = Convolution.conv2d(blocks, sw, sb, 1, 0); // N x 4 C_out x h / 2 x w / 2, channel o * 4 + a * 2 + b
		}
		try (z; NDArray split = z.reshape(n, out, 2, 2, h / 2, w / 2); NDArray moved = split.transpose(0, 1, 4, 2, 5, 3)) {
			return moved.reshape(n, out, h, w);
		}
	}

	/** Each value of b four times in a row: the bias of channel c * 4 + phase. */
	private static NDArray repeat4(NDArray b) {
		long c = b.getShape().get(0);
		try (NDArray col = b.reshape(c, 1); NDArray wide = col.broadcast(c, 4)) {
			return wide.reshape(4 * c);
		}
	}

	/**
	 * The 3 x 3 kernels (out x in x 3 x 3, row-major) as 2 x 2 kernels per phase: output channel
	 * o * 4 + a * 2 + b; kernel row r of phase a gathers the 3 x 3 rows dy with (a + dy + 1) / 2 - a == r
	 * (a = 0: row 0 from dy 0, row 1 from dy 1 and 2; a = 1: row 0 from dy 0 and 1, row 1 from dy 2).
	 */
	static float[] phaseWeights(float[] w, int out, int in) {
		float[] p = new float[out * 4 * in * 4];
		for (int o = 0; o < out; o++) {
			for (int a = 0; a < 2; a++) {
				for (int b = 0; b < 2; b++) {
					for (int i = 0; i < in; i++) {
						int dst = (((o * 4 + a * 2 + b) * in) + i) * 4;
						int src = (o * in + i) * 9;
						for (int dy = 0; dy < 3; dy++) {
							int r = (a + dy + 1) / 2 - a;
							for (int dx = 0; dx < 3; dx++) {
								int q = (b + dx + 1) / 2 - b;
								p[dst + r * 2 + q] += w[src + dy * 3 + dx];
							}
						}
					}
				}
			}
		}
		return p;
	}

	/**
	 * The k x k kernels (out x in x k x k) for the space-to-depth input: output channel o * 4 + a * 2 + b,
	 * input channel i * 4 + u * 2 + v (pixel (2I + u, 2J + v) of block (I, J)), kernel position (I, J)
	 * holds the tap dy = 2I + u - a, dx = 2J + v - b where that lies in [0, k), else zero.
	 */
	static float[] spaceToDepthWeights(float[] w, int out, int in, int k) {
		int kk = (k + 1) / 2;
		float[] p = new float[out * 4 * in * 4 * kk * kk];
		for (int o = 0; o < out; o++) {
			for (int a = 0; a < 2; a++) {
				for (int b = 0; b < 2; b++) {
					for (int i = 0; i < in; i++) {
						for (int u = 0; u < 2; u++) {
							for (int v = 0; v < 2; v++) {
								int dst = (((o * 4 + a * 2 + b) * in * 4) + i * 4 + u * 2 + v) * kk * kk;
								for (int bi = 0; bi < kk; bi++) {
									int dy = 2 * bi + u - a;
									if (dy < 0 || dy >= k) continue;
									for (int bj = 0; bj < kk; bj++) {
										int dx = 2 * bj + v - b;
										if (dx < 0 || dx >= k) continue;
										p[dst + bi * kk + bj] = w[((o * in + i) * k + dy) * k + dx];
									}
								}
							}
						}
					}
				}
			}
		}
		return p;
	}
}
