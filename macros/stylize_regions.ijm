// Give each region its own StyleBank style. Runs headless (no display needed):
//   java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch macros/stylize_regions.ijm \
//        "input=IN model=MODEL rois=ROISET.zip styles=NAME1:ID1,NAME2:ID2 outside=keep|reconstruct|STYLEID feather=R fusion=whole-image|region-aware|paper output=OUT"
// rois: a .roi file or a RoiSet .zip saved by the ROI Manager. styles is optional: without it each
// ROI's "style" property, or else its name, picks the style. A region may mix styles: NAME:ID1*0.5+ID2*0.5.
// Defaults: outside=keep feather=4 fusion=whole-image device=auto.
// In -batch mode a failure prints "Error: ..." to stderr and exits with status 1.
result = call("org.neuralstyle.command.Headless.stylizeRegions", getArgument());
if (startsWith(result, "Error:"))
	exit(result);
print(result);
