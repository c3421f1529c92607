package org.neuralstyle.image;

/**
 * Colour control for style transfer (Gatys et al. 2017, "Controlling Perceptual Factors in
 * Neural Style Transfer"): YIQ conversion for luminance-only transfer, and matching the colour
 * statistics (mean and covariance) of one image to another's. Images are float arrays in CHW
 * order (3 planes of H x W) with values in [0, 1].
 */
public final class Colour {

	private Colour() {}

	// NTSC YIQ (FCC 1953 coefficients)
	private static final double[][] RGB2YIQ = {
		{ 0.299, 0.587, 0.114 },
		{ 0.595716, -0.274453, -0.321263 },
		{ 0.211456, -0.522591, 0.311135 } };
	private static final double[][] YIQ2RGB = invert(RGB2YIQ);

	public static float[] toYiq(float[] rgb) {
		return apply(RGB2YIQ, rgb);
	}

	public static float[] toRgb(float[] yiq) {
		return apply(YIQ2RGB, yiq);
	}

	/** Y replicated into three channels: the grey picture the network sees for luminance-only transfer. */
	public static float[] luminanceAsRgb(float[] rgb) {
		int n = rgb.length / 3;
		float[] yiq = toYiq(rgb);
		float[] out = new float[rgb.length];
		for (int i = 0; i < n; i++) out[i] = out[n + i] = out[2 * n + i] = yiq[i];
		return out;
	}

	/** The luminance of {@code stylized} (its first channel if grey) with the chroma (I, Q) of {@code content}. */
	public static float[] combineLuminance(float[] stylized, float[] content) {
		int n = content.length / 3;
		float[] y = toYiq(stylized);
		float[] c = toYiq(content);
		System.arraycopy(y, 0, c, 0, n);
		return toRgb(c);
	}

	/**
	 * Linear colour transfer: {@code source}'s colours moved so that their mean and covariance
	 * equal {@code target}'s: x' = A (x - mu_s) + mu_t with A = C_t^(1/2) C_s^(-1/2)
	 * (symmetric square roots). Used to give the style image the content's palette.
	 */
	public static float[] matchStatistics(float[] source, float[] target) {
		double[] ms = mean(source), mt = mean(target);
		double[][] cs = cov(source, ms), ct = cov(target, mt);
		double[][] a = mul(sqrtm(ct, false), sqrtm(cs, true));
		int n = source.length / 3;
		float[] out = new float[source.length];
		for (int i = 0; i < n; i++) {
			double r = source[i] - ms[0], g = source[n + i] - ms[1], b = source[2 * n + i] - ms[2];
			for (int c = 0; c < 3; c++) {
				double v = a[c][0] * r + a[c][1] * g + a[c][2] * b + mt[c];
				out[c * n + i] = (float) Math.min(1, Math.max(0, v));
			}
		}
		return out;
	}

	static double[] mean(float[] x) {
		int n = x.length / 3;
		double[] m = new double[3];
		for (int c = 0; c < 3; c++) {
			double s = 0;
			for (int i = 0; i < n; i++) s += x[c * n + i];
			m[c] = s / n;
		}
		return m;
	}

	static double[][] cov(float[] x, double[] m) {
		int n = x.length / 3;
		double[][] c = new double[3][3];
		for (int i = 0; i < n; i++) {
			for (int a = 0; a < 3; a++) {
				double da = x[a * n + i] - m[a];
				for (int b = 0; b < 3; b++) c[a][b] += da * (x[b * n + i] - m[b]);
			}
		}
		for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) c[a][b] = c[a][b] / n + (a == b ? 1e-5 : 0);
		return c;
	}

	/** Symmetric square root (or inverse square root) of a 3 x 3 SPD matrix by Jacobi eigen-decomposition. */
	static double[][] sqrtm(double[][] m, boolean inverse) {
		double[][] a = { m[0].clone(), m[1].clone(), m[2].clone() };
		double[][] v = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
		for (int sweep = 0; sweep < 50; sweep++) {
			double off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
			if (off < 1e-30) break;
			for (int p = 0; p < 2; p++) {
				for (int q = p + 1; q < 3; q++) {
					if (Math.abs(a[p][q]) < 1e-300) continue;
					double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
					double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
					if (theta == 0) t = 1;
					double c = 1 / Math.sqrt(t * t + 1), s = t * c;
					for (int k = 0; k < 3; k++) {
						double akp = a[k][p], akq = a[k][q];
						a[k][p] = c * akp - s * akq;
						a[k][q] = s * akp + c * akq;
					}
					for (int k = 0; k < 3; k++) {
						double apk = a[p][k], aqk = a[q][k];
						a[p][k] = c * apk - s * aqk;
						a[q][k] = s * apk + c * aqk;
					}
					for (int k = 0; k < 3; k++) {
						double vkp = v[k][p], vkq = v[k][q];
						v[k][p] = c * vkp - s * vkq;
						v[k][q] = s * vkp + c * vkq;
					}
				}
			}
		}
		double[][] out = new double[3][3];
		for (int k = 0; k < 3; k++) {
			double e = Math.max(a[k][k], 1e-12);
			double f = inverse ? 1 / Math.sqrt(e) : Math.sqrt(e);
			for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) out[i][j] += v[i][k] * f * v[j][k];
		}
		return out;
	}

	static double[][] mul(double[][] a, double[][] b) {
		double[][] c = new double[3][3];
		for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) c[i][j] += a[i][k] * b[k][j];
		return c;
	}

	private static float[] apply(double[][] m, float[] x) {
		int n = x.length / 3;
		float[] out = new float[x.length];
		for (int i = 0; i < n; i++) {
			double a = x[i], b = x[n + i], c = x[2 * n + i];
			for (int r = 0; r < 3; r++) out[r * n + i] = (float) (m[r][0] * a + m[r][1] * b + m[r][2] * c);
		}
		return out;
	}

	private static double[][] invert(double[][] m) {
		double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
			+ m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
		double[][] r = new double[3][3];
		for (int i = 0; i < 3; i++) {
			for (int j = 0; j < 3; j++) {
				int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
				r[i][j] = (m[i1][j1] * m[i2][j2] - m[i1][j2] * m[i2][j1]) / det;
			}
		}
		return r;
	}
}
