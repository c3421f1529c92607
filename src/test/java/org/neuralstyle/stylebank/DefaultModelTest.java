package org.neuralstyle.stylebank;

import org.junit.jupiter.api.Test;
import org.neuralstyle.TestFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model shipped in the jar loads, names its styles' source images, and says how it was trained. */
class DefaultModelTest {

	@Test
	void theShippedModelIsComplete() throws Exception {
		assertTrue(DefaultModel.isDefault(""));
		assertTrue(DefaultModel.isDefault("default"));
		Path p = DefaultModel.resolve("default", TestFiles.modelsFolder());
		assertTrue(Files.isRegularFile(p));
		assertEquals(p, DefaultModel.path(TestFiles.modelsFolder()), "copied once, then reused");
		StyleBankModel m = StyleBankModel.load(p);
		assertEquals(List.of("great_wave", "starry_night", "the_scream"), m.styles().stream().map(StyleBankModel.Style::id).sorted().toList());
		for (StyleBankModel.Style s : m.styles()) {
			assertTrue(s.source().endsWith(".jpg"), s.source());
			assertNotNull(m.thumbnail(s.id()), "thumbnail of " + s.id());
		}
		assertNotNull(m.training(), "the manifest records the training");
		assertTrue(m.training().toString().contains("offline"), m.training().toString());
	}
}
