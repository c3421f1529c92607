package org.neuralstyle.command;

import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.Menus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.ImageWindow;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import ij.io.FileSaver;
import ij.plugin.frame.Recorder;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.awt.Button;
import java.awt.Checkbox;
import java.awt.Choice;
import java.awt.Component;
import java.awt.Container;
import java.awt.Dialog;
import java.awt.EventQueue;
import java.awt.Frame;
import java.awt.Menu;
import java.awt.MenuBar;
import java.awt.MenuItem;
import java.awt.Point;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.TextComponent;
import java.awt.Window;
import java.awt.event.ActionEvent;
import java.awt.event.InputEvent;
import java.awt.event.KeyEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Test-only driver that runs INSIDE the real ImageJ 1.x GUI process started by {@link GuiIT}
 * under Xvfb ({@code java -Dplugins.dir=target/imagej -cp ij.jar:test-classes GuiDriver WORK
 * SAMPLES TINY_MODEL}). It starts ImageJ's own {@code ij.ImageJ.main}, so menus come from the
 * plugin jar in target/imagej/plugins, then operates the GUI like a user: java.awt.Robot keys
 * walk the menu bar (F10, arrows, Enter), the real GenericDialogs are filled and their OK button
 * clicked with the Robot mouse, the ImageJ Recorder records each command and the recorded line
 * is replayed with IJ.runMacro. Every outcome goes to WORK/result.properties (written after each
 * step) for GuiIT to assert on; a watchdog ends the process if anything hangs.
 */
public final class GuiDriver {

	static final long STEP_MS = 120_000;
	static Path work, samples, tiny;
	static final Properties result = new Properties();
	static Robot robot;

	private GuiDriver() {}

	public static void main(String[] args) throws Exception {
		work = Path.of(args[0]).toAbsolutePath();
		samples = Path.of(args[1]).toAbsolutePath();
		tiny = Path.of(args[2]).toAbsolutePath();
		Files.createDirectories(work);
		long limit = Long.getLong("gui.limit.seconds", 170);
		Thread watchdog = new Thread(() -> {
			try {
				Thread.sleep(limit * 1000);
			}
			catch (InterruptedException e) {
				return;
			}
			put("watchdog", "the driver did not finish in " + limit + " s; threads:\n" + threadDump());
			Runtime.getRuntime().halt(3);
		}, "gui-driver-watchdog");
		watchdog.setDaemon(true);
		watchdog.start();
		int exit = 0;
		try {
			run();
			put("done", "true");
		}
		catch (Throwable t) {
			StringWriter sw = new StringWriter();
			t.printStackTrace(new PrintWriter(sw));
			put("error", sw.toString());
			exit = 1;
		}
		finally {
			Runtime.getRuntime().halt(exit); // no "save changes?" dialogs, no prefs written
		}
	}

	static void run() throws Exception {
		ImageJ.main(new String[] { "-port0" }); // -port0: no "is another ImageJ running?" check
		ImageJ ij = waitFor("the ImageJ window", 30_000, () -> {
			ImageJ i = IJ.getInstance();
			return i != null && i.isShowing() && Menus.getMenuBar() != null ? i : null;
		});
		robot = new Robot();
		if (Boolean.getBoolean("gui.debug")) {
			java.awt.Toolkit.getDefaultToolkit().addAWTEventListener(e -> System.err.println("EVENT " + e), java.awt.AWTEvent.MOUSE_EVENT_MASK
				| java.awt.AWTEvent.FOCUS_EVENT_MASK | java.awt.AWTEvent.WINDOW_FOCUS_EVENT_MASK);
		}
		robot.setAutoDelay(30);
		onEdt(() -> ij.setLocation(0, 0));
		IJ.run("Record...");
		Recorder recorder = waitFor("the Recorder", 10_000, Recorder::getInstance);
		waitFor("recording", 5_000, () -> Recorder.record ? true : null);
		Rectangle bar = ij.getBounds();
		put("imagej.version", IJ.getVersion());

		ImagePlus chelsea = IJ.openImage(samples.resolve("chelsea.png").toString());
		chelsea.setRoi(new OvalRoi(120, 30, 200, 190));
		show(chelsea, 0, bar.height + 4);
		ImageWindow srcWin = chelsea.getWindow();
		onEdt(() -> recorder.setBounds(0, srcWin.getY() + srcWin.getHeight() + 4, 2 * srcWin.getWidth() + 6, 120));

		long t0 = System.nanoTime();
		applyStyleBank(chelsea, srcWin);
		t0 = seconds("apply", t0);
		inPlaceAndUndo(chelsea);
		t0 = seconds("inplace", t0);
		styleTheSelection(chelsea, srcWin);
		t0 = seconds("selection", t0);
		regions(chelsea);
		t0 = seconds("regions", t0);
		gatys(chelsea);
		t0 = seconds("gatys", t0);
		train();
		t0 = seconds("train", t0);
		learn();
		t0 = seconds("learn", t0);
		manage();
		t0 = seconds("manage", t0);
		getVggWeights();
		t0 = seconds("vgg", t0);
		settings();
		seconds("settings", t0);
		put("recorder.text", recorder.getText());
	}

	// ---------------------------------------------------------------- the commands

	static void applyStyleBank(ImagePlus src, ImageWindow srcWin) throws Exception {
		String cmd = "Apply StyleBank Style";
		ImagePlus first = command("apply", cmd, src, List.of(
			Map.of("model", "default"),
			Map.of("style", "starry_night", "mix", "", "device", "cpu")));
		put("apply.sameSize", String.valueOf(first.getWidth() == src.getWidth() && first.getHeight() == src.getHeight()));
		put("apply.changedInside", String.format(java.util.Locale.ROOT, "%.4f", changedInside(src, first)));
		replay("apply", cmd, src, first, 0);
	}

