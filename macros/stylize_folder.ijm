// Stylize every image of a folder with a StyleBank model, in one process (the model is loaded once).
// Runs headless (no display needed):
//   java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch macros/stylize_folder.ijm \
//        "input=DIR output=DIR model=MODEL style=ID [pattern=*.tif] [overwrite=false] [rois=DIR] [format=tif|png]"
// Existing outputs are skipped (a stopped run continues where it stopped) unless overwrite=true.
// A file that cannot be read or stylized is recorded in OUTPUT/stylize-log.csv and the rest go on.
// In -batch mode any failed file makes the run print "Error: ..." to stderr and exit with status 1.
result = call("org.neuralstyle.command.Headless.stylizeFolder", getArgument());
if (startsWith(result, "Error:"))
	exit(result);
print(result);
