// Learn a new style for an existing StyleBank model; the autoencoder stays frozen (and its file
// byte-identical), only a new filter bank is trained. Runs headless:
//   java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch macros/learn_style.ijm \
//        "model=DIR style=IMAGE id=ID content=FOLDER iterations=N size=S"
// Further: name= (display name), output= (write the extended model elsewhere), batch lr style_weight
// content_weight tv_weight seed network=auto|vgg16|offline download=true device.
// targets=FOLDER: learn the style towards target images (FOLDER/ID/CONTENT_NAME.png, e.g. Gatys
// results of the content images in this style), as train.ijm does; pixel_weight, style_weight 0 unless given.
result = call("org.neuralstyle.command.Headless.learnStyle", getArgument());
if (startsWith(result, "Error:"))
	exit(result);
print(result);
