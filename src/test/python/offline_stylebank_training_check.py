#!/usr/bin/env python3
"""An independent PyTorch StyleBank training with the offline pyramid loss (a diagnostic).

It answers one question: is the embossed look of StyleBank models trained with the offline
network (README, "The default model") a defect of the plugin's trainer, or does any
implementation of this training produce it? Written from the paper (Chen et al. 2017, (T+1)
alternating strategy) and the model format, not from the plugin's Java code; the loss network
follows the description of nn/RandomPyramid (5 levels of [1 3 3 1]/8 halving, 64 zero-mean
unit-norm 5x5 filters per level, 16 colour directions with both signs at the first level, ReLU;
its own random weights, so not the plugin's), with relative content and style terms.

    /usr/bin/python3 src/test/python/offline_stylebank_training_check.py OUT.png \\
        [--style-weight 200] [--iterations 1500] [--lambda 1] [--widths 16,32,64] \\
        [--distill TARGET_FOLDER] [--distill-colour W] [--crop 128] [--redraw N] \\
        [--style-loss gram|sw] [--style-size N] [--threads 2] [--lr 0.003] [--init AUTOENCODER.pt] \\
        [--encoder-lr X] [--decoder-lr X]

Writes OUT.png: chelsea.png reconstructed (no bank) and in each trained style, side by side.
--distill trains one style (starry_night) towards images in TARGET_FOLDER instead of Gram
matrices: TARGET_FOLDER/NAME.png is the plugin's Gatys result for content image NAME at long
side 256 (macros/gatys.ijm "... style=starry_night.jpg size=256 iterations=100 network=offline");
the loss is 10 x L1 in pixels plus the relative feature distance at scale1-3, plus with
--distill-style W, W x the relative Gram distance to the target crop at scale1-4.
If TARGET_FOLDER has the subfolders starry_night, the_scream and great_wave, all three styles are
trained, each towards its own subfolder's images. --distill-colour W adds W x the sliced
distance of the RGB colour distributions to the target crop; --pixel sets the L1 weight (10).
--style-loss sw replaces the Gram matrices by a sliced Wasserstein distance of the feature
distributions (Heitz et al., CVPR 2021; C random directions per layer, drawn anew each step);
--style-size sets the style image's long side (default: the crop side); --threads (2); --lr (0.003;
three-style --distill needs 0.001, README "The default model").
--init starts the encoder and decoder from an autoencoder trained alone (autoencoder_alone_check.py
--save); the banks start as without it. --encoder-lr and --decoder-lr set those parts' learning
rates (default: --lr; an encoder learning rate of 0 keeps the encoder as it is).
--redraw N draws a new pyramid (new random filters, the style Gram targets recomputed with it)
every N stylizing steps, so that the decoder cannot fit one fixed set of random filters.
--crop sets the training crop (and the style image's long side); also the PyTorch peer of the
training row of README "Speed" (time per iteration).
Data: ../shared/data/content (every image, long side 256) and src/test/resources/samples/*.jpg.
Crops of 128 pixels (50-100 % of the short side, flipped half the time), batch 2, Adam lr 0.003,
T = 2. Seeded, 2 threads. On the 2-core build machine: 1500 iterations with the defaults in 563 s,
2000 with --distill and --widths 32,64,128 in 317 s.
"""
import argparse
import glob
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
SAMPLES = os.path.join(REPO, "src", "test", "resources", "samples")
CONTENT = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "content"))
STYLES = ["starry_night", "the_scream", "great_wave"]
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
CROP = 128


def image(path, long_side=None):
    im = Image.open(path).convert("RGB")
    if long_side:
        k = long_side / max(im.size)
        im = im.resize((max(8, round(im.width * k)), max(8, round(im.height * k))), Image.BOX)
    return torch.from_numpy(np.asarray(im, dtype=np.float32) / 255).permute(2, 0, 1).unsqueeze(0)


