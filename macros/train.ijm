// Train a StyleBank model (joint training with the (T+1) alternating strategy). Runs headless:
//   java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch macros/train.ijm \
//        "content=FOLDER styles=FOLDER output=NAME.stylebank [size=256 batch=4 iterations=20000 ...]"
// styles: one image per style (the id comes from the file name). Settings: size batch iterations lr decay
// decay_every content_weight style_weight tv_weight t lambda seed channels=32,64,128 bank_kernel
// checkpoint_every (checkpoints go to OUTPUT.checkpoint, or checkpoint=DIR; resume=true continues one),
// deterministic=true (one libtorch thread: the same seed gives the same weights bit for bit, about 1.45x slower),
// network=auto|vgg16|offline (auto: VGG-16 if installed, else the offline network), download=true, device.
// targets=FOLDER: train each style towards target images (FOLDER/STYLE_ID/CONTENT_NAME.png, e.g. Gatys
// results) instead of the paintings' Gram matrices; pixel_weight (10); style_weight is then 0 unless given.
// In -batch mode a failure prints "Error: ..." to stderr and exits with status 1.
result = call("org.neuralstyle.command.Headless.train", getArgument());
if (startsWith(result, "Error:"))
	exit(result);
print(result);
