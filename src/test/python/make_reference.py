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


def decode(p, x):
    x = F.relu(inorm(conv(up(x), p["decoder.conv1.weight"], p["decoder.conv1.bias"])))
    x = F.relu(inorm(conv(up(x), p["decoder.conv2.weight"], p["decoder.conv2.bias"])))
    x = conv(x, p["decoder.conv3.weight"], p["decoder.conv3.bias"])
    return x.clamp(0, 1)


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
    write_safetensors(os.path.join(out, "outputs.safetensors"), {
        "input": x, "reconstruction": recon, "style.alpha": alpha,
        "fusion.alpha0.3.beta0.7": fused})
    print("wrote", out, "torch", torch.__version__,
          "mean outputs", float(recon.mean()), float(alpha.mean()), float(fused.mean()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/reference")
