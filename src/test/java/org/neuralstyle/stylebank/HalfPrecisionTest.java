package org.neuralstyle.stylebank;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import ij.IJ;
import ij.ImagePlus;

import org.junit.jupiter.api.Test;
import org.neuralstyle.TestFiles;
import org.neuralstyle.bench.StyleBankBenchmark;
import org.neuralstyle.imagej.ImagePlanes;
import org.neuralstyle.nn.Engines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float16 convolution path (opt-in, -Dneuralstyle.half=gpu|true), run on the CPU, whose libtorch
 * has float16 convolutions too: same shape and type as float32, and close to it on a photo.
 */
class HalfPrecisionTest {

	@Test
	void float16ConvolutionsStayCloseToFloat32OnAPhoto() {
		ImagePlus photo = IJ.openImage(TestFiles.resource("samples/chelsea.png").toString());
		photo.setRoi(100, 20, 160, 120);
		photo = photo.crop();
		StyleBankModel model = StyleBankBenchmark.paperModel(7);
		try (StyleBankNetwork full = new StyleBankNetwork(model, Device.cpu(), false);
			StyleBankNetwork half = new StyleBankNetwork(model, Device.cpu(), true);
			NDManager m = Engines.pytorch().newBaseManager(Device.cpu()))
		{
			assertFalse(full.halfPrecision());
			assertTrue(half.halfPrecision());
			NDArray x = ImagePlanes.toTensor(photo, 1, m);
			for (StyleMix mix : new StyleMix[] { StyleMix.single("style"), StyleMix.reconstruction() }) {
				NDArray a = full.apply(x, mix), b = half.apply(x, mix);
				assertEquals(DataType.FLOAT32, b.getDataType());
				assertEquals(a.getShape(), b.getShape());
				float[] fa = a.toFloatArray(), fb = b.toFloatArray();
				double max = 0, sum = 0;
				for (int i = 0; i < fa.length; i++) {
					double d = Math.abs(fa[i] - fb[i]);
					max = Math.max(max, d);
					sum += d;
				}
				System.out.printf("float16 vs float32, %s: max abs error %.3g, mean %.3g (1/255 = %.3g)%n", mix.label(), max,
					sum / fa.length, 1 / 255.0);
				assertTrue(max < 4 / 255.0, "max abs error " + max);
				assertTrue(sum / fa.length < 0.5 / 255, "mean abs error " + sum / fa.length);
			}
		}
	}
}
