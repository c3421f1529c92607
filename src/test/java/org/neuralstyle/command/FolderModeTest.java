package org.neuralstyle.command;

import ij.IJ;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import ij.io.RoiEncoder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.Progress;
import org.neuralstyle.imagej.FolderRunner;
import org.neuralstyle.imagej.Options;
import org.neuralstyle.imagej.Settings;
import org.scijava.command.CommandModule;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Folder mode through its doors: the same bits as one image at a time, failures logged, skips, re-runs, cancel. */
class FolderModeTest {

	@TempDir
	Path tmp;

	static String args(Collection c, String more) {
		return "input=[" + c.input() + "] output=[" + c.output() + "] " + Collection.STYLE + " " + more;
	}

	@Test
	void headlessFolderEqualsOneImageAtATimeLogsTheCorruptFileAndSkipsTheDoneOne() throws Exception {
		Collection c = Collection.make(tmp);
		String line = Headless.stylizeFolder(args(c, ""));
		// a failed file makes the run an error: exit status 1 in -batch (Headless.run)
		assertTrue(line.startsWith("Error: 1 file(s) failed: 2 written, 1 skipped"), line);
		assertTrue(line.contains("stylize-log.csv"), line);
		c.checkFirstRun();

		// again: everything done is skipped, the corrupt file fails again, nothing is rewritten
		Files.setLastModifiedTime(c.output().resolve("a.tif"), Collection.OLD);
		line = Headless.stylizeFolder(args(c, ""));
		assertTrue(line.startsWith("Error: 1 file(s) failed: 0 written, 3 skipped"), line);
		assertEquals(Collection.OLD, Files.getLastModifiedTime(c.output().resolve("a.tif")));

		// overwrite=true rewrites, with the same bits; a pattern leaves the corrupt file out: success
		line = Headless.stylizeFolder(args(c, "overwrite=true pattern=*.PNG"));
		assertTrue(line.startsWith("Stylized folder: 1 written, 0 skipped (already there), 0 failed of 1"), line);
		assertArrayEquals(Files.readAllBytes(c.reference().resolve("b.tif")), Files.readAllBytes(c.output().resolve("b.tif")));
		assertEquals("done", c.log().get("b.png")[0]);
	}

	@Test
	void theMenuEntryAndTheSciJavaCommandGiveTheSameResult() throws Exception {
		Collection c = Collection.make(tmp);
		DoorParityTest.Ij1 ij1 = DoorParityTest.ij1(null, args(c, ""), () -> new StylizeFolderPlugin().run(""));
		assertTrue(ij1.console().contains("1 file(s) failed"), ij1.console());
		c.checkFirstRun();

		Files.delete(c.output().resolve("a.tif"));
		Files.delete(c.output().resolve("b.tif"));
		CommandModule m = DoorParityTest.scijava(StylizeFolderCommand.class, "input", c.input().toFile(), "output", c.output().toFile(),
			"style", "alpha", "options", "model=" + Collection.TINY + " device=cpu");
		assertTrue(String.valueOf(m.getOutput("report")).contains("2 written, 1 skipped"), String.valueOf(m.getOutput("report")));
		assertTrue(m.isCanceled(), "a failed file cancels the command with the summary as reason");
		c.checkFirstRun();
	}

