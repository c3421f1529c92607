// Convert a StyleBank network trained with PyTorch into a StyleBank model. Runs headless:
//   ... -batch macros/import_stylebank.ijm "source=weights/run1 output=run1.stylebank"
//   ... "source=checkpoint.pth output=run1.stylebank.zip name=[My styles]"
// source: a checkpoint holding encoder, decoder and banks, or the folder with encoder.pth,
// decoder.pth and bank/ (one file per style). Only the weights are read; nothing in the file runs.
// (... = java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch)
result = call("org.neuralstyle.command.Headless.importStyleBank", getArgument());
if (startsWith(result, "Error:"))
	exit(result);
print(result);