	/**
	 * Apply StyleBank Style with in_place ticked on a copy of the sample, then Edit > Undo from
	 * the menu: the copy (same window) holds the style, then its original pixels again.
	 */
	static void inPlaceAndUndo(ImagePlus chelsea) throws Exception {
		ImagePlus copy = new ImagePlus("copy.png", chelsea.getProcessor().crop().resize(120, 80));
		show(copy, 0, 700);
		int[] original = ((int[]) copy.getProcessor().getPixels()).clone();
		int id = copy.getID(), windows = WindowManager.getImageCount();
		makeCurrent(copy);
		runFromMenu("inplace", "Apply StyleBank Style", List.of(Map.of("model", "default"),
			Map.of("style", "the_scream", "mix", "", "device", "cpu", "in_place", "true")));
		put("inplace.sameWindow", String.valueOf(WindowManager.getImageCount() == windows && WindowManager.getImage(id) == copy));
		put("inplace.changed", String.valueOf(!java.util.Arrays.equals(original, (int[]) copy.getProcessor().getPixels())));
		makeCurrent(copy);
		IJ.doCommand("Undo"); // what the Edit > Undo menu item runs (in its own command thread)
		waitFor("undo", STEP_MS, () -> java.util.Arrays.equals(original, (int[]) copy.getProcessor().getPixels()) ? true : null);
		put("inplace.undone", "true");
		copy.changes = false;
		close(copy);
	}

	/** Apply Styles to Regions on the oval selection with the default model: the picture for the README. */
	static void styleTheSelection(ImagePlus src, ImageWindow srcWin) throws Exception {
		String cmd = "Apply Styles to Regions";
		ImagePlus first = command("selection", cmd, src, List.of(
			Map.of("model", "default", "regions", "selection"),
			Map.of("styles", "cat:starry_night", "outside", "keep", "feather", "4", "fusion", "whole-image", "device", "cpu")),
			() -> src.getRoi().setName("cat"));
		ImageWindow w = first.getWindow();
		onEdt(() -> w.setLocation(srcWin.getX() + srcWin.getWidth() + 6, srcWin.getY()));
		IJ.wait(300);
		put("selection.changedInside", String.format(java.util.Locale.ROOT, "%.4f", changedInside(src, first)));
		put("selection.changedFarOutside", String.format(java.util.Locale.ROOT, "%.4f", changedFarOutside(src, first, 12)));
		screenshot(work.resolve("screenshot.png"));
		replay("selection", cmd, src, first, 0);
	}

	/** The fraction of changed pixels farther than margin pixels outside the selection's bounds. */
	static double changedFarOutside(ImagePlus src, ImagePlus out, int margin) {
		Rectangle b = src.getRoi().getBounds();
		b.grow(margin, margin);
		int n = 0, changed = 0;
		for (int y = 0; y < src.getHeight(); y++) {
			for (int x = 0; x < src.getWidth(); x++) {
				if (b.contains(x, y)) continue;
				n++;
				if (src.getProcessor().getPixel(x, y) != out.getProcessor().getPixel(x, y)) changed++;
			}
		}
		return n == 0 ? 0 : changed / (double) n;
	}

	static void regions(ImagePlus src) throws Exception {
		String cmd = "Apply Styles to Regions";
		ImagePlus first = command("regions", cmd, src, List.of(
			Map.of("model", tiny.toString(), "regions", "selection"),
			Map.of("styles", "cat:beta*0.3+alpha*0.7", "outside", "reconstruct", "feather", "3", "fusion", "paper", "device", "cpu")),
			() -> src.getRoi().setName("cat"));
		put("regions.changedInside", String.format(java.util.Locale.ROOT, "%.4f", changedInside(src, first)));
		replay("regions", cmd, src, first, 0);
	}

	static void gatys(ImagePlus content) throws Exception {
		ImagePlus style = IJ.openImage(samples.resolve("starry_night.jpg").toString());
		show(style, 700, 600);
		String cmd = "Gatys Style Transfer";
		Map<String, String> v = new LinkedHashMap<>();
		v.put("style", style.getTitle());
		v.put("network", "offline");
		v.put("iterations", "3");
		v.put("size", "32");
		v.put("seed", "1");
		v.put("preview", "0");
		v.put("device", "cpu");
		ImagePlus first = command("gatys", cmd, content, List.of(v));
		put("gatys.width", String.valueOf(first.getWidth()));
		replay("gatys", cmd, content, first, 1);
		close(style);
	}

	static Path trainingData() throws IOException {
		Path data = work.resolve("data");
		Path content = data.resolve("content"), styles = data.resolve("styles");
		Files.createDirectories(content);
		Files.createDirectories(styles);
		Random r = new Random(9);
		for (int i = 0; i < 2; i++) {
			int[] px = new int[72 * 64];
			for (int p = 0; p < px.length; p++) px[p] = 0xff000000 | r.nextInt(1 << 24);
			new FileSaver(new ImagePlus("c", new ColorProcessor(72, 64, px))).saveAsPng(content.resolve("c" + i + ".png").toString());
		}
		Files.copy(samples.resolve("starry_night.jpg"), styles.resolve("starry_night.jpg"), StandardCopyOption.REPLACE_EXISTING);
		Files.copy(samples.resolve("great_wave.jpg"), styles.resolve("great_wave.jpg"), StandardCopyOption.REPLACE_EXISTING);
		return data;
	}

