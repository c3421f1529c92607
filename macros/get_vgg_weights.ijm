// Install VGG weights for Gatys and training into the models folder. Runs headless:
//   ... -batch macros/get_vgg_weights.ijm "network=vgg19"                       (download, verified)
//   ... "file=/home/me/.cache/torch/hub/checkpoints/vgg19-dcbb9e9d.pth"        (torchvision's file you have)
//   ... "network=both torch_hub=true"                                           (files found in torch hub's cache)
// A torchvision file is checked against the SHA-256 digits in its name and read without running it.
// (... = java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch)
result = call("org.neuralstyle.command.Headless.getVggWeights", getArgument());
if (startsWith(result, "Error:"))
	exit(result);
print(result);
