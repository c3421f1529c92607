#!/usr/bin/env python3
"""Which offline feature network (no pretrained weights) gives the best Gatys results?

    /usr/bin/python3 src/test/python/compare_offline_networks.py ../shared/data OUT_DIR [SECONDS] [SIZE] [EVALUATIONS]
    /usr/bin/python3 src/test/python/compare_offline_networks.py measure PHOTO PAINTING RESULT... [SIZE]
    /usr/bin/python3 src/test/python/compare_offline_networks.py sheet ../shared/data OUT_DIR [SIZE]
(sheet: the contact sheet and measures.md again from the results saved in OUT_DIR, for the pairs
that have all of them, e.g. after a run was stopped.)

Runs Gatys style transfer (L-BFGS from the content image, the same normalised loss for every
network) for each candidate network on content x style pairs from ../shared/data at SIZE pixels
(long side, default 256), two threads, each network given the same time budget (SECONDS,
default 15): as many loss evaluations as fit in SECONDS at the cost of one evaluation of that
network, measured first (median of 5 on a 256 x 170 image). Counting evaluations, not seconds,
keeps the comparison independent of what else the machine runs meanwhile. EVALUATIONS (e.g.
randvgg=120,multiscale=19,pyramid64=47,pyramid=47,pyramid-colour=51, what 15 s gave on an idle
2-core machine; pyramid, cheaper than pyramid64, was given pyramid64's count) fixes the counts
instead of measuring them. Writes OUT_DIR/contact-sheet.png (one row per pair: content, style, one column per
candidate), OUT_DIR/<candidate>-<content>-<style>.png and OUT_DIR/measures.md.

Candidates (all with fixed seeds):
  randvgg     the plugin's offline network before issue 15: VGG-19's layout at half width,
              He-normal random weights, zero biases, max pooling; style relu1_1..relu5_1,
              content relu4_2 (Gatys et al. 2016's layers).
  multiscale  Ustyuzhaninov, Brendel, Gatys and Bethge, "What does it take to generate natural
              textures?" (ICLR 2017): ONE layer of random filters of several sizes (3..23 here;
              the paper goes to 55) on the full-resolution image, ReLU, Gram matrices (here one
              per filter size); content: the 11 x 11 group.
  pyramid64   a Gaussian pyramid (5 levels, each halving with the [1 3 3 1]/8 binomial filter,
              reflected borders), at each level 64 random zero-mean unit-norm 5 x 5 filters on
              the normalised RGB image, ReLU, one Gram matrix per level; at the finest level
              also 64 random colour directions (1 x 1) with both signs; content at level 3.
  pyramid     the same with 16 colour directions (the plugin's: a first level of 96 channels
              instead of 192, which keeps its maps under glibc's 64 MB heaps at 384 pixels).
  pyramid-colour  pyramid64 with the colour directions at every level (colour statistics
              per scale, in the spirit of Portilla and Simoncelli's separate colour handling).

The measure (defined here, independent of every candidate's filters): for an image X and a
painting S, both at SIZE, D(X, S) is the sliced Wasserstein-1 distance between the sets of
3 x 3 RGB patches (27 values) of X and of S, averaged over 128 fixed random directions and over
4 scales (the images average-pooled by 1, 2, 4, 8). It compares whole distributions of local
colour and texture, not only their second moments, and uses no network. Reported per result:
  style ratio   D(result, painting) / D(photo, painting): below 1 means closer to the painting
                than the unstylized photo is; lower is better.
  structure     the correlation of the result's and the photo's luminance gradient magnitude
                at 1/4 resolution: are the photo's contours still there (1 = same contours;
                colour changes do not count, added brush strokes lower it).
"""
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

torch.set_num_threads(int(os.environ.get("THREADS", "2")))  # THREADS=1 beside another job
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
PAIRS = [("chelsea.png", "starry_night.jpg"), ("chelsea.png", "the_scream.jpg"), ("chelsea.png", "great_wave.jpg"),
         ("astronaut.png", "starry_night.jpg"), ("coffee.png", "the_scream.jpg"), ("rocket.jpg", "great_wave.jpg"),
         ("astronaut.png", "woman_with_hat.jpg"), ("coffee.png", "shipwreck.jpg")]