	static void train() throws Exception {
		Path data = trainingData();
		Path out = work.resolve("train").resolve("gui.stylebank");
		Files.createDirectories(out.getParent());
		Map<String, String> v = new LinkedHashMap<>();
		v.put("content", data.resolve("content").toString());
		v.put("styles", data.resolve("styles").toString());
		v.put("output", out.toString());
		v.put("iterations", "4");
		v.put("size", "32");
		v.put("batch", "2");
		v.put("more", "channels=4,8,8 network=offline seed=1 deterministic=true");
		String line = fileCommand("train", "Train StyleBank Model", List.of(v), () -> Files.exists(out.resolve("model.json")));
		Path run1 = out.resolveSibling("run1.stylebank");
		Files.move(out, run1);
		deleteTree(Path.of(out + ".checkpoint"));
		replayFile("train", line, () -> Files.exists(out.resolve("model.json")));
		put("train.weightsDiff", String.valueOf(weightsDiff(run1, out)));
	}

	static void learn() throws Exception {
		Path data = work.resolve("data");
		Path orig = work.resolve("learn").resolve("orig.stylebank"), model = work.resolve("learn").resolve("gui.stylebank");
		copyTree(tiny, orig);
		copyTree(orig, model);
		Map<String, String> v = new LinkedHashMap<>();
		v.put("model", model.toString());
		v.put("style", data.resolve("styles").resolve("great_wave.jpg").toString());
		v.put("id", "wave2");
		v.put("content", data.resolve("content").toString());
		v.put("iterations", "4");
		v.put("size", "32");
		v.put("more", "network=offline seed=1 deterministic=true");
		String line = fileCommand("learn", "Learn New StyleBank Style", List.of(v), () -> Files.exists(model.resolve("banks/wave2.safetensors")));
		Path run1 = model.resolveSibling("run1.stylebank");
		Files.move(model, run1);
		copyTree(orig, model);
		replayFile("learn", line, () -> Files.exists(model.resolve("banks/wave2.safetensors")));
		put("learn.weightsDiff", String.valueOf(weightsDiff(run1, model)));
		put("learn.hasStyle", String.valueOf(Files.readString(model.resolve("model.json")).contains("wave2")));
	}

	static void manage() throws Exception {
		Path dir = work.resolve("manage"), model = dir.resolve("gui.stylebank"), file = dir.resolve("alpha.stylebank-style.safetensors");
		copyTree(tiny, model);
		Map<String, String> v = new LinkedHashMap<>();
		v.put("model", model.toString());
		v.put("action", "export");
		v.put("style", "alpha");
		v.put("file", file.toString());
		String line = fileCommand("manage", "Manage StyleBank Styles", List.of(v), () -> Files.exists(file));
		Path run1 = dir.resolve("run1.safetensors");
		Files.move(file, run1);
		replayFile("manage", line, () -> Files.exists(file));
		put("manage.sameExport", String.valueOf(Arrays.equals(Files.readAllBytes(run1), Files.readAllBytes(file))));

		v.put("action", "rename");
		v.put("style", "beta");
		v.put("name", "Beta renamed in the GUI");
		v.put("file", "");
		Path json = model.resolve("model.json");
		String before = Files.readString(json);
		line = fileCommand("rename", "Manage StyleBank Styles", List.of(v), () -> Files.readString(json).contains("renamed in the GUI"));
		String after = Files.readString(json);
		Files.writeString(json, before);
		replayFile("rename", line, () -> Files.readString(json).contains("renamed in the GUI"));
		put("rename.sameModelJson", String.valueOf(after.equals(Files.readString(json))));
	}

	/**
	 * Get VGG Weights when the file is already there (nothing may be downloaded in a test): the
	 * command says so in the log, records its line, and the replay says so again.
	 */
	static void getVggWeights() throws Exception {
		Path models = work.resolve("models");
		Files.createDirectories(models);
		Files.write(models.resolve("vgg16.tv_in1k.safetensors"), new byte[] { 0 });
		String models0 = System.getProperty("neuralstyle.models");
		System.setProperty("neuralstyle.models", models.toString()); // this step only; restored below
		try {
			int before = count(IJ.getLog(), "vgg16 weights are already installed");
			String line = fileCommand("vgg", "Get VGG Weights", List.of(Map.of("network", "vgg16")),
				() -> count(IJ.getLog(), "vgg16 weights are already installed") > before);
			replayFile("vgg", line, () -> count(IJ.getLog(), "vgg16 weights are already installed") > before + 1);
			put("vgg.onlyTheFakeFile", String.valueOf(Files.list(models).count() == 1 && Files.size(models.resolve("vgg16.tv_in1k.safetensors")) == 1));
		}
		finally {
			if (models0 != null) System.setProperty("neuralstyle.models", models0);
		}
	}

	static int count(String text, String what) {
		if (text == null) return 0;
		int n = 0;
		for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
		return n;
	}

	/** Style Transfer Settings: the values become the settings every door reads; the replay sets them again. */
	static void settings() throws Exception {
		Map<String, String> v = new LinkedHashMap<>();
		v.put("memory", "1536");
		v.put("tiling", "fast");
		v.put("device", "cpu");
		String line = fileCommand("settings", "Style Transfer Settings", List.of(v), GuiDriver::settingsChanged);
		pluginSettings("set", "neuralstyle.memory.mb", "0");
		pluginSettings("set", "neuralstyle.tiling", "exact");
		replayFile("settings", line, GuiDriver::settingsChanged);
		IJ.runMacro("run(\"Style Transfer Settings\", \"memory=0 tiling=exact device=auto\");\n");
		put("settings.restored", String.valueOf(currentSettings().equals("0 EXACT")));
	}

