#!/usr/bin/env python3
"""Independent PyTorch reference for the VGG feature extractor (first two blocks).

    /usr/bin/python3 src/test/python/make_vgg_reference.py src/test/resources/reference

Writes vgg_partial.safetensors (torchvision names features.0/2/5, seeded random weights, only
the layers up to conv2_1) and vgg_outputs.safetensors (a 1x3x18x22 input in [0, 1] and the
activations relu1_1, relu1_2, relu2_1 with max pooling and with average pooling, after the
ImageNet mean/std normalisation), computed with torch.nn.functional only.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from make_reference import write_safetensors  # noqa: E402

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def main(out):
    torch.manual_seed(99)
    w = {
        "features.0.weight": torch.randn(64, 3, 3, 3) * (2 / 27) ** 0.5,
        "features.0.bias": torch.randn(64) * 0.1,
        "features.2.weight": torch.randn(64, 64, 3, 3) * (2 / 576) ** 0.5,
        "features.2.bias": torch.randn(64) * 0.1,
        "features.5.weight": torch.randn(128, 64, 3, 3) * (2 / 576) ** 0.5,
        "features.5.bias": torch.randn(128) * 0.1,
        # a classifier tensor, as in real files: readers ignore it
        "head.fc.bias": torch.zeros(10),
    }
    write_safetensors(os.path.join(out, "vgg_partial.safetensors"), w)
    x = torch.rand(1, 3, 18, 22)
    outputs = {"input": x}
    for pool_name, pool in (("max", F.max_pool2d), ("avg", F.avg_pool2d)):
        h = (x - MEAN) / STD
        r11 = F.relu(F.conv2d(h, w["features.0.weight"], w["features.0.bias"], padding=1))
        r12 = F.relu(F.conv2d(r11, w["features.2.weight"], w["features.2.bias"], padding=1))
        p = pool(r12, 2)
        r21 = F.relu(F.conv2d(p, w["features.5.weight"], w["features.5.bias"], padding=1))
        outputs.update({pool_name + ".relu1_1": r11, pool_name + ".relu1_2": r12, pool_name + ".relu2_1": r21})
    write_safetensors(os.path.join(out, "vgg_outputs.safetensors"), outputs)
    print("wrote", out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/reference")
