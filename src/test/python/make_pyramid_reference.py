#!/usr/bin/env python3
"""Independent PyTorch reference for the offline feature network (RandomPyramid).

    /usr/bin/python3 src/test/python/make_pyramid_reference.py src/test/resources/reference

Writes pyramid_reference.safetensors: seeded weights for 5 levels of 6 filters of 5 x 5 with
colour directions at levels 1 and 3 (level.K.filters, level.K.colours; the plugin's own weights
come from java.util.Random, so the test gives it these), a 1 x 3 x 37 x 42 input in [0, 1] (odd
sides: every halving rounds down), the feature maps scale1 ... scale5, and the gradient of
sum over levels of sum(scaleK * weighting.K) with respect to the input (computed in float64).
The network, written here with torch.nn.functional: normalise with ImageNet's mean and
deviation; level K > 1 is level K - 1 reflection-padded by 1 and convolved per channel
(groups=3) with the outer product of [1 3 3 1]/8, stride 2; each level's maps are
ReLU(conv(reflect-pad(x, 2), filters)) (zero padding where a side is 2 or less), followed where a level has colour directions by
ReLU(conv(x, colours)) and ReLU(-conv(x, colours)), concatenated along the channels.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from make_reference import write_safetensors  # noqa: E402
from make_vgg_reference import MEAN, STD  # noqa: E402

LEVELS, N, K = 5, 6, 5
COLOUR_LEVELS = (0, 2)


def forward(x, filters, colours):
    k1 = torch.tensor([1.0, 3.0, 3.0, 1.0], dtype=x.dtype) / 8
    low = (k1[:, None] * k1[None, :]).expand(3, 1, 4, 4)
    h = (x - MEAN.to(x.dtype)) / STD.to(x.dtype)
    out = []
    for i in range(LEVELS):
        if i > 0:
            h = F.conv2d(F.pad(h, [1, 1, 1, 1], mode="reflect"), low, stride=2, groups=3)
        if min(h.shape[2:]) > K // 2:
            f = F.relu(F.conv2d(F.pad(h, [K // 2] * 4, mode="reflect"), filters[i]))
        else:  # too small to reflect (2 x 2 at scale5 here): zeros around
            f = F.relu(F.conv2d(h, filters[i], padding=K // 2))
        if colours[i] is not None:
            y = F.conv2d(h, colours[i])
            f = torch.cat([f, F.relu(y), F.relu(-y)], 1)
        out.append(f)
    return out


def main(out):
    g = torch.Generator().manual_seed(2468)
    filters = [torch.randn(N, 3, K, K, generator=g) * 0.3 for _ in range(LEVELS)]
    colours = [torch.randn(N, 3, 1, 1, generator=g) if i in COLOUR_LEVELS else None for i in range(LEVELS)]
    x = torch.rand(1, 3, 37, 42, generator=g)
    feats = forward(x, filters, colours)
    weighting = [torch.randn(f.shape, generator=g) for f in feats]
    xd = x.double().requires_grad_()
    fd = forward(xd, [w.double() for w in filters], [c.double() if c is not None else None for c in colours])
    sum((f * w.double()).sum() for f, w in zip(fd, weighting)).backward()
    t = {"input": x, "grad.input": xd.grad.float()}
    for i in range(LEVELS):
        t[f"level.{i}.filters"] = filters[i]
        if colours[i] is not None:
            t[f"level.{i}.colours"] = colours[i]
        t[f"scale{i + 1}"] = feats[i]
        t[f"weighting.{i}"] = weighting[i]
    write_safetensors(os.path.join(out, "pyramid_reference.safetensors"), t)
    print("wrote", os.path.join(out, "pyramid_reference.safetensors"), "torch", torch.__version__)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/reference")