	static boolean settingsChanged() throws Exception {
		return currentSettings().equals("1536 FAST");
	}

	/** "memoryMb TILING" as the plugin's own Settings.current() sees them. */
	static String currentSettings() throws Exception {
		Object now = pluginSettings("current");
		return now.getClass().getMethod("memoryMb").invoke(now) + " " + now.getClass().getMethod("tiling").invoke(now);
	}

	/**
	 * Calls a static method of the plugin's Settings class. The plugin jar is loaded by ImageJ's
	 * plugin class loader (plugins.dir), not by this driver's class path, so it is reached the way
	 * ImageJ itself reaches it: through IJ.getClassLoader().
	 */
	static Object pluginSettings(String method, String... args) throws Exception {
		Class<?> c = Class.forName("org.neuralstyle.imagej.Settings", true, IJ.getClassLoader());
		Class<?>[] types = new Class<?>[args.length];
		java.util.Arrays.fill(types, String.class);
		return c.getMethod(method, types).invoke(null, (Object[]) args);
	}

	// ---------------------------------------------------------------- driving the GUI

	/** Runs cmd from the menu on src, fills its dialogs, waits for the new image; records the macro line. */
	static ImagePlus command(String key, String cmd, ImagePlus src, List<Map<String, String>> dialogs) throws Exception {
		return command(key, cmd, src, dialogs, () -> {});
	}

	static ImagePlus command(String key, String cmd, ImagePlus src, List<Map<String, String>> dialogs, Runnable before) throws Exception {
		makeCurrent(src);
		before.run();
		int[] ids = WindowManager.getIDList();
		runFromMenu(key, cmd, dialogs);
		ImagePlus out = waitFor(cmd + " result window", STEP_MS, () -> {
			ImagePlus imp = WindowManager.getCurrentImage();
			return imp != null && imp != src && !contains(ids, imp.getID()) && imp.getWindow() != null && imp.getWindow().isShowing()
				? imp : null;
		});
		put(key + ".result", out.getTitle() + " " + out.getWidth() + "x" + out.getHeight());
		return out;
	}

	/** Makes imp the current image (the window that opened last may still be taking the focus). */
	static void makeCurrent(ImagePlus imp) {
		long end = System.currentTimeMillis() + 5_000;
		int stable = 0;
		while (stable < 5 && System.currentTimeMillis() < end) {
			if (WindowManager.getCurrentImage() == imp) stable++;
			else {
				stable = 0;
				onEdt(() -> imp.getWindow().toFront());
				WindowManager.setCurrentWindow(imp.getWindow());
			}
			robot.waitForIdle();
			IJ.wait(100);
		}
		if (WindowManager.getCurrentImage() != imp) throw new IllegalStateException(imp.getTitle() + " does not stay the current image");
	}

	/** Runs a command that writes files; returns its recorded line. */
	static String fileCommand(String key, String cmd, List<Map<String, String>> dialogs, Check done) throws Exception {
		runFromMenu(key, cmd, dialogs);
		waitFor(cmd + " output", STEP_MS, done::orNull);
		return put(key + ".recorded", recordedLine(cmd));
	}

	static void runFromMenu(String key, String cmd, List<Map<String, String>> dialogs) throws Exception {
		int before = recorderLines(cmd);
		long tm = System.nanoTime();
		put(key + ".menu", openMenu("Plugins", "Style Transfer", cmd, dialogs.isEmpty() ? null : titleOf(cmd)));
		System.err.printf("TIMING %s menu %.1f s%n", key, (System.nanoTime() - tm) / 1e9);
		for (int i = 0; i < dialogs.size(); i++) {
			String title = titleOf(cmd) + (i == 0 ? "" : ":");
			boolean exact = i == 0;
			GenericDialog gd = waitFor("dialog '" + title + "'", STEP_MS, () -> genericDialog(title, exact));
			System.err.printf("TIMING %s dialog %d shown %.1f s%n", key, i + 1, (System.nanoTime() - tm) / 1e9);
			fill(gd, dialogs.get(i));
			put(key + ".ok" + (i + 1), pressOk(gd));
			System.err.printf("TIMING %s dialog %d ok %.1f s%n", key, i + 1, (System.nanoTime() - tm) / 1e9);
		}
		// the command ends (and the Recorder saves its line) in the "cmd" thread started by the menu;
		// meanwhile the event thread must stay free (the work runs off it): its answer time is measured
		long[] worst = { 0 };
		waitFor(cmd + " to finish", STEP_MS, () -> {
			if (!commandThreadAlive(cmd)) return true;
			long t = System.nanoTime();
			try {
				java.awt.EventQueue.invokeAndWait(() -> {});
			}
			catch (Exception e) {
				throw new IllegalStateException(e);
			}
			worst[0] = Math.max(worst[0], (System.nanoTime() - t) / 1_000_000);
			return null;
		});
		put(key + ".edtWorstMs", String.valueOf(worst[0]));
		System.err.printf("TIMING %s finished %.1f s%n", key, (System.nanoTime() - tm) / 1e9);
		waitFor("the recorded line of " + cmd, 5_000, () -> recorderLines(cmd) > before ? true : null);
		if (!key.equals("train") && !key.equals("learn") && !key.equals("manage") && !key.equals("rename")) put(key + ".recorded", recordedLine(cmd));
	}

