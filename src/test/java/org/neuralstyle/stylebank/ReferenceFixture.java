package org.neuralstyle.stylebank;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.neuralstyle.TestFiles;
import org.neuralstyle.nn.Engines;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;

import java.nio.file.Files;
import java.util.Map;

/** The PyTorch reference outputs and the tiny model's network, shared by the reference tests. */
abstract class ReferenceFixture {

	static Map<String, Tensor> ref;
	static StyleBankNetwork net;
	static NDManager manager;

	@BeforeAll
	static void load() throws Exception {
		ref = Safetensors.read(Files.readAllBytes(TestFiles.resource("reference/outputs.safetensors")));
		net = new StyleBankNetwork(StyleBankModel.load(TestFiles.tinyModel()), Device.cpu());
		manager = Engines.pytorch().newBaseManager(Device.cpu());
	}

	@AfterAll
	static void close() {
		net.close();
		manager.close();
	}
}