def load(path, size):
    im = Image.open(path).convert("RGB")
    w, h = im.size
    k = size / max(w, h)
    im = im.resize((max(16, round(w * k)), max(16, round(h * k))), Image.LANCZOS)
    return torch.from_numpy(np.asarray(im, dtype=np.float32) / 255.0).permute(2, 0, 1)[None].contiguous()


def to_pil(t):
    return Image.fromarray((t[0].clamp(0, 1).permute(1, 2, 0).detach().numpy() * 255 + 0.5).astype(np.uint8))


def halve(x):
    """[1 3 3 1]/8 binomial low-pass per axis, stride 2, reflected borders: floor(n / 2) outputs."""
    k1 = torch.tensor([1.0, 3.0, 3.0, 1.0]) / 8
    c = x.shape[1]
    k = (k1[:, None] * k1[None, :]).expand(c, 1, 4, 4).contiguous()
    return F.conv2d(F.pad(x, [1, 1, 1, 1], mode="reflect"), k, stride=2, groups=c)


class RandVgg:
    def __init__(self, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.layers = []
        c = 3
        for block, (width, n) in enumerate([(32, 2), (64, 2), (128, 4), (256, 4), (256, 1)]):
            for i in range(n):
                w = torch.randn(width, c, 3, 3, generator=g) * math.sqrt(2.0 / (c * 9))
                self.layers.append((block, i, w))
                c = width

    def __call__(self, x):
        x = (x - MEAN) / STD
        style, content, block = [], None, 0
        for b, i, w in self.layers:
            if b != block:
                x = F.max_pool2d(x, 2)
                block = b
            x = F.relu(F.conv2d(x, w, padding=1))
            if i == 0:
                style.append(x)
            if b == 3 and i == 1:
                content = x
        return style, content


class MultiScale:
    def __init__(self, seed=0, sizes=(3, 5, 7, 11, 15, 23), n=64):
        g = torch.Generator().manual_seed(seed)
        self.ws = []
        for k in sizes:
            w = torch.randn(n, 3, k, k, generator=g)
            self.ws.append(w / w.flatten(1).norm(dim=1).view(-1, 1, 1, 1))
        self.content_index = list(sizes).index(11)

    def __call__(self, x):
        x = (x - MEAN) / STD
        fs = [F.relu(F.conv2d(F.pad(x, [w.shape[-1] // 2] * 4, mode="reflect"), w)) for w in self.ws]
        return fs, fs[self.content_index]


class Pyramid:
    def __init__(self, seed=0, n=64, levels=5, k=5, colour_every_level=False, colours=64):
        g = torch.Generator().manual_seed(seed)
        self.ws, self.cs = [], []
        for i in range(levels):
            w = torch.randn(n, 3, k, k, generator=g)
            w = w - w.mean(dim=(1, 2, 3), keepdim=True)
            self.ws.append(w / w.flatten(1).norm(dim=1).view(-1, 1, 1, 1))
            c = torch.randn(n, 3, 1, 1, generator=g)[:colours]
            self.cs.append(c / c.flatten(1).norm(dim=1).view(-1, 1, 1, 1) if (i == 0 or colour_every_level) else None)
        self.k = k

    def __call__(self, x):
        x = (x - MEAN) / STD
        fs = []
        for i, w in enumerate(self.ws):
            f = F.relu(F.conv2d(F.pad(x, [self.k // 2] * 4, mode="reflect"), w))
            c = self.cs[i]
            if c is not None:
                y = F.conv2d(x, c)
                f = torch.cat([f, F.relu(y), F.relu(-y)], 1)
            fs.append(f)
            if i + 1 < len(self.ws):
                x = halve(x)
        return fs, fs[2]


def gram(f):
    # Debian's torch multiplies matrices with a generic BLAS (8x slower here); the same sums as a
    # 1-D convolution (batch C, one channel, kernel H*W) run on oneDNN, equal to 2e-5 relative
    _, c, h, w = f.shape
    f = f.reshape(c, 1, h * w)
    return F.conv1d(f, f).reshape(c, c) / (c * h * w)


def cost(net, size):
    x = torch.rand(1, 3, size * 170 // 256, size, requires_grad=True)
    times = []
    for _ in range(6):
        t = time.time()
        fs, c = net(x)
        (sum(gram(f).sum() for f in fs) + c.sum()).backward()
        times.append(time.time() - t)
    return float(np.median(times[1:]))


def gatys(net, content, style, evaluations, style_weight=1e3, tv_weight=0.5):
    with torch.no_grad():
        targets = [gram(f) for f in net(style)[0]]
        scales = [1.0 / (t.pow(2).mean().sqrt() + 1e-8) for t in targets]
        p = net(content)[1]
        pn = p.pow(2).mean() + 1e-8
    x = content.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([x], lr=1, max_iter=evaluations, max_eval=evaluations, tolerance_grad=0, tolerance_change=0,
                            history_size=10, line_search_fn="strong_wolfe")
    count = [0]

    def closure():
        opt.zero_grad()
        fs, c = net(x)
        ls = sum(((gram(f) - t) * s).pow(2).mean() for f, t, s in zip(fs, targets, scales)) / len(fs)
        lc = (c - p).pow(2).mean() / pn
        tv = (x[:, :, 1:] - x[:, :, :-1]).pow(2).mean() + (x[:, :, :, 1:] - x[:, :, :, :-1]).pow(2).mean()
        loss = lc + style_weight * ls + tv_weight * tv
        loss.backward()
        count[0] += 1
        return loss

    opt.step(closure)
    return x.detach().clamp(0, 1), count[0]


DIRECTIONS = torch.nn.functional.normalize(torch.randn(27, 128, generator=torch.Generator().manual_seed(1234)), dim=0)


def patches(x):
    return F.unfold(x, 3).squeeze(0).t()  # (positions, 27)


def sliced_w1(a, b):
    pa, pb = (patches(a) @ DIRECTIONS).sort(0)[0], (patches(b) @ DIRECTIONS).sort(0)[0]
    q = torch.linspace(0, 1, 512)
    ia = (q * (pa.shape[0] - 1)).round().long()
    ib = (q * (pb.shape[0] - 1)).round().long()
    return (pa[ia] - pb[ib]).abs().mean().item()


def distance(x, s):
    d = 0.0
    for k in (1, 2, 4, 8):
        d += sliced_w1(F.avg_pool2d(x, k) if k > 1 else x, F.avg_pool2d(s, k) if k > 1 else s)
    return d / 4


def edges(x):
    lum = F.avg_pool2d((x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True), 4)
    gx = lum[:, :, 1:-1, 2:] - lum[:, :, 1:-1, :-2]
    gy = lum[:, :, 2:, 1:-1] - lum[:, :, :-2, 1:-1]
    return (gx * gx + gy * gy).sqrt().flatten()


def structure(x, c):
    a, b = edges(x), edges(c)
    a, b = a - a.mean(), b - b.mean()
    return (a @ b / (a.norm() * b.norm() + 1e-12)).item()


def main(data, out, seconds=15.0, size=256, fixed=None):
    os.makedirs(out, exist_ok=True)
    nets = {"randvgg": RandVgg(), "multiscale": MultiScale(), "pyramid64": Pyramid(), "pyramid": Pyramid(colours=16),
            "pyramid-colour": Pyramid(colour_every_level=True)}
    budget = {}
    for name, net in nets.items():
        if fixed:
            budget[name] = int(dict(kv.split("=") for kv in fixed.split(","))[name])
            continue
        c = cost(net, size)
        budget[name] = max(1, round(seconds / c))
        print(f"{name}: {c:.3f} s per evaluation, {budget[name]} evaluations in {seconds:g} s", flush=True)
    for cname, sname in PAIRS:
        c = load(os.path.join(data, "content", cname), size)
        s = load(os.path.join(data, "styles", sname), size)
        for name, net in nets.items():
            path = os.path.join(out, f"{name}-{cname.split('.')[0]}-{sname.split('.')[0]}.png")
            if os.path.exists(path):  # a stopped run resumes
                continue
            torch.manual_seed(0)
            x, evals = gatys(net, c, s, budget[name])
            to_pil(x).save(path)
            print(cname, sname, name, f"{evals} evaluations", flush=True)
    print("evaluations per run (the same " + f"{seconds:g}" + " s budget): " + ", ".join(f"{n} {b}" for n, b in budget.items()))
    sheet(data, out, size)  # the table and the contact sheet, all from the saved 8-bit results


NAMES = ["randvgg", "multiscale", "pyramid64", "pyramid", "pyramid-colour"]


def sheet(data, out, size=256):
    rows, lines = [], ["| content | style | photo's D | " + " | ".join(NAMES) + " |", "|---|---|---|" + "---|" * len(NAMES)]
    totals, kept = {n: [] for n in NAMES}, {n: [] for n in NAMES}
    for cname, sname in PAIRS:
        files = [os.path.join(out, f"{n}-{cname.split('.')[0]}-{sname.split('.')[0]}.png") for n in NAMES]
        if not all(os.path.exists(f) for f in files):
            continue
        c = load(os.path.join(data, "content", cname), size)
        s = load(os.path.join(data, "styles", sname), size)
        d0 = distance(c, s)
        row, cells = [c, s], []
        for n, f in zip(NAMES, files):
            x = torch.from_numpy(np.asarray(Image.open(f).convert("RGB"), dtype=np.float32) / 255.0).permute(2, 0, 1)[None]
            ratio, st = distance(x, s) / d0, structure(x, c)
            totals[n].append(ratio)
            kept[n].append(st)
            cells.append(f"{ratio:.2f} ({st:.2f})")
            row.append(x)
        lines.append(f"| {cname} | {sname} | {d0:.4f} | " + " | ".join(cells) + " |")
        rows.append(row)
    lines.append("| mean style ratio | | | " + " | ".join(f"{np.mean(v):.3f}" for v in totals.values()) + " |")
    lines.append("| mean structure | | | " + " | ".join(f"{np.mean(v):.3f}" for v in kept.values()) + " |")
    with open(os.path.join(out, "measures.md"), "w") as f:
        f.write(f"Each cell: style ratio (structure) at {size} px, measured on the saved 8-bit results\n\n" + "\n".join(lines) + "\n")
    print("\n".join(lines))
    write_sheet(rows, os.path.join(out, "contact-sheet.png"))


def write_sheet(rows, path, cell=160):
    sheet_image = Image.new("RGB", (cell * len(rows[0]), cell * len(rows)), "white")
    for r, row in enumerate(rows):
        for col, t in enumerate(row):
            im = to_pil(t)
            im.thumbnail((cell, cell), Image.LANCZOS)
            sheet_image.paste(im, (col * cell + (cell - im.width) // 2, r * cell + (cell - im.height) // 2))
    sheet_image.save(path)


def measure(photo, painting, results, size=256):
    """The measure below for finished results (e.g. a StyleBank model's): each image at SIZE."""
    c, s = load(photo, size), load(painting, size)
    d0 = distance(c, s)
    print(f"photo {os.path.basename(photo)}: D to {os.path.basename(painting)} {d0:.4f}")
    for r in results:
        x = load(r, size)
        if x.shape != c.shape:
            x = F.interpolate(x, size=c.shape[2:], mode="area")
        print(f"{os.path.basename(r)}: style ratio {distance(x, s) / d0:.3f} structure {structure(x, c):.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "sheet":
        sheet(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 256)
        sys.exit(0)
    if sys.argv[1] == "measure":
        sized = sys.argv[-1].isdigit()
        measure(sys.argv[2], sys.argv[3], sys.argv[4:-1] if sized else sys.argv[4:], int(sys.argv[-1]) if sized else 256)
        sys.exit(0)
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 15.0, int(sys.argv[4]) if len(sys.argv) > 4 else 256,
         sys.argv[5] if len(sys.argv) > 5 else None)