	static String titleOf(String cmd) {
		return cmd;
	}

	/**
	 * Opens menu path with the keyboard as a user would: F10 on the ImageJ window, arrow keys
	 * through the menu bar and the submenus, Enter. If the keyboard does not reach the item
	 * (no dialog within 10 s) the MenuItem's own action is fired, and the method says so.
	 */
	static String openMenu(String top, String sub, String item, String expectDialog) throws Exception {
		MenuBar mb = Menus.getMenuBar();
		Menu topMenu = null;
		for (int i = 0; i < mb.getMenuCount(); i++) if (mb.getMenu(i).getLabel().equals(top)) topMenu = mb.getMenu(i);
		if (topMenu == null) throw new IllegalStateException("no menu " + top);
		Menu subMenu = (Menu) topMenu.getItem(itemIndex(topMenu, sub));
		MenuItem target = subMenu.getItem(itemIndex(subMenu, item));

		ImageJ ij = IJ.getInstance();
		try {
			Object bar = peer(mb);
			// a window that opened a moment ago (a plot, a result) may still take the focus after the
			// click that gives ImageJ the keyboard: then F10 goes there, so try again, up to four times
			for (int attempt = 1;; attempt++) {
				onEdt(ij::toFront);
				Point p = onEdtGet(ij::getLocationOnScreen);
				robot.mouseMove(p.x + ij.getWidth() / 2, p.y + ij.getHeight() - 8); // ImageJ's status line: gives it the keyboard
				robot.mousePress(InputEvent.BUTTON1_DOWN_MASK);
				robot.mouseRelease(InputEvent.BUTTON1_DOWN_MASK);
				robot.waitForIdle();
				// F10 reaches the menu bar only when ImageJ's frame holds the keyboard: wait for that (up to 2 s), and
				// ask for it as well, since on a virtual display without a window manager a click does not always move it
				try {
					waitFor("ImageJ to get the keyboard", 2_000, () -> focusedWindow() == ij ? true : null);
				}
				catch (IllegalStateException e) {
					onEdt(() -> {
						ij.toFront();
						ij.requestFocus();
					});
					robot.waitForIdle();
				}
				IJ.wait(200);
				key(KeyEvent.VK_F10);
				try {
					waitFor("the menu bar to open", 3_000, () -> selected(bar));
					break;
				}
				catch (IllegalStateException e) {
					key(KeyEvent.VK_ESCAPE);
					if (attempt == 4) {
						if (focusedWindow() != ij) throw new NoKeyboardFocus(e.getMessage() + "; the keyboard focus: " + focusedWindow());
						throw e;
					}
					System.err.printf("TIMING menu bar did not open (focus: %s), attempt %d%n", String.valueOf(focusedWindow()), attempt);
				}
			}
			select(bar, topMenu, KeyEvent.VK_RIGHT);
			Object topWindow = call(peer(topMenu), "getMenuWindow");
			select(topWindow, subMenu, KeyEvent.VK_DOWN);
			key(KeyEvent.VK_RIGHT);
			Object subWindow = call(peer(subMenu), "getMenuWindow");
			select(subWindow, target, KeyEvent.VK_DOWN);
			if (Boolean.getBoolean("gui.debug")) screenshot(work.resolve("menu.png"));
			key(KeyEvent.VK_ENTER);
			if (expectDialog != null) waitFor("dialog after the menu", 10_000, () -> genericDialog(expectDialog, true));
			return "keyboard";
		}
		catch (ReflectiveOperationException | IllegalStateException e) {
			put("menu.keyboardProblem", e.toString());
			boolean noFocus = e instanceof NoKeyboardFocus;
			key(KeyEvent.VK_ESCAPE);
			key(KeyEvent.VK_ESCAPE);
			key(KeyEvent.VK_ESCAPE);
			if (genericDialog(expectDialog, true) != null) return "keyboard (slow)";
			onEdt(() -> {
				for (var l : target.getActionListeners()) l.actionPerformed(new ActionEvent(target, ActionEvent.ACTION_PERFORMED, item));
			});
			return noFocus ? NO_KEYBOARD_FOCUS : "menu-item-action";
		}
	}

	/**
	 * What {@link #openMenu} reports when the virtual display never gave ImageJ's frame the keyboard (four clicks on
	 * it and a focus request, each followed by F10): an X focus matter, not the plugin's. The item was then found at
	 * its menu path and fired by its own action; a menu bar that opened but did not lead to the item still fails.
	 */
	static final String NO_KEYBOARD_FOCUS = "menu-item-action (ImageJ never got the keyboard)";

	/** The menu bar did not open because ImageJ's frame did not hold the keyboard focus. */
	static final class NoKeyboardFocus extends IllegalStateException {
		NoKeyboardFocus(String message) {
			super(message);
		}
	}

	/** The window that holds the keyboard focus (null if none). */
	static java.awt.Window focusedWindow() {
		return onEdtGet(() -> java.awt.KeyboardFocusManager.getCurrentKeyboardFocusManager().getFocusedWindow());
	}

