#!/usr/bin/env python3
"""Independent PyTorch reference for the StyleBank model format v1.

Writes a tiny random-weight model (directory layout of ../shared/docs/model-format.md) and
reference outputs that the Java tests compare against:

    /usr/bin/python3 src/test/python/make_reference.py src/test/resources/reference

Needs Debian's python3-torch (apt-get install -y python3-torch). Everything is seeded, so the
files are reproducible. The network is written from the format's layer table with
torch.nn.functional only; nothing is shared with the Java code.
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

CHANNELS = [8, 12, 16]
BANK_KERNEL = 3
STYLES = ["alpha", "beta"]
H, W = 21, 30          # deliberately not multiples of 4


def write_safetensors(path, tensors):
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def conv(x, w, b, stride=1):
    p = w.shape[-1] // 2
    if p > 0:
        x = F.pad(x, (p, p, p, p), mode="reflect")
    return F.conv2d(x, w, b, stride=stride)


def inorm(x):
    return F.instance_norm(x, eps=1e-5)


def up(x):
    return F.interpolate(x, scale_factor=2, mode="nearest")


def encode(p, x):
    x = F.relu(inorm(conv(x, p["encoder.conv1.weight"], p["encoder.conv1.bias"])))
    x = F.relu(inorm(conv(x, p["encoder.conv2.weight"], p["encoder.conv2.bias"], 2)))
    x = F.relu(inorm(conv(x, p["encoder.conv3.weight"], p["encoder.conv3.bias"], 2)))
    return x


def decode_hidden_pre(p, x):
    """D1, then D2 before its ReLU (after the instance normalisation)."""
    x = F.relu(inorm(conv(up(x), p["decoder.conv1.weight"], p["decoder.conv1.bias"])))
    return inorm(conv(up(x), p["decoder.conv2.weight"], p["decoder.conv2.bias"]))


def decode_hidden(p, x):
    """D1 and D2: the decoder up to its last hidden layer."""
    return F.relu(decode_hidden_pre(p, x))


def decode(p, x):
    x = conv(decode_hidden(p, x), p["decoder.conv3.weight"], p["decoder.conv3.bias"])
    return x.clamp(0, 1)


def region_in(x, masks):
    """Instance norm with mean/variance per soft region, blended by the masks."""
    out = torch.zeros_like(x)
    for m in masks:
        mass = m.sum(dim=(2, 3), keepdim=True)
        mu = (m * x).sum(dim=(2, 3), keepdim=True) / mass
        var = (m * (x - mu) ** 2).sum(dim=(2, 3), keepdim=True) / mass
        out = out + m * (x - mu) / torch.sqrt(var + 1e-5)
    return out


def given_in(x, masks, stats):
    """Instance norm with given mean/variance per soft region, blended by the masks."""
    return sum(m * (x - mu) / torch.sqrt(var + 1e-5) for m, (mu, var) in zip(masks, stats))


def mean_var(x):
    mu = x.mean(dim=(2, 3), keepdim=True)
    return mu, ((x - mu) ** 2).mean(dim=(2, 3), keepdim=True)


def run_regions(p, x, raw_masks, banks, mode):
    """Eq. 6 with the masks normalised so that they and the unstyled rest sum to 1.

    raw_masks: list of (1,1,H,W) in [0,1]; banks: one (weight, bias) per mask, None = identity.
    The unstyled rest 1 - sum is the identity region. mode: "paper" (the decoder unchanged),
    "region-aware" (D1 and D2 normalised with each region's own statistics) or "whole-image"
    (with the statistics each region's bank has on the whole image)."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % 4, (-w) % 4
    total = sum(raw_masks)
    scale = torch.clamp(total, min=1.0)
    masks = [m / scale for m in raw_masks]
    rest = torch.clamp(1 - sum(masks), min=0.0)
    masks = masks + [rest]
    banks = list(banks) + [None]
    pad = lambda t: F.pad(t, (0, pw, 0, ph), mode="reflect")
    full = [pad(m) for m in masks]
    half = [F.avg_pool2d(m, 2) for m in full]
    quarter = [F.avg_pool2d(m, 4) for m in full]
    f = encode(p, pad(x))
    fused = torch.zeros_like(f)
    for m, bank in zip(quarter, banks):
        if bank is None:
            fused = fused + m * f
        else:
            fused = fused + conv(m * f, bank[0], None) + m * bank[1].view(1, -1, 1, 1)
    if mode == "paper":
        return decode(p, fused)[..., :h, :w]
    if mode == "whole-image":
        d1s, d2s = [], []
        for bank in banks:
            g = f if bank is None else conv(f, bank[0], bank[1])
            a1 = conv(up(g), p["decoder.conv1.weight"], p["decoder.conv1.bias"])
            d1s.append(mean_var(a1))
            a2 = conv(up(F.relu(inorm(a1))), p["decoder.conv2.weight"], p["decoder.conv2.bias"])
            d2s.append(mean_var(a2))
        norm1, norm2 = (lambda t: given_in(t, half, d1s)), (lambda t: given_in(t, full, d2s))
    else:
        norm1, norm2 = (lambda t: region_in(t, half)), (lambda t: region_in(t, full))
    y = F.relu(norm1(conv(up(fused), p["decoder.conv1.weight"], p["decoder.conv1.bias"])))
    y = F.relu(norm2(conv(up(y), p["decoder.conv2.weight"], p["decoder.conv2.bias"])))
    y = conv(y, p["decoder.conv3.weight"], p["decoder.conv3.bias"])
    return y.clamp(0, 1)[..., :h, :w]


def region_masks():
    """Two overlapping soft blobs; the corners belong to neither (unstyled)."""
    yy, xx = torch.meshgrid(torch.arange(H, dtype=torch.float32), torch.arange(W, dtype=torch.float32), indexing="ij")
    blob = lambda cy, cx, r: torch.clamp(1.5 - torch.sqrt((yy - cy) ** 2 + (xx - cx) ** 2) / r, 0, 1)
    m1 = blob(9.0, 10.0, 7.0)
    m2 = blob(11.0, 18.0, 7.0)
    return m1.view(1, 1, H, W), m2.view(1, 1, H, W)


def run(p, x, bank=None):
    """Pads bottom/right by reflection to a multiple of 4, runs, crops back."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % 4, (-w) % 4
    xp = F.pad(x, (0, pw, 0, ph), mode="reflect")
    f = encode(p, xp)
    if bank is not None:
        f = conv(f, bank[0], bank[1])
    return decode(p, f)[..., :h, :w]


def main(out):
    torch.manual_seed(1234)
    c1, c2, c3 = CHANNELS

    def param(shape, fan_in, scale=1.0):
        return torch.randn(shape) * scale / fan_in ** 0.5

    ae = {
        "encoder.conv1.weight": param([c1, 3, 9, 9], 3 * 81),
        "encoder.conv1.bias": param([c1], 1, 0.1),
        "encoder.conv2.weight": param([c2, c1, 3, 3], c1 * 9),
        "encoder.conv2.bias": param([c2], 1, 0.1),
        "encoder.conv3.weight": param([c3, c2, 3, 3], c2 * 9),
        "encoder.conv3.bias": param([c3], 1, 0.1),
        "decoder.conv1.weight": param([c2, c3, 3, 3], c3 * 9),
        "decoder.conv1.bias": param([c2], 1, 0.1),
        "decoder.conv2.weight": param([c1, c2, 3, 3], c2 * 9),
        "decoder.conv2.bias": param([c1], 1, 0.1),
        # small last layer around 0.5 so that few outputs hit the clamp
        "decoder.conv3.weight": param([3, c1, 9, 9], c1 * 81, 0.4),
        "decoder.conv3.bias": torch.full([3], 0.5),
    }
    banks = {s: (param([c3, c3, BANK_KERNEL, BANK_KERNEL], c3 * BANK_KERNEL ** 2),
                 param([c3], 1, 0.2)) for s in STYLES}

    os.makedirs(os.path.join(out, "tiny.stylebank", "banks"), exist_ok=True)
    model_dir = os.path.join(out, "tiny.stylebank")
    write_safetensors(os.path.join(model_dir, "autoencoder.safetensors"), ae)
    for s, (w, b) in banks.items():
        write_safetensors(os.path.join(model_dir, "banks", s + ".safetensors"),
                          {"bank.weight": w, "bank.bias": b})
    manifest = {
        "format": "stylebank-model", "version": 1, "name": "tiny-reference",
        "description": "random weights for tests, made by make_reference.py",
        "channels": CHANNELS, "bankKernel": BANK_KERNEL,
        "styles": [{"id": s, "name": "Style " + s, "bank": "banks/" + s + ".safetensors"}
                   for s in STYLES],
        "somethingUnknown": {"readers": "must ignore this"},
    }
    with open(os.path.join(model_dir, "model.json"), "w") as f:
        json.dump(manifest, f, indent=2)

    x = torch.rand(1, 3, H, W)
    with torch.no_grad():
        recon = run(ae, x)
        alpha = run(ae, x, banks["alpha"])
        wa, wb = 0.3, 0.7
        fused_bank = (wa * banks["alpha"][0] + wb * banks["beta"][0],
                      wa * banks["alpha"][1] + wb * banks["beta"][1])
        fused = run(ae, x, fused_bank)
        m1, m2 = region_masks()
        mixed = (0.5 * banks["alpha"][0] + 0.5 * banks["beta"][0], 0.5 * banks["alpha"][1] + 0.5 * banks["beta"][1])
        region_banks = [banks["alpha"], mixed]
        paper = run_regions(ae, x, [m1, m2], region_banks, "paper")
        aware = run_regions(ae, x, [m1, m2], region_banks, "region-aware")
        whole = run_regions(ae, x, [m1, m2], region_banks, "whole-image")
    write_safetensors(os.path.join(out, "outputs.safetensors"), {
        "input": x, "reconstruction": recon, "style.alpha": alpha,
        "fusion.alpha0.3.beta0.7": fused,
        # regions: mask1 -> alpha, mask2 -> 0.5 alpha + 0.5 beta, the rest unstyled
        "regions.mask1": m1, "regions.mask2": m2,
        "regions.paper": paper, "regions.region-aware": aware, "regions.whole-image": whole})
    print("wrote", out, "torch", torch.__version__,
          "mean outputs", float(recon.mean()), float(alpha.mean()), float(fused.mean()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/reference")
