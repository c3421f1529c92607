#!/usr/bin/env python3
"""Does keeping the decoder's last hidden layer alive remove the pale patches? A short fine-tuning
of a StyleBank model towards target images (as the default model was trained: the mean absolute
pixel difference to the target crop, plus a reconstruction step every third step) with one term
added: a hinge that asks at least K of D2's channels to stand MARGIN above zero (before the ReLU)
at every pixel, so that no pixel of D2 stays dead.

    /usr/bin/python3 src/test/python/dead_zone_revival_check.py MODEL TARGETS OUT.png \\
        [--weight 1] [--k 4] [--margin 0.5] [--steps 300] [--on-reconstruction]

MODEL: a model folder or .zip (model format v1) whose styles have targets; TARGETS: a folder
TARGETS/STYLE/NAME.png per content image NAME of ../shared/data/content (the README, "The default
model", step 1). Every 100 steps it prints, on the left 448 x 300 pixels of chelsea.png, the share
of pixels with fewer than 10 % of D2's channels active (each style, then the reconstruction, as
`decoder_dead_zones.py` counts them) and the reconstruction's mean squared error, and OUT.png gets
the right part of chelsea (x >= 300) before (top) and after (bottom): the reconstruction, then
each style. --on-reconstruction adds the term to the reconstruction steps too. PyTorch only,
seeded; about 40 s per 100 steps on 2 cores.
"""
import argparse
import glob
import json
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from decoder_dead_zones import model_folder  # noqa: E402
from make_reference import conv, decode_hidden_pre, encode  # noqa: E402
from stylebank_peer import read_safetensors  # noqa: E402

CONTENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../shared/data/content")


def tensor(im):
    return torch.from_numpy(np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0).permute(2, 0, 1)


def forward(p, x, bank):
    """The output and D2 before its ReLU."""
    h = encode(p, x)
    if bank is not None:
        h = conv(h, bank["bank.weight"], bank["bank.bias"])
    pre = decode_hidden_pre(p, h)
    out = conv(F.relu(pre), p["decoder.conv3.weight"], p["decoder.conv3.bias"]).clamp(0, 1)
    return out, pre


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("targets")
    ap.add_argument("out")
    ap.add_argument("--weight", type=float, default=1.0)
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--margin", type=float, default=0.5)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--crop", type=int, default=192)
    ap.add_argument("--on-reconstruction", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    def hinge(pre):
        return F.relu(a.margin - pre.topk(a.k, dim=1).values[:, a.k - 1]).mean()

    with tempfile.TemporaryDirectory() as scratch:
        folder = model_folder(a.model, scratch)
        manifest = json.load(open(os.path.join(folder, "model.json")))
        styles = [s["id"] for s in manifest["styles"]]
        p = read_safetensors(os.path.join(folder, "autoencoder.safetensors"))
        banks = {s["id"]: read_safetensors(os.path.join(folder, s["bank"])) for s in manifest["styles"]}
    params = list(p.values()) + [v for b in banks.values() for v in b.values()]
    for v in params:
        v.requires_grad_(True)

    data = []
    for f in sorted(glob.glob(os.path.join(CONTENT, "*"))):
        name = os.path.splitext(os.path.basename(f))[0]
        tg = {s: Image.open(os.path.join(a.targets, s, name + ".png")) for s in styles}
        size = tg[styles[0]].size
        data.append((tensor(Image.open(f).resize(size, Image.BOX)), {s: tensor(t) for s, t in tg.items()}))

    def sample():
        im, tg = data[rng.integers(len(data))]
        style = styles[rng.integers(len(styles))]
        h, w = im.shape[1:]
        side = int(rng.integers(min(h, w) // 2, min(h, w) + 1))
        y, x = int(rng.integers(h - side + 1)), int(rng.integers(w - side + 1))
        c = F.interpolate(im[None, :, y:y + side, x:x + side], size=(a.crop, a.crop), mode="area")
        t = F.interpolate(tg[style][None, :, y:y + side, x:x + side], size=(a.crop, a.crop), mode="area")
        if rng.random() < 0.5:
            c, t = c.flip(3), t.flip(3)
        return c, t, style

    chelsea = tensor(Image.open(os.path.join(CONTENT, "chelsea.png")).crop((0, 0, 448, 300)))[None]

    def measure():
        dead, panels = [], []
        with torch.no_grad():
            for bank in [banks[s] for s in styles] + [None]:
                y, pre = forward(p, chelsea, bank)
                dead.append(((pre[0] > 0).float().mean(0) < 0.1).float().mean().item())
                panels.append(y)
        mse = ((panels[-1] - chelsea) ** 2).mean().item()
        panels = [panels[-1]] + panels[:-1]
        row = torch.cat([y[:, :, :, 300:] for y in panels], 3)[0].permute(1, 2, 0).numpy()
        return ("dead D2 (%s, reconstruction) %s, reconstruction mse %.4f"
                % (", ".join(styles), " ".join("%.3f" % d for d in dead), mse)), row

    text, before = measure()
    print("start", text, flush=True)
    opt = torch.optim.Adam(params, lr=a.lr)
    for i in range(a.steps):
        (c1, t1, s1), (c2, t2, s2) = sample(), sample()
        y1, pre1 = forward(p, c1, banks[s1])
        y2, pre2 = forward(p, c2, banks[s2])
        loss = (y1 - t1).abs().mean() + (y2 - t2).abs().mean() + a.weight * (hinge(pre1) + hinge(pre2)) / 2
        if i % 3 == 2:
            both = torch.cat([c1, c2])
            r, pre = forward(p, both, None)
            loss = loss + 10 * ((r - both) ** 2).mean()
            if a.on_reconstruction:
                loss = loss + a.weight * hinge(pre)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (i + 1) % 100 == 0:
            text, after = measure()
            print(i + 1, text, flush=True)
    _, after = measure()
    Image.fromarray((np.concatenate([before, after], 0) * 255).round().astype(np.uint8)).save(a.out)


if __name__ == "__main__":
    main()
