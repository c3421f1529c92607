// The demo: Gatys style transfer with the offline default network (no download, no GPU), run from
// the repository root after building:
//   mvn -B package -DskipTests && java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch macros/demo.ijm
// Writes to target/demo/:
//   chelsea-gatys.png          the whole photo in the style of The Starry Night
//   chelsea-gatys-regions.png  two regions (RoiSet): the oval gets The Starry Night, the polygon
//                              The Great Wave; the rest keeps its original pixels
//   chelsea-default-STYLE.png  StyleBank with the default model shipped in the plugin, one per style
//   chelsea-default-regions.png the default model's styles per region (StyleBank Eq. 6, whole-image fusion)
// The offline network has no trained weights: expect the painting's palette and brush strokes, not the quality of
// a trained VGG (see README, "Gatys" and "The default model").
// One optional argument, iterations=N (default 100), for a quicker look (the tests use 10).
iterations = 100;
arg = getArgument();
if (startsWith(arg, "iterations=")) iterations = parseInt(substring(arg, lengthOf("iterations=")));
else if (arg != "") exit("unknown argument '" + arg + "'. Known argument: iterations=N");
if (isNaN(iterations) || iterations < 1) exit("iterations= must be a whole number of at least 1");
File.makeDirectory("target/demo");
samples = "src/test/resources/samples/";
common = " network=offline size=256 iterations=" + iterations + " seed=1";
print(call("org.neuralstyle.command.Headless.gatys", "input=" + samples + "chelsea.png style=" + samples + "starry_night.jpg"
	+ common + " output=target/demo/chelsea-gatys.png"));
print(call("org.neuralstyle.command.Headless.gatys", "input=" + samples + "chelsea.png style=" + samples + "starry_night.jpg,"
	+ samples + "great_wave.jpg rois=" + samples + "chelsea-regions.zip styles=alpha:1,beta:2 outside=keep feather=6"
	+ common + " output=target/demo/chelsea-gatys-regions.png"));
styles = newArray("starry_night", "the_scream", "great_wave");
for (i = 0; i < styles.length; i++)
	print(call("org.neuralstyle.command.Headless.stylize", "input=" + samples + "chelsea.png style=" + styles[i]
		+ " output=target/demo/chelsea-default-" + styles[i] + ".png"));
print(call("org.neuralstyle.command.Headless.stylizeRegions", "input=" + samples + "chelsea.png rois=" + samples
	+ "chelsea-regions.zip styles=alpha:starry_night,beta:great_wave outside=keep feather=6"
	+ " output=target/demo/chelsea-default-regions.png"));
