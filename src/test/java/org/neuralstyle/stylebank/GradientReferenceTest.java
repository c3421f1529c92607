package org.neuralstyle.stylebank;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;
import org.neuralstyle.TestFiles;
import org.neuralstyle.nn.Autograd;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;
import org.neuralstyle.nn.Vgg;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradients training and Gatys follow, against an independent PyTorch computation in float64
 * (src/test/python/make_gradient_reference.py): the tiny model (channels 8/12/16, with the
 * convolution shapes that libtorch 2.7.1's oneDNN computed wrongly on our machines: up to 100 %
 * error before {@code Convolution}) and the first two VGG blocks.
 */
class GradientReferenceTest {

	static final double TOLERANCE = 1e-4;

	static Map<String, Tensor> ref() throws Exception {
		return Safetensors.read(Files.readAllBytes(TestFiles.resource("reference/gradients.safetensors")));
	}

	@Test
	void styleBankGradientsMatchPyTorch() throws Exception {
		Map<String, Tensor> ref = ref();
		try (StyleBankNetwork net = new StyleBankNetwork(StyleBankModel.load(TestFiles.tinyModel()), Device.cpu(), false);
			NDManager m = Engines.pytorch().newBaseManager(); Autograd.Session session = Autograd.begin("a gradient test"))
		{
			Map<String, NDArray> params = net.parameters(List.of("alpha"));
			for (NDArray p : params.values()) p.setRequiresGradient(true);
			NDArray x = array(m, ref.get("stylebank.input"));
			x.setRequiresGradient(true);
			try (GradientCollector gc = session.collector()) {
				NDArray y = net.decode(net.bank(net.encode(x), StyleMix.single("alpha")), false);
				check("output", y.toFloatArray(), ref.get("stylebank.output"));
				session.backward(gc, y.mul(array(m, ref.get("stylebank.weighting"))).sum());
			}
			check("input", x.getGradient().toFloatArray(), ref.get("stylebank.grad.input"));
			for (var e : params.entrySet()) {
				String key = e.getKey().replace("bank.alpha.", "bank.");
				// a bias is measured on its layer's scale: before an instance normalisation its gradient is exactly 0
				Tensor weight = ref.get("stylebank.grad." + key.replace(".bias", ".weight"));
				check(key, e.getValue().getGradient().toFloatArray(), ref.get("stylebank.grad." + key), maxAbs(weight.data()));
			}
		}
	}

	@Test
	void vggImageGradientMatchesPyTorch() throws Exception {
		Map<String, Tensor> ref = ref();
		try (Vgg vgg = Vgg.load(TestFiles.resource("reference/vgg_partial.safetensors"), Vgg.Arch.VGG19, Vgg.Pooling.MAX,
			Set.of("relu2_1"), Device.cpu()); NDManager m = Engines.pytorch().newBaseManager();
			Autograd.Session session = Autograd.begin("a gradient test"))
		{
			NDArray img = array(m, ref.get("vgg.input"));
			img.setRequiresGradient(true);
			try (GradientCollector gc = session.collector()) {
				NDArray f = vgg.features(img, Set.of("relu2_1")).get("relu2_1");
				session.backward(gc, f.mul(array(m, ref.get("vgg.weighting"))).sum());
			}
			check("vgg image", img.getGradient().toFloatArray(), ref.get("vgg.grad.input"));
		}
	}

	static NDArray array(NDManager m, Tensor t) {
		return m.create(t.data(), new Shape(t.shape()));
	}

	static void check(String what, float[] got, Tensor want) {
		check(what, got, want, 0);
	}

	static double maxAbs(float[] a) {
		double m = 0;
		for (float f : a) m = Math.max(m, Math.abs(f));
		return m;
	}

	/** Max |difference| relative to max(|reference|, floor) at most TOLERANCE (float32 rounding gives about 1e-6). */
	static void check(String what, float[] got, Tensor want, double floor) {
		double max = 0, scale = Math.max(floor, 1e-30);
		for (int i = 0; i < got.length; i++) {
			double d = Math.abs(got[i] - want.data()[i]);
			if (!(d <= max)) max = d;
			scale = Math.max(scale, Math.abs(want.data()[i]));
		}
		System.out.printf("gradient %s: relative error vs PyTorch %.2g%n", what, max / scale);
		assertTrue(max / scale <= TOLERANCE, what + ": relative error " + max / scale + " against PyTorch");
	}
}