class Pyramid:
    """Random filters on a Gaussian pyramid; relative terms are computed by the callers."""

    def __init__(self, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.filters = [self.unit(torch.randn(64, 3, 5, 5, generator=g), True) for _ in range(5)]
        self.colours = self.unit(torch.randn(16, 3, 1, 1, generator=g), False)
        k = torch.tensor([1.0, 3.0, 3.0, 1.0]) / 8
        self.low = (k[:, None] * k[None, :]).expand(3, 1, 4, 4).contiguous()

    @staticmethod
    def unit(w, zero_mean):
        if zero_mean:
            w = w - w.mean(dim=(1, 2, 3), keepdim=True)
        return w / w.flatten(1).norm(dim=1).view(-1, 1, 1, 1)

    def __call__(self, x):
        h = (x - MEAN) / STD
        out = []
        for i in range(5):
            if i > 0:
                h = F.conv2d(F.pad(h, [1] * 4, mode="reflect"), self.low, stride=2, groups=3)
            if min(h.shape[2:]) > 2:
                f = F.relu(F.conv2d(F.pad(h, [2] * 4, mode="reflect"), self.filters[i]))
            else:
                f = F.relu(F.conv2d(h, self.filters[i], padding=2))
            if i == 0:
                y = F.conv2d(h, self.colours)
                f = torch.cat([f, F.relu(y), F.relu(-y)], 1)
            out.append(f)
        return out


def gram(f):
    n, c, h, w = f.shape
    f = f.flatten(2)
    return f @ f.transpose(1, 2) / (h * w)


def relative(a, b):
    return ((a - b) ** 2).mean() / (b ** 2).mean()


def sliced(f, target, g):
    """Sliced Wasserstein-2 distance between the per-pixel feature vectors of f (1 x C x H x W)
    and of target (1 x C x H' x W'), over C random unit directions, relative to the target's
    mean square projection (Heitz et al., CVPR 2021, with our relative normalisation)."""
    c = f.shape[1]
    v = torch.randn(c, c, generator=g)
    v = v / v.norm(dim=0, keepdim=True)
    p = f[0].flatten(1).t() @ v
    q = target[0].flatten(1).t() @ v
    p, _ = p.sort(dim=0)
    q, _ = q.sort(dim=0)
    if q.shape[0] != p.shape[0]:
        q = F.interpolate(q.t().unsqueeze(0), size=p.shape[0], mode="linear", align_corners=True)[0].t()
    return ((p - q) ** 2).mean() / (q ** 2).mean()


class StyleBank:
    """Model format v1: E1-E3 (IN, ReLU), bank, D1-D3 (nearest upsampling), reflection padding."""

    def __init__(self, widths, styles, seed=0):
        torch.manual_seed(seed)
        c1, c2, c3 = widths
        self.enc = [self.conv(3, c1, 9), self.conv(c1, c2, 3), self.conv(c2, c3, 3)]
        self.dec = [self.conv(c3, c2, 3), self.conv(c2, c1, 3), self.conv(c1, 3, 9)]
        with torch.no_grad():
            self.dec[2][1].fill_(0.5)
        self.banks = {s: self.conv(c3, c3, 3, 0.5) for s in styles}

    @staticmethod
    def conv(ci, co, k, gain=1.0):
        w = torch.randn(co, ci, k, k) * math.sqrt(2 / (ci * k * k)) * gain
        return [w.requires_grad_(), torch.zeros(co).requires_grad_()]

    def autoencoder(self):
        return [t for layer in self.enc + self.dec for t in layer]

    @staticmethod
    def apply(x, p, stride=1):
        k = p[0].shape[-1]
        return F.conv2d(F.pad(x, [k // 2] * 4, mode="reflect"), p[0], p[1], stride=stride)

    def encode(self, x):
        for p, s in zip(self.enc, (1, 2, 2)):
            x = F.relu(F.instance_norm(self.apply(x, p, s), eps=1e-5))
        return x

    def decode(self, f):
        for p in self.dec[:2]:
            f = F.relu(F.instance_norm(self.apply(F.interpolate(f, scale_factor=2, mode="nearest"), p), eps=1e-5))
        return self.apply(f, self.dec[2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--style-weight", type=float, default=200)
    ap.add_argument("--iterations", type=int, default=1500)
    ap.add_argument("--lambda", dest="lam", type=float, default=1)
    ap.add_argument("--widths", default="16,32,64")
    ap.add_argument("--distill")
    ap.add_argument("--distill-style", type=float, default=0,
                    help="with --distill: weight of the Gram matrices of the target crop (scale1-4, relative)")
    ap.add_argument("--distill-colour", type=float, default=0,
                    help="with --distill: weight of the sliced distance of the RGB colour distributions to the target crop")
    ap.add_argument("--pixel", type=float, default=10, help="with --distill: weight of the L1 pixel term")
    ap.add_argument("--crop", type=int, default=CROP, help="training crop side (the style image's long side too)")
    ap.add_argument("--style-size", type=int, default=0,
                    help="the style image's long side (0: the crop side)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--encoder-lr", type=float, help="learning rate of the encoder (default --lr; 0: frozen)")
    ap.add_argument("--decoder-lr", type=float, help="learning rate of the decoder (default --lr)")
    ap.add_argument("--init", help="start from this autoencoder (autoencoder_alone_check.py --save) instead of random weights")
    ap.add_argument("--lr", type=float, default=0.003)
    ap.add_argument("--style-loss", choices=["gram", "sw"], default="gram",
                    help="gram: Gram matrices; sw: sliced Wasserstein distance of the feature distributions")
    ap.add_argument("--redraw", type=int, default=0,
                    help="draw new random filters every N stylizing steps (0: one fixed network), the style targets with them")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    random.seed(0)
    paths = sorted(glob.glob(os.path.join(CONTENT, "*")))
    content = [image(p, 256) for p in paths]
    per_style = a.distill and all(os.path.isdir(os.path.join(a.distill, s)) for s in STYLES)
    styles = STYLES if per_style or not a.distill else ["starry_night"]
    targets = None
    if a.distill:
        targets = {}
        for s in styles:
            folder = os.path.join(a.distill, s) if per_style else a.distill
            targets[s] = [image(os.path.join(folder, os.path.splitext(os.path.basename(p))[0] + ".png")) for p in paths]
            for c, t in zip(content, targets[s]):
                if c.shape != t.shape:
                    raise SystemExit(f"target size {tuple(t.shape)} differs from the content's {tuple(c.shape)}")
    net = StyleBank([int(v) for v in a.widths.split(",")], styles)
    if a.init:  # an autoencoder trained before (autoencoder_alone_check.py --save): its weights, the banks new
        saved = torch.load(a.init)
        names = ["encoder.conv1", "encoder.conv2", "encoder.conv3", "decoder.conv1", "decoder.conv2", "decoder.conv3"]
        for layer, name in zip(net.enc + net.dec, names):
            with torch.no_grad():
                layer[0].copy_(saved[name + ".weight"])
                layer[1].copy_(saved[name + ".bias"])
    style_images = {s: image(os.path.join(SAMPLES, s + ".jpg"), a.style_size or a.crop) for s in styles}

    def network(seed):
        p = Pyramid(seed)
        with torch.no_grad():
            g = {}
            for s in styles:
                fs = p(style_images[s])
                g[s] = [gram(fs[i]) for i in range(4)]
        return p, g

    pyr, grams = network(0)
    gen = torch.Generator().manual_seed(1)
    ae = net.autoencoder()
    encoder_lr = a.lr if a.encoder_lr is None else a.encoder_lr
    decoder_lr = a.lr if a.decoder_lr is None else a.decoder_lr
    groups = [{"params": [t for s in styles for t in net.banks[s]], "lr": a.lr},
              {"params": [t for layer in net.dec for t in layer], "lr": decoder_lr}]
    if encoder_lr > 0:  # 0: the encoder stays as it is (from --init)
        groups.append({"params": [t for layer in net.enc for t in layer], "lr": encoder_lr})
    opt = torch.optim.Adam(groups, lr=a.lr)

    def batch(chosen):
        xs, ts = [], []
        for b in range(2):
            k = random.randrange(len(content))
            im = content[k]
            h, w = im.shape[2:]
            cs = max(8, round(min(h, w) * (0.5 + 0.5 * random.random())))
            y0, x0 = random.randint(0, h - cs), random.randint(0, w - cs)
            crops = [im] + ([targets[chosen[b] if chosen else styles[0]][k]] if targets else [])
            crops = [c[:, :, y0:y0 + cs, x0:x0 + cs] for c in crops]
            if random.random() < 0.5:
                crops = [c.flip(3) for c in crops]
            crops = [F.interpolate(c, size=(a.crop, a.crop), mode="area") for c in crops]
            xs.append(crops[0])
            ts.append(crops[-1])
        return torch.cat(xs), torch.cat(ts)

    last, t0 = None, time.time()
    for it in range(a.iterations):
        # per-style targets: the styles are drawn first, to crop their targets (single style: as before)
        chosen = [random.choice(styles) for _ in range(2)] if per_style else None
        x, target = batch(chosen)
        opt.zero_grad()
        if it % 3 == 2:  # the autoencoder step, its gradient rescaled to lambda x the last stylizing one
            y = net.decode(net.encode(x))
            loss = ((y - x) ** 2).mean()
            loss.backward()
            norm = math.sqrt(sum((t.grad ** 2).sum().item() for t in ae))
            scale = a.lam * last / norm if last and norm > 0 else 1.0
            for t in ae:
                t.grad.mul_(scale)
        else:
            if a.redraw and it > 0 and it % a.redraw == 0:
                pyr, grams = network(it)
            if not per_style:
                chosen = [random.choice(styles) for _ in range(2)]
            f = net.encode(x)
            y = net.decode(torch.cat([net.apply(f[b:b + 1], net.banks[chosen[b]]) for b in range(2)]))
            fy = pyr(y)
            with torch.no_grad():
                fx = pyr(target if a.distill else x)
            if a.distill:
                loss = a.pixel * (y - target).abs().mean() + sum(relative(fy[i], fx[i]) for i in range(3))
                if a.distill_colour > 0:  # the distribution of RGB colours, sliced (3 x 3 directions)
                    loss = loss + a.distill_colour * sum(
                        sliced(y[b:b + 1], target[b:b + 1], gen) for b in range(2)) / 2
                if a.distill_style > 0:
                    loss = loss + a.distill_style * sum(
                        relative(gram(fy[i][b:b + 1]), gram(fx[i][b:b + 1])) for b in range(2) for i in range(4)) / 8
            else:
                if a.style_loss == "sw":
                    style = sum(sliced(fy[i][b:b + 1], grams[chosen[b]][i], gen) for b in range(2) for i in range(4)) / 8
                else:
                    style = sum(relative(gram(fy[i][b:b + 1]), grams[chosen[b]][i]) for b in range(2) for i in range(4)) / 8
                tv = ((y[:, :, 1:] - y[:, :, :-1]) ** 2).mean() + ((y[:, :, :, 1:] - y[:, :, :, :-1]) ** 2).mean()
                loss = relative(fy[2], fx[2]) + a.style_weight * style + 1e-4 * tv
            loss.backward()
            last = math.sqrt(sum((t.grad ** 2).sum().item() for t in ae))
        opt.step()
        if it % 300 == 0:
            print(it, "autoencoder" if it % 3 == 2 else "stylize", float(loss), flush=True)
    print(f"{a.iterations} iterations in {time.time() - t0:.0f} s")
    with torch.no_grad():
        x = image(os.path.join(CONTENT, "chelsea.png"))
        h, w = x.shape[2:]
        xp = F.pad(x, [0, (-w) % 4, 0, (-h) % 4], mode="reflect")
        f = net.encode(xp)
        outs = [net.decode(f)] + [net.decode(net.apply(f, net.banks[s])) for s in styles]
        row = torch.cat([o[:, :, :h, :w].clamp(0, 1) for o in outs], 3)[0].permute(1, 2, 0).numpy()
        Image.fromarray((row * 255 + 0.5).astype(np.uint8)).save(a.out)
    print("wrote", a.out, "torch", torch.__version__)


if __name__ == "__main__":
    main()