	/** The menu item that the keyboard has selected in a menu bar or menu window peer (XToolkit). */
	static MenuItem selected(Object menuWindowPeer) {
		try {
			Object item = call(menuWindowPeer, "getSelectedItem");
			return item == null ? null : (MenuItem) call(item, "getTarget");
		}
		catch (ReflectiveOperationException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Presses the key until the item is selected; each press waits for the selection to move (a key sent too early is repeated). */
	static void select(Object menuWindowPeer, MenuItem item, int keyCode) {
		long t0 = System.nanoTime();
		for (int i = 0; i < 100; i++) {
			MenuItem now = selected(menuWindowPeer);
			if (now == item) {
				System.err.printf("TIMING select %s: %d keys, %.1f s%n", item.getLabel(), i, (System.nanoTime() - t0) / 1e9);
				return;
			}
			key(keyCode);
			try {
				waitFor("the selection to move", 1_000, () -> selected(menuWindowPeer) != now ? true : null);
			}
			catch (IllegalStateException e) {
				// the key was lost (a menu window was still opening): press again
			}
		}
		throw new IllegalStateException("the keyboard did not reach " + item.getLabel());
	}

	static Object peer(java.awt.MenuComponent c) throws ReflectiveOperationException {
		var f = java.awt.MenuComponent.class.getDeclaredField("peer");
		f.setAccessible(true);
		Object p = f.get(c);
		if (p == null) throw new IllegalStateException("no peer for " + c);
		return p;
	}

	static Object call(Object o, String name) throws ReflectiveOperationException {
		for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
			for (var m : c.getDeclaredMethods()) {
				if (m.getName().equals(name) && m.getParameterCount() == 0) {
					m.setAccessible(true);
					return m.invoke(o);
				}
			}
		}
		throw new NoSuchMethodException(o.getClass() + "." + name);
	}

	static void key(int code) {
		robot.keyPress(code);
		robot.keyRelease(code);
		robot.waitForIdle();
		robot.delay(60);
	}

	static int itemIndex(Menu m, String label) {
		for (int i = 0; i < m.getItemCount(); i++) if (m.getItem(i).getLabel().equals(label)) return i;
		throw new IllegalStateException("no '" + label + "' in menu " + m.getLabel());
	}

	static GenericDialog genericDialog(String title, boolean exact) {
		failOnMessages();
		for (Window w : Window.getWindows()) {
			if (w instanceof GenericDialog gd && gd.isShowing()) {
				String t = gd.getTitle();
				if (exact ? t.equals(title) : t.startsWith(title)) return gd;
			}
		}
		return null;
	}

	/** An error or message box (IJ.error) is a failure: its text ends the test instead of a hang. */
	static void failOnMessages() {
		for (Window w : Window.getWindows()) {
			if (w.isShowing() && w instanceof Dialog d && !(w instanceof GenericDialog)) {
				String text = texts(d);
				onEdt(d::dispose);
				throw new AssertionError("unexpected dialog '" + d.getTitle() + "': " + text);
			}
		}
	}

	static String texts(Container c) {
		StringBuilder sb = new StringBuilder();
		for (Component k : c.getComponents()) {
			if (k instanceof ij.gui.MultiLineLabel m) {
				try {
					var f = ij.gui.MultiLineLabel.class.getDeclaredField("lines");
					f.setAccessible(true);
					sb.append(String.join(" ", (String[]) f.get(m))).append(' ');
				}
				catch (ReflectiveOperationException e) {
					sb.append(m).append(' ');
				}
			}
			else if (k instanceof java.awt.Label l) sb.append(l.getText()).append(' ');
			else if (k instanceof TextComponent t) sb.append(t.getText()).append(' ');
			else if (k instanceof Container cc) sb.append(texts(cc));
		}
		return sb.toString();
	}

	/** Sets the dialog's fields by their macro keys (the first word of the label, as the Recorder writes it). */
	static void fill(GenericDialog gd, Map<String, String> values) throws Exception {
		Map<String, Component> byKey = new TreeMap<>();
		var f = GenericDialog.class.getDeclaredField("labels");
		f.setAccessible(true);
		Map<?, ?> labels = (Map<?, ?>) f.get(gd);
		if (labels != null) for (var e : labels.entrySet()) byKey.put(ij.Macro.trimKey(String.valueOf(e.getValue())), (Component) e.getKey());
		for (var e : values.entrySet()) {
			Component c = byKey.get(e.getKey());
			if (c == null) throw new IllegalStateException("dialog '" + gd.getTitle() + "' has no field '" + e.getKey() + "'; it has " + byKey.keySet());
			onEdt(() -> {
				if (c instanceof TextComponent t) t.setText(e.getValue());
				else if (c instanceof Choice ch) {
					ch.select(e.getValue());
					if (!ch.getSelectedItem().equals(e.getValue())) throw new IllegalStateException(e.getKey() + ": no choice " + e.getValue());
				}
				else if (c instanceof Checkbox cb) cb.setState(Boolean.parseBoolean(e.getValue()));
				else throw new IllegalStateException("cannot set " + c);
			});
		}
	}

	/** Clicks OK with the Robot mouse; if the click does not close the dialog in 5 s, the OK action is fired. */
	static String pressOk(GenericDialog gd) throws Exception {
		Button ok = gd.getButtons()[0];
		// without a window manager AWT's idea of where a dialog is can be stale (a reused dialog
		// position reads as 0,0): move it to a known place so that the click lands on OK
		onEdt(() -> {
			java.awt.Dimension screen = java.awt.Toolkit.getDefaultToolkit().getScreenSize();
			gd.setLocation(Math.max(0, (screen.width - gd.getWidth()) / 2), Math.max(0, Math.min(screen.height - gd.getHeight(), 300)));
			gd.toFront();
		});
		robot.waitForIdle();
		try { // a click before the new window is mapped and focused is lost
			waitFor("the dialog to get the focus", 3_000, () -> gd.isActive() && ok.isShowing() ? true : null);
		}
		catch (IllegalStateException e) {
			// click anyway
		}
		IJ.wait(250);
		if (Boolean.getBoolean("gui.debug")) screenshot(work.resolve("ok-" + gd.getTitle().replace(' ', '_').replace(':', '_') + ".png"));
		// on a loaded machine a click can be lost (window not yet ready for input): look, then click again
		for (int attempt = 1; attempt <= 3; attempt++) {
			if (attempt == 3 && gd.isActive()) { // the dialog has the keyboard: Enter is OK
				key(KeyEvent.VK_ENTER);
				try {
					waitFor("the dialog to close", 5_000, () -> gd.isShowing() ? null : true);
					return "enter";
				}
				catch (IllegalStateException e) {
					screenshot(work.resolve("missed-enter-" + gd.getTitle().replaceAll("[^A-Za-z]", "_") + ".png"));
				}
			}
			Point p = onEdtGet(ok::getLocationOnScreen);
			robot.mouseMove(p.x + ok.getWidth() / 2, p.y + ok.getHeight() / 2);
			if (Boolean.getBoolean("gui.debug")) System.err.println("CLICK " + gd.getTitle() + " at " + p + " " + gd.getBounds());
			robot.mousePress(InputEvent.BUTTON1_DOWN_MASK);
			robot.mouseRelease(InputEvent.BUTTON1_DOWN_MASK);
			robot.waitForIdle();
			try {
				waitFor("the dialog to close", 5_000, () -> gd.isShowing() ? null : true);
				return attempt == 1 ? "mouse" : "mouse (" + attempt + " clicks)";
			}
			catch (IllegalStateException e) {
				screenshot(work.resolve("missed-click-" + attempt + "-" + gd.getTitle().replaceAll("[^A-Za-z]", "_") + ".png"));
			}
		}
		onEdt(() -> gd.actionPerformed(new ActionEvent(ok, ActionEvent.ACTION_PERFORMED, "OK")));
		return "action";
	}

	static boolean commandThreadAlive(String cmd) {
		failOnMessages();
		for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().equals(cmd) && t.isAlive()) return true;
		return false;
	}

