package org.neuralstyle.stylebank;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.neuralstyle.nn.AtomicFiles;
import org.neuralstyle.nn.Safetensors;
import org.neuralstyle.nn.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint folder: {@code model.stylebank} (the weights so far), {@code
 * optimizer.safetensors} (Adam's moments in float32 and step counts) and {@code
 * checkpoint.json} (iteration, the last stylizing gradient norm, settings, loss history). Each
 * file is written whole and renamed into place, so an interrupted save never leaves a
 * half-written file.
 */
record Checkpoint(StyleBankModel model, Map<String, Tensor> adam, Map<String, String> adamSteps, int iteration,
	double lastStyleGradNorm, List<Trainer.LossRecord> history)
{
	private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create(); // skipped steps hold NaN

	void save(Path dir, TrainingSettings settings) throws IOException {
		Files.createDirectories(dir);
		model.save(dir.resolve("model.stylebank"));
		AtomicFiles.write(dir.resolve("optimizer.safetensors"), Safetensors.toBytes(adam, adamSteps));
		JsonObject j = new JsonObject();
		j.addProperty("iteration", iteration);
		j.addProperty("lastStyleGradNorm", Double.isNaN(lastStyleGradNorm) ? -1 : lastStyleGradNorm);
		j.add("settings", settings.toJson());
		j.add("history", GSON.toJsonTree(history));
		AtomicFiles.write(dir.resolve("checkpoint.json"), GSON.toJson(j).getBytes(StandardCharsets.UTF_8));
	}

	static Checkpoint load(Path dir) throws IOException {
		StyleBankModel model = StyleBankModel.load(dir.resolve("model.stylebank"));
		JsonObject j = JsonParser.parseString(Files.readString(dir.resolve("checkpoint.json"))).getAsJsonObject();
		double g = j.get("lastStyleGradNorm").getAsDouble();
		List<Trainer.LossRecord> history = new ArrayList<>();
		for (var e : j.getAsJsonArray("history")) history.add(GSON.fromJson(e, Trainer.LossRecord.class));
		byte[] opt = Files.readAllBytes(dir.resolve("optimizer.safetensors"));
		return new Checkpoint(model, Safetensors.read(opt), Safetensors.metadata(opt), j.get("iteration").getAsInt(),
			g < 0 ? Double.NaN : g, history);
	}
}
