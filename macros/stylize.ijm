// Stylize an image with a StyleBank model. Runs headless (no display needed):
//   java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch macros/stylize.ijm \
//        "input=IN model=MODEL style=ID output=OUT [device=auto|cpu|gpu]"
// style may also be a mix, "id1:0.3,id2:0.7", or "reconstruction". OUT ends in .png or .tif.
// In -batch mode a failure prints "Error: ..." to stderr and exits with status 1.
result = call("org.neuralstyle.command.Headless.stylize", getArgument());
if (startsWith(result, "Error:"))
	exit(result);
print(result);
