package org.neuralstyle.stylebank;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.neuralstyle.TestFiles;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch StyleBank checkpoints (make_torch_fixtures.py, torch 1.13) imported and run: the
 * output equals PyTorch's own forward pass on the same weights, for both layouts in both
 * formats, float16 and views included; networks the format cannot express are refused.
 */
class PyTorchImportTest {

	static final double TOLERANCE = 1e-4;
	static Map<String, Tensor> ref;
	static NDManager manager;

	@TempDir
	Path tmp;

	@BeforeAll
	static void load() throws IOException {
		ref = Safetensors.read(Files.readAllBytes(TestFiles.resource("torchfile/outputs.safetensors")));
		manager = Engines.pytorch().newBaseManager(Device.cpu());
	}

	@AfterAll
	static void close() {
		manager.close();
	}

	@ParameterizedTest
	@ValueSource(strings = { "split_zip", "split_legacy", "whole_zip.pth", "whole_legacy_half.pth", "flat_names.pth" })
	void importedModelMatchesPyTorch(String fixture) throws Exception {
		Path source = TestFiles.resource("torchfile/" + fixture);
		PyTorchImport.Result r = PyTorchImport.read(source, "imported");
		Path out = tmp.resolve("imported.stylebank" + (fixture.startsWith("whole") ? ".zip" : ""));
		StyleBankModel model = PyTorchImport.write(r, out);
		assertArrayEquals(new int[] { 4, 6, 8 }, model.channels());
		assertEquals(List.of("0", "1"), model.styles().stream().map(StyleBankModel.Style::id).toList());
		StyleBankModel again = StyleBankModel.load(out);
		assertTrue(again.training().get("importedFrom").getAsString().startsWith("PyTorch: "), again.training().toString());
		String key = fixture.equals("flat_names.pth") ? "whole_zip" : fixture.replace(".pth", ""); // the same weights
		try (StyleBankNetwork net = new StyleBankNetwork(again, Device.cpu())) {
			check(net, key + ".reconstruction", StyleMix.reconstruction());
			check(net, key + ".style0", StyleMix.single("0"));
			check(net, key + ".fusion", StyleMix.parse("0:0.3,1:0.7", again));
		}
	}

	private static void check(StyleBankNetwork net, String key, StyleMix mix) {
		Tensor in = ref.get("input");
		Tensor want = ref.get(key);
		try (NDManager m = manager.newSubManager()) {
			NDArray y = net.apply(m.create(in.data(), new Shape(in.shape())), mix);
			float[] got = y.toFloatArray();
			double max = 0;
			for (int i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i] - want.data()[i]));
			System.out.printf("%s: max abs error vs PyTorch %.3g%n", key, max);
			assertTrue(max <= TOLERANCE, key + ": max abs error " + max);
		}
	}

	@Test
	void layoutsAreDescribed() throws IOException {
		assertTrue(PyTorchImport.read(TestFiles.resource("torchfile/split_zip"), "m").layout().contains("bank file"));
		PyTorchImport.Result whole = PyTorchImport.read(TestFiles.resource("torchfile/whole_zip.pth"), "m");
		assertTrue(whole.layout().contains("encoder_net"), whole.layout());
		// the encoder file alone finds its decoder and banks beside it
		assertEquals(2, PyTorchImport.read(TestFiles.resource("torchfile/split_legacy/encoder.pth"), "m").model().styles().size());
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
		"refused/transposed.pth|transposed.pth: decoder_net.0|transposed convolution",
		"refused/affine_in.pth|affine_in.pth: enconv1_in|scale and shift",
		"hostile/posix_system.pth|posix.system|holds code",
		"hostile/dotdot.pth|'..'|outside",
		"hostile/huge_header.pth|elements|claims",
		"hostile/truncated.pth|truncated.pth|truncated",
		"hostile/short_storage.pth|short_storage.pth|truncated or damaged",
		"hostile/builtins_eval.pth|builtins.eval|holds code",
		"hostile/unknown_class.pth|__main__.Config|holds code",
	})
	void unusableCheckpointsAreRefusedAndNothingIsWritten(String fixture, String names, String why) throws IOException {
		Path out = tmp.resolve("refused.stylebank");
		IOException e = assertThrows(IOException.class, () -> PyTorchImport.write(PyTorchImport.read(TestFiles.resource("torchfile/"
			+ fixture), "m"), out));
		assertTrue(e.getMessage().contains(names) && e.getMessage().contains(why), e.getMessage());
		try (Stream<Path> s = Files.list(tmp)) {
			assertEquals(List.of(), s.toList(), "nothing written");
		}
	}

	@Test
	void oneHostileBankFileRefusesTheWholeFolder() throws IOException {
		Path src = tmp.resolve("run");
		Files.createDirectories(src.resolve("bank"));
		for (String f : List.of("encoder.pth", "decoder.pth", "bank/0.path")) Files.copy(TestFiles.resource("torchfile/split_zip/" + f), src.resolve(f));
		Files.copy(TestFiles.resource("torchfile/hostile/posix_system.pth"), src.resolve("bank/1.path"));
		Path out = tmp.resolve("out.stylebank.zip");
		IOException e = assertThrows(IOException.class, () -> PyTorchImport.write(PyTorchImport.read(src, "m"), out));
		assertTrue(e.getMessage().contains("1.path") && e.getMessage().contains("refuses posix.system"), e.getMessage());
		try (Stream<Path> s = Files.list(tmp)) {
			assertEquals(List.of(src), s.toList(), "nothing written beside the source");
		}
	}
}
