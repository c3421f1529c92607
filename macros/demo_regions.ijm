// Demo of region styles, run from the repository root after `mvn -B package -DskipTests`:
//   java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch macros/demo_regions.ijm
// Writes target/demo/chelsea-regions.png (region-aware fusion) and target/demo/chelsea-regions-paper.png.
// It uses the random-weight test model: it shows the mechanics (two regions, soft borders, untouched
// rest), not artistic styles.
File.makeDirectory("target/demo");
common = "input=src/test/resources/samples/chelsea.png model=src/test/resources/reference/tiny.stylebank"
	+ " rois=src/test/resources/samples/chelsea-regions.zip outside=keep feather=8";
print(call("org.neuralstyle.command.Headless.stylizeRegions", common + " fusion=region-aware output=target/demo/chelsea-regions.png"));
print(call("org.neuralstyle.command.Headless.stylizeRegions", common + " fusion=paper output=target/demo/chelsea-regions-paper.png"));
