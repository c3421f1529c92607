#!/usr/bin/env python3
"""The PyTorch peer of Gatys style transfer for the cold benchmark (ColdBenchmark).

    /usr/bin/python3 src/test/python/gatys_peer.py weights OUT.safetensors
        writes VGG-19 with seeded random He-normal weights under torchvision's names
        (features.N.weight/bias; the FLOPs of the trained network) for -Dneuralstyle.models
    /usr/bin/python3 src/test/python/gatys_peer.py run WEIGHTS SIZE EVALS [THREADS]
        one fresh process: read the weights, then EVALS function evaluations (forward to
        relu5_1, content loss at relu4_2, Gram style losses at relu1_1..relu5_1, total
        variation, backward to the pixels) on a SIZE x SIZE image; prints seconds per
        evaluation after the first.
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import write_safetensors  # noqa: E402
from stylebank_peer import read_safetensors  # noqa: E402

# VGG-19's features: (index in torchvision's Sequential, in, out); "P" = pooling
LAYOUT = [(0, 3, 64), (2, 64, 64), "P", (5, 64, 128), (7, 128, 128), "P",
          (10, 128, 256), (12, 256, 256), (14, 256, 256), (16, 256, 256), "P",
          (19, 256, 512), (21, 512, 512), (23, 512, 512), (25, 512, 512), "P",
          (28, 512, 512), (30, 512, 512), (32, 512, 512), (34, 512, 512)]
STYLE = {0, 5, 10, 19, 28}   # relu1_1 .. relu5_1
CONTENT = 21                 # relu4_2
LAST = 28


def weights(out):
    torch.manual_seed(0)
    t = {}
    for layer in LAYOUT:
        if layer == "P":
            continue
        i, cin, cout = layer
        t["features.%d.weight" % i] = torch.randn(cout, cin, 3, 3) * (2.0 / (cin * 9)) ** 0.5
        t["features.%d.bias" % i] = torch.zeros(cout)
    write_safetensors(out, t)


def features(p, x):
    style, content = [], None
    for layer in LAYOUT:
        if layer == "P":
            x = F.avg_pool2d(x, 2)
            continue
        i = layer[0]
        x = F.relu(F.conv2d(x, p["features.%d.weight" % i], p["features.%d.bias" % i], padding=1))
        if i in STYLE:
            style.append(x)
        if i == CONTENT:
            content = x
        if i == LAST:
            break
    return style, content


def gram(f):
    _, c, h, w = f.shape
    f = f.reshape(c, h * w)
    return f @ f.t() / (c * h * w)


def run(path, size, evals, threads=2):
    torch.set_num_threads(threads)
    p = read_safetensors(path)
    g = torch.Generator().manual_seed(size)
    content = torch.rand(1, 3, size, size, generator=g)
    style = torch.rand(1, 3, size, size, generator=g)
    with torch.no_grad():
        s_feats, _ = features(p, style)
        targets = [gram(f) for f in s_feats]
        _, c_target = features(p, content)
    x = content.clone().requires_grad_(True)
    times = []
    for _ in range(evals):
        t0 = time.time()
        s, c = features(p, x)
        loss = F.mse_loss(c, c_target)
        for f, a in zip(s, targets):
            loss = loss + 1e6 / len(s) * F.mse_loss(gram(f), a)
        loss = loss + ((x[..., 1:, :] - x[..., :-1, :]) ** 2).mean() + ((x[..., :, 1:] - x[..., :, :-1]) ** 2).mean()
        x.grad = None
        loss.backward()
        times.append(time.time() - t0)
    later = times[1:] or times
    print("peer %.3f s/evaluation (first %.3f s, %d evaluations)" % (sum(later) / len(later), times[0], evals))


if __name__ == "__main__":
    if sys.argv[1] == "weights":
        weights(sys.argv[2])
    else:
        run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 2)
