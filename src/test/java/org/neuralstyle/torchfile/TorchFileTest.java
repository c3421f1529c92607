package org.neuralstyle.torchfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.neuralstyle.TestFiles;
import org.neuralstyle.nn.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checkpoint reader on files written by PyTorch (src/test/python/make_torch_fixtures.py), and on hostile ones. */
class TorchFileTest {

	static Path fixture(String name) {
		return TestFiles.resource("torchfile/" + name);
	}

	static Map<String, Tensor> all(String name) throws IOException {
		try (TorchFile f = TorchFile.open(fixture(name))) {
			return f.readAll();
		}
	}

	@Test
	void zipAndLegacyFormatsGiveTheSameTensors() throws IOException {
		try (TorchFile z = TorchFile.open(fixture("split_zip/encoder.pth")); TorchFile l = TorchFile.open(fixture("split_legacy/encoder.pth"))) {
			assertEquals(TorchFile.Format.ZIP, z.format());
			assertEquals(TorchFile.Format.LEGACY, l.format());
			assertEquals(z.tensors().keySet(), l.tensors().keySet());
			assertTrue(z.tensors().containsKey("0.conv2d.weight"), z.tensors().keySet().toString());
			assertArrayEquals(new long[] { 4, 3, 9, 9 }, z.tensors().get("0.conv2d.weight").shape());
			for (String k : z.tensors().keySet()) assertArrayEquals(z.read(k).data(), l.read(k).data(), k);
		}
	}

	@Test
	void viewsWithOffsetAndStridesComeOutRight() throws IOException {
		Map<String, Tensor> whole = all("whole_zip.pth");
		// nested: {"state_dict": {...}, "epoch": 7}
		Tensor bank1 = whole.get("state_dict.style_bank.1.0.conv2d.weight");
		assertArrayEquals(all("split_zip/bank/1.path").get("0.conv2d.weight").data(), bank1.data(), "view at offset 5");
		Tensor d3 = whole.get("state_dict.decoder_net.6.conv2d.weight");
		assertArrayEquals(all("split_zip/decoder.pth").get("6.conv2d.weight").data(), d3.data(), "non-contiguous view");
		assertFalse(whole.containsKey("epoch"));
	}

	@Test
	void float16IsConverted() throws IOException {
		try (TorchFile f = TorchFile.open(fixture("split_legacy/bank/1.path"))) {
			assertEquals("HalfStorage", f.tensors().get("0.conv2d.weight").type());
			float[] half = f.read("0.conv2d.weight").data();
			float[] full = all("split_zip/bank/1.path").get("0.conv2d.weight").data();
			for (int i = 0; i < half.length; i++) assertEquals(full[i], half[i], Math.abs(full[i]) * 1e-3 + 1e-7);
		}
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
		"hostile/posix_system.pth|refuses posix.system: this file holds code, not only weights",
		"hostile/posix_system_legacy.pth|refuses posix.system",
		"hostile/builtins_eval.pth|refuses builtins.eval",
		"hostile/unknown_class.pth|refuses __main__.Config",
		"hostile/truncated.pth|truncated",
		"hostile/short_storage.pth|truncated or damaged",
		"hostile/huge_header.pth|claims 1152921504606846976 elements",
		"hostile/dotdot.pth|'..'",
	})
	void hostileFilesAreRefusedClearly(String file, String message) {
		TorchFileException e = assertThrows(TorchFileException.class, () -> all(file));
		assertTrue(e.getMessage().contains(message), e.getMessage());
		assertTrue(e.getMessage().contains(Path.of(file).getFileName().toString()), "names the file: " + e.getMessage());
	}

	@Test
	void notACheckpointIsRefused() throws IOException {
		Path p = Files.createTempFile("not-torch", ".pth");
		try {
			Files.writeString(p, "hello");
			TorchFileException e = assertThrows(TorchFileException.class, () -> TorchFile.open(p));
			assertTrue(e.getMessage().contains("not a PyTorch checkpoint"), e.getMessage());
		}
		finally {
			Files.delete(p);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "dtypes.pth", "dtypes_protocol4.pth" })
	void elementTypesNestingAndProtocolsComeOutRight(String file) throws IOException {
		Map<String, Tensor> want = org.neuralstyle.nn.Safetensors.read(Files.readAllBytes(fixture("dtypes_expected.safetensors")));
		Map<String, Tensor> got = all(file);
		assertEquals(java.util.Set.of("f32", "f64", "bf16", "f16", "i64", "nested.0", "nested.1.deeper"), got.keySet());
		assertArrayEquals(want.get("f32").data(), got.get("f32").data());
		assertArrayEquals(want.get("f32").data(), got.get("f64").data(), "float64 of float32 values");
		assertArrayEquals(want.get("bf16").data(), got.get("bf16").data());
		assertArrayEquals(want.get("f16").data(), got.get("f16").data());
		assertArrayEquals(want.get("i64").data(), got.get("i64").data());
		assertArrayEquals(want.get("row1").data(), got.get("nested.0").data(), "a row view at an offset, in a list");
		assertArrayEquals(want.get("transposed").data(), got.get("nested.1.deeper").data(), "a transposed view, nested deeper");
		assertArrayEquals(new long[] { 3, 2 }, got.get("nested.1.deeper").shape());
	}

	/** Hand-made pickles: what torch.save never writes is refused with a message, never a crash or a hang. */
	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
		// protocol 0 GLOBAL of os.system, then REDUCE
		"63 6f 73 0a 73 79 73 74 65 6d 0a 28 56 6c 73 0a 74 52 2e|refuses os.system",
		// INST names a class too
		"28 69 5f 5f 6d 61 69 6e 5f 5f 0a 45 76 69 6c 0a 2e|refuses __main__.Evil",
		// a list appended to itself, then walked
		"80 02 5d 71 00 68 00 61 2e|holds no tensors",
		// ends in the middle
		"80 02 7d 71 00 28 58 05 00 00|ends early",
		// a string claiming 2 GB
		"80 02 58 ff ff ff 7f|truncated",
		// an unknown opcode
		"80 02 ff|unsupported pickle opcode 0xff",
	})
	void handMadePicklesAreRefused(String hex, String message) throws IOException {
		String[] parts = hex.split(" ");
		byte[] pickle = new byte[parts.length];
		for (int i = 0; i < parts.length; i++) pickle[i] = (byte) Integer.parseInt(parts[i], 16);
		Path p = Files.createTempFile("hand", ".pth");
		try {
			try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(p))) {
				zip.putNextEntry(new java.util.zip.ZipEntry("hand/data.pkl"));
				zip.write(pickle);
				zip.closeEntry();
			}
			TorchFileException e = assertThrows(TorchFileException.class, () -> TorchFile.open(p).close());
			assertTrue(e.getMessage().contains(message), e.getMessage());
		}
		finally {
			Files.delete(p);
		}
	}
}
