#!/usr/bin/env python3
"""Do the pale patches need the styles? The format's autoencoder (E1-E3, D1-D3, no bank) trained
alone for reconstruction, from random weights, in PyTorch (a diagnostic, not used by any test).

    /usr/bin/python3 src/test/python/autoencoder_alone_check.py ITERATIONS OUT.png [--threads 1] [--widths 32,64,128] \\
        [--no-norm E1,...] [--drop N] [--save WEIGHTS.pt]

Data as the default model's training: ../shared/data/content, long side 256, random square crops
of 50-100 % of the short side scaled to 128 pixels, flipped half the time, batch 2; loss: mean
squared pixel error; Adam, learning rate 0.001; PyTorch's default initialisation; seed 0.
Every 1000 iterations it prints, for chelsea.png at full size, the reconstruction's mean squared
error and the share of pixels at which fewer than 10 % of D2's channels are active (as
decoder_dead_zones.py counts them), and adds that reconstruction as a row of OUT.png (first row:
the photo). --no-norm drops the instance normalisation of the given layers (E1, E2, E3, D1, D2;
the network is then no longer the format's): which normalisation makes the patches. --drop N: from
iteration N on, the learning rate 0.0001 instead of 0.001. --save: the trained weights
(torch.save of the state dict, format names) for further experiments.
"""
import argparse
import glob
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_reference import conv, inorm, up  # noqa: E402

CONTENT = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "content"))


def layers(widths):
    c1, c2, c3 = widths
    return {"encoder.conv1": (c1, 3, 9), "encoder.conv2": (c2, c1, 3), "encoder.conv3": (c3, c2, 3),
            "decoder.conv1": (c2, c3, 3), "decoder.conv2": (c1, c2, 3), "decoder.conv3": (3, c1, 9)}


def initial(widths):
    """PyTorch's default Conv2d initialisation (uniform, fan-in bounds)."""
    p = {}
    for name, (co, ci, k) in layers(widths).items():
        w = torch.empty(co, ci, k, k)
        torch.nn.init.kaiming_uniform_(w, a=5 ** 0.5)
        bound = 1 / (ci * k * k) ** 0.5
        p[name + ".weight"] = w.requires_grad_()
        p[name + ".bias"] = torch.empty(co).uniform_(-bound, bound).requires_grad_()
    return p


def reconstruct(p, x, plain=()):
    """The format's network without a bank (make_reference.py's layers), leaving out the
    normalisation of the layers in plain; returns the output and D2's activation."""
    for name, layer, stride in (("E1", "encoder.conv1", 1), ("E2", "encoder.conv2", 2), ("E3", "encoder.conv3", 2),
                                ("D1", "decoder.conv1", 1), ("D2", "decoder.conv2", 1)):
        if name.startswith("D"):
            x = up(x)
        x = conv(x, p[layer + ".weight"], p[layer + ".bias"], stride)
        x = F.relu(x if name in plain else inorm(x))
    return conv(x, p["decoder.conv3.weight"], p["decoder.conv3.bias"]), x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iterations", type=int)
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--widths", default="32,64,128")
    ap.add_argument("--no-norm", default="", help="layers without instance normalisation, e.g. E1")
    ap.add_argument("--drop", type=int, default=0, help="iteration from which the learning rate is 0.0001")
    ap.add_argument("--save", help="where to write the trained weights")
    a = ap.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    torch.set_num_threads(a.threads)
    p = initial([int(v) for v in a.widths.split(",")])
    plain = [v for v in a.no_norm.split(",") if v]
    images = []
    for f in sorted(glob.glob(os.path.join(CONTENT, "*"))):
        im = Image.open(f).convert("RGB")
        k = 256 / max(im.size)
        im = im.resize((round(im.width * k), round(im.height * k)), Image.LANCZOS)
        images.append(torch.from_numpy(np.asarray(im, dtype=np.float32) / 255).permute(2, 0, 1))
    photo = Image.open(os.path.join(CONTENT, "chelsea.png")).convert("RGB")
    photo = photo.crop((0, 0, photo.width // 4 * 4, photo.height // 4 * 4))
    test = torch.from_numpy(np.asarray(photo, dtype=np.float32) / 255).permute(2, 0, 1)[None]
    rows = [np.asarray(photo)]
    opt = torch.optim.Adam(list(p.values()), lr=1e-3)
    t0 = time.time()
    for it in range(a.iterations):
        batch = []
        for _ in range(2):
            x = random.choice(images)
            s = random.randint(int(0.5 * min(x.shape[1:])), min(x.shape[1:]))
            i = random.randint(0, x.shape[1] - s)
            j = random.randint(0, x.shape[2] - s)
            c = F.interpolate(x[None, :, i:i + s, j:j + s], size=(128, 128), mode="bilinear", align_corners=False)[0]
            if random.random() < 0.5:
                c = c.flip(2)
            batch.append(c)
        x = torch.stack(batch)
        loss = ((reconstruct(p, x, plain)[0] - x) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if a.drop and it == a.drop - 1:
            for group in opt.param_groups:
                group["lr"] = 1e-4
        if it > 0 and it % 1000 == 0:
            with torch.no_grad():
                y, hidden = reconstruct(p, test, plain)
                y = y.clamp(0, 1)
                dead = ((hidden[0] > 0).float().mean(0) < 0.1).float().mean()
                print("iteration %5d: chelsea reconstruction error %.4f, D2 dead share %.3f (%.0f s)"
                      % (it, ((y - test) ** 2).mean(), dead, time.time() - t0), flush=True)
            rows.append((y[0].permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8))
    Image.fromarray(np.concatenate(rows, 0)).save(a.out)
    if a.save:
        torch.save({k: v.detach() for k, v in p.items()}, a.save)


if __name__ == "__main__":
    main()