	@Test
	void cancelStopsAfterTheCurrentFileAndTheNextRunContinues() throws Exception {
		Collection c = Collection.make(tmp);
		Files.delete(c.input().resolve("c.tif"));
		Progress cancelAfterFirst = new Progress() { // Esc pressed while a.tif is being stylized
			@Override
			public void report(int done, int total, String message) {}

			@Override
			public boolean isCancelled() {
				return Files.exists(c.output().resolve("a.tif"));
			}
		};
		FolderRunner.Request request = FolderRunner.Request.from(Options.parse(args(c, ""), FolderRunner.Request.KEYS), Settings.current());
		FolderRunner.Summary s = FolderRunner.run(request, cancelAfterFirst);
		assertTrue(s.cancelled());
		assertEquals(1, s.rows().size(), "a.tif was finished, then the run stopped");
		assertTrue(s.line(c.output()).startsWith("Cancelled after 1 of 3 files"), s.line(c.output()));
		assertFalse(Files.exists(c.output().resolve("b.tif")));
		s = FolderRunner.run(request, Progress.NONE);
		assertEquals(1, s.count(FolderRunner.Status.DONE));
		assertEquals(2, s.count(FolderRunner.Status.SKIPPED));
		assertArrayEquals(Files.readAllBytes(c.reference().resolve("b.tif")), Files.readAllBytes(c.output().resolve("b.tif")));
	}

	@Test
	void aRoiSetPerImageStylizesThatImageByRegionAsTheRegionCommandDoes() throws Exception {
		Collection c = Collection.make(tmp);
		Files.delete(c.input().resolve("c.tif"));
		Path rois = Files.createDirectories(tmp.resolve("rois"));
		Roi roi = new OvalRoi(3, 2, 15, 12);
		roi.setName("cells");
		try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(rois.resolve("a.zip")))) {
			zip.putNextEntry(new ZipEntry("cells.roi"));
			zip.write(RoiEncoder.saveAsByteArray(roi));
			zip.closeEntry();
		}
		String regions = "styles=[cells:beta] outside=keep feather=2";
		String line = Headless.stylizeFolder(args(c, "rois=[" + rois + "] " + regions));
		assertTrue(line.startsWith("Stylized folder: 2 written, 1 skipped"), line);
		Path single = tmp.resolve("a-regions.tif");
		String one = Headless.stylizeRegions("input=[" + c.input().resolve("a.tif") + "] rois=[" + rois.resolve("a.zip") + "] output=["
			+ single + "] model=" + Collection.TINY + " device=cpu " + regions);
		assertTrue(one.startsWith("Wrote"), one);
		assertArrayEquals(Files.readAllBytes(single), Files.readAllBytes(c.output().resolve("a.tif")), "a.tif by region");
		assertArrayEquals(Files.readAllBytes(c.reference().resolve("b.tif")), Files.readAllBytes(c.output().resolve("b.tif")),
			"b.png has no RoiSet: the whole image with style=");
	}

	@Test
	void badRequestsAreRefusedBeforeAnyWork() throws Exception {
		Collection c = Collection.make(tmp);
		String same = Headless.stylizeFolder("input=[" + c.input() + "] output=[" + c.input() + "] " + Collection.STYLE);
		assertTrue(same.contains("must not be the input folder"), same);
		String regionsWithoutRois = Headless.stylizeFolder(args(c, "outside=keep"));
		assertTrue(regionsWithoutRois.contains("give rois=FOLDER"), regionsWithoutRois);
		String typo = args(c, "overwrit=true");
		DoorParityTest.sameRefusal(Headless.stylizeFolder(typo), DoorParityTest.scijava(StylizeFolderCommand.class, "input", c.input().toFile(),
			"output", c.output().toFile(), "style", "alpha", "options", "model=" + Collection.TINY + " overwrit=true"),
			DoorParityTest.ij1(null, typo, () -> new StylizeFolderPlugin().run("")), "unknown argument 'overwrit'. Did you mean 'overwrite'?");
		String none = Headless.stylizeFolder(args(c, "pattern=*.jp2"));
		assertTrue(none.contains("no file in"), none);
		assertThrows(IllegalArgumentException.class, () -> FolderRunner.Request.from(Options.parse("input=[" + c.input() + "] output=[" + tmp.resolve("o")
			+ "] " + Collection.STYLE + " format=jpg", FolderRunner.Request.KEYS), Settings.current()));
		try (var f = Files.list(c.output())) {
			assertEquals(1, f.count(), "only the complete output that was there");
		}
		assertTrue(IJ.getLog() == null || !IJ.getLog().contains("Exception"));
	}
}