	static int recorderLines(String cmd) {
		Recorder r = Recorder.getInstance();
		return r == null ? 0 : (int) r.getText().lines().filter(l -> l.startsWith("run(\"" + cmd + "\"")).count();
	}

	static String recordedLine(String cmd) {
		List<String> lines = Recorder.getInstance().getText().lines().filter(l -> l.startsWith("run(\"" + cmd + "\"")).toList();
		if (lines.isEmpty()) throw new IllegalStateException("the Recorder has no line for " + cmd + ":\n" + Recorder.getInstance().getText());
		return lines.get(lines.size() - 1);
	}

	/** Replays the recorded line on src and compares the new image with the first result. */
	static void replay(String key, String cmd, ImagePlus src, ImagePlus first, int tolerance) {
		String line = result.getProperty(key + ".recorded");
		WindowManager.setCurrentWindow(src.getWindow());
		int[] ids = WindowManager.getIDList();
		String err = IJ.runMacro("selectImage(" + src.getID() + ");\n" + line + "\n");
		if (err != null && !err.isEmpty()) put(key + ".replayError", err);
		ImagePlus again = WindowManager.getCurrentImage();
		if (again == null || again == src || contains(ids, again.getID())) {
			put(key + ".replayDiff", "no new image");
			return;
		}
		int diff = maxDiff(first.getProcessor(), again.getProcessor());
		put(key + ".replayDiff", String.valueOf(diff));
		put(key + ".replayTolerance", String.valueOf(tolerance));
		close(again);
		if (!key.equals("selection")) close(first);
	}

	static void replayFile(String key, String line, Check done) throws Exception {
		String err = IJ.runMacro(line + "\n");
		if (err != null && !err.isEmpty()) put(key + ".replayError", err);
		failOnMessages();
		put(key + ".replayed", String.valueOf(done.ok()));
	}

	interface Check {
		boolean ok() throws Exception;

		default Boolean orNull() {
			try {
				return ok() ? true : null;
			}
			catch (Exception e) {
				return null;
			}
		}
	}

	// ---------------------------------------------------------------- images, files, screen

	static void show(ImagePlus imp, int x, int y) {
		imp.show();
		waitFor(imp.getTitle() + " window", 10_000, () -> imp.getWindow() != null && imp.getWindow().isShowing() ? true : null);
		onEdt(() -> imp.getWindow().setLocation(x, y));
	}

	static void close(ImagePlus imp) {
		imp.changes = false;
		imp.close();
	}

	/** The fraction of pixels inside the source's selection that the result changed. */
	static double changedInside(ImagePlus src, ImagePlus out) {
		Roi roi = src.getRoi();
		ImageProcessor mask = roi.getMask();
		Rectangle b = roi.getBounds();
		int in = 0, changed = 0;
		for (int y = 0; y < b.height; y++) {
			for (int x = 0; x < b.width; x++) {
				if (mask != null && mask.get(x, y) == 0) continue;
				in++;
				if (src.getProcessor().getPixel(b.x + x, b.y + y) != out.getProcessor().getPixel(b.x + x, b.y + y)) changed++;
			}
		}
		return in == 0 ? 0 : changed / (double) in;
	}

