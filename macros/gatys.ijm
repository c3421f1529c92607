// Gatys style transfer (optimisation; no training needed). Runs headless (no display needed):
//   java -Dplugins.dir=target/imagej -jar target/imagej/ij.jar -batch macros/gatys.ijm \
//        "input=IN style=STYLE.jpg output=OUT iterations=200 size=384"
// More: style=A.jpg,B.jpg style_weights=0.7,0.3; colour=none|luminance|match; init=content|noise|blend;
// seed=N; levels=N (coarse to fine); optimizer=lbfgs|adam; content_weight= style_weight= tv_weight=;
// style_scale=1; network=auto|vgg19|vgg16|offline|random-vgg (auto: VGG-19 if installed, else the
// offline network: random filters on an image pyramid, no trained weights); download=true to fetch
// missing VGG weights (verified by SHA-256).
// Regions: rois=RoiSet.zip styles=NAME:1,NAME2:2 (1-based style image numbers, or style file names
// without extension) outside=content|keep feather=4.
// Big results: tile=N optimises in tiles of N pixels (0 = automatic: only when the estimated memory
// exceeds the budget, -Dneuralstyle.memory.mb=MB); see the README, "Big images".
// In -batch mode a failure prints "Error: ..." to stderr and exits with status 1.
result = call("org.neuralstyle.command.Headless.gatys", getArgument());
if (startsWith(result, "Error:"))
	exit(result);
print(result);
