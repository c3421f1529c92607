// List, rename, remove, export and import the styles of a StyleBank model. Runs headless:
//   ... -batch macros/manage_styles.ijm "model=M action=list"
//   ... "model=M action=rename style=ID name=[New name]"
//   ... "model=M action=remove style=ID"
//   ... "model=M action=export style=ID file=ID.stylebank-style.safetensors"   (one shareable file)
//   ... "model=M action=import file=ID.stylebank-style.safetensors"            (refused for another autoencoder)
// (... = java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch). output= saves elsewhere.
result = call("org.neuralstyle.command.Headless.manageStyles", getArgument());
if (startsWith(result, "Error:"))
	exit(result);
print(result);