	/** The largest difference of one 8-bit channel (Integer.MAX_VALUE if the sizes differ). */
	static int maxDiff(ImageProcessor a, ImageProcessor b) {
		if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight() || a.getClass() != b.getClass()) return Integer.MAX_VALUE;
		int max = 0;
		for (int i = 0; i < a.getPixelCount(); i++) {
			int p = a.get(i), q = b.get(i);
			if (a instanceof ColorProcessor) {
				for (int s = 0; s < 24; s += 8) max = Math.max(max, Math.abs(((p >> s) & 255) - ((q >> s) & 255)));
			}
			else max = Math.max(max, Math.abs(p - q));
		}
		return max;
	}

	/** The largest difference between the float32 weights of two model folders (all .safetensors files, same names). */
	static double weightsDiff(Path a, Path b) throws IOException {
		List<Path> fa = safetensors(a), fb = safetensors(b);
		List<String> na = fa.stream().map(p -> a.relativize(p).toString()).toList(), nb = fb.stream().map(p -> b.relativize(p).toString()).toList();
		if (!na.equals(nb)) return Double.POSITIVE_INFINITY;
		double max = 0;
		for (int i = 0; i < fa.size(); i++) {
			byte[] x = Files.readAllBytes(fa.get(i)), y = Files.readAllBytes(fb.get(i));
			if (Arrays.equals(x, y)) continue;
			if (x.length != y.length) return Double.POSITIVE_INFINITY;
			long header = ByteBuffer.wrap(x, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
			if (!new String(x, 8, (int) header, StandardCharsets.UTF_8).equals(new String(y, 8, (int) header, StandardCharsets.UTF_8))) {
				return Double.POSITIVE_INFINITY;
			}
			ByteBuffer bx = ByteBuffer.wrap(x).order(ByteOrder.LITTLE_ENDIAN), by = ByteBuffer.wrap(y).order(ByteOrder.LITTLE_ENDIAN);
			for (int o = 8 + (int) header; o + 4 <= x.length; o += 4) max = Math.max(max, Math.abs(bx.getFloat(o) - by.getFloat(o)));
		}
		return max;
	}

	static List<Path> safetensors(Path dir) throws IOException {
		try (Stream<Path> s = Files.walk(dir)) {
			return s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
		}
	}

	static void copyTree(Path from, Path to) throws IOException {
		deleteTree(to);
		try (Stream<Path> s = Files.walk(from)) {
			for (Path p : s.toList()) {
				Path t = to.resolve(from.relativize(p).toString());
				if (Files.isDirectory(p)) Files.createDirectories(t);
				else Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
			}
		}
	}

	static void deleteTree(Path p) throws IOException {
		if (!Files.exists(p)) return;
		try (Stream<Path> s = Files.walk(p)) {
			for (Path q : s.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) Files.delete(q);
		}
	}

	/** A screenshot of the part of the screen that holds ImageJ's windows. */
	static void screenshot(Path file) throws IOException {
		robot.waitForIdle();
		IJ.wait(500);
		Rectangle all = null;
		for (Window w : Window.getWindows()) {
			if (!w.isShowing() || !(w instanceof Frame || file.getFileName().toString().startsWith("missed"))) continue;
			Rectangle r = w.getBounds();
			all = all == null ? r : all.union(r);
		}
		Rectangle screen = new Rectangle(java.awt.Toolkit.getDefaultToolkit().getScreenSize());
		Rectangle area = all == null ? screen : new Rectangle(all.x - 8, all.y - 8, all.width + 16, all.height + 16).intersection(screen);
		javax.imageio.ImageIO.write(robot.createScreenCapture(area), "png", file.toFile());
		put("screenshot." + file.getFileName(), area.width + "x" + area.height);
	}

	// ---------------------------------------------------------------- plumbing

	static long seconds(String key, long t0) {
		long t = System.nanoTime();
		put(key + ".seconds", String.format(java.util.Locale.ROOT, "%.1f", (t - t0) / 1e9));
		return t;
	}

	static boolean contains(int[] ids, int id) {
		if (ids != null) for (int i : ids) if (i == id) return true;
		return false;
	}

	static <T> T waitFor(String what, long ms, Supplier<T> condition) {
		long end = System.currentTimeMillis() + ms;
		while (true) {
			T t = condition.get();
			if (t != null) return t;
			if (System.currentTimeMillis() > end) throw new IllegalStateException("timed out after " + ms + " ms waiting for " + what);
			IJ.wait(100);
		}
	}

	interface Edt {
		void run() throws Exception;
	}

	static void onEdt(Edt r) {
		onEdtGet(() -> {
			try {
				r.run();
			}
			catch (RuntimeException | Error e) {
				throw e;
			}
			catch (Exception e) {
				throw new IllegalStateException(e);
			}
			return null;
		});
	}

	static <T> T onEdtGet(Supplier<T> s) {
		List<T> out = new ArrayList<>(1);
		List<Throwable> err = new ArrayList<>(1);
		try {
			EventQueue.invokeAndWait(() -> {
				try {
					out.add(s.get());
				}
				catch (Throwable t) {
					err.add(t);
				}
			});
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
		if (!err.isEmpty()) {
			if (err.get(0) instanceof RuntimeException re) throw re;
			if (err.get(0) instanceof Error er) throw er;
			throw new IllegalStateException(err.get(0));
		}
		return out.get(0);
	}

	static synchronized String put(String key, String value) {
		result.setProperty(key, value);
		try (var w = Files.newBufferedWriter(work.resolve("result.properties"))) {
			result.store(w, "written by GuiDriver");
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return value;
	}

	static String threadDump() {
		StringBuilder sb = new StringBuilder();
		for (var e : Thread.getAllStackTraces().entrySet()) {
			sb.append(e.getKey().getName()).append('\n');
			for (var f : Arrays.copyOf(e.getValue(), Math.min(12, e.getValue().length))) sb.append("  at ").append(f).append('\n');
		}
		return sb.toString();
	}
}
