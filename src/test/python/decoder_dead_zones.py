#!/usr/bin/env python3
"""Where a StyleBank model's decoder goes dark: the pixels at which (almost) every channel of the
last hidden layer (D2, after instance normalisation and ReLU) is zero.

    /usr/bin/python3 src/test/python/decoder_dead_zones.py MODEL IMAGE [OUT.png]

MODEL is a model folder or its .zip (model format v1), IMAGE a picture. For the plain
reconstruction and for every style it prints the fraction of pixels at which fewer than 10 % of
D2's channels are active. At such pixels the output comes from the one to three channels still
active, which follow the brightness: a flat colour that keeps little of the input's colour, with a
rim where the other channels come back. These are where the default model's pale patches are, but
keeping D2 alive during training does not remove the patches (dead_zone_revival_check.py; the
README, "The default model").
OUT.png (optional): the share of active D2 channels per pixel, white = all, one panel per row.
"""
import json
import os
import sys
import tempfile
import zipfile

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import conv, decode_hidden, encode  # noqa: E402
from stylebank_peer import read_safetensors  # noqa: E402


def model_folder(path, scratch):
    if os.path.isdir(path):
        return path
    with zipfile.ZipFile(path) as z:
        z.extractall(scratch)
    return scratch


def d2(p, x, bank):
    """The format's network up to D2 (make_reference.py's encoder, the bank, its decoder's hidden layers)."""
    h = encode(p, x)
    if bank is not None:
        h = conv(h, bank["bank.weight"], bank["bank.bias"])
    return decode_hidden(p, h)


def main(model, image, out=None):
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as scratch:
        folder = model_folder(model, scratch)
        manifest = json.load(open(os.path.join(folder, "model.json")))
        p = read_safetensors(os.path.join(folder, "autoencoder.safetensors"))
        banks = [("reconstruction", None)] + [
            (s["id"], read_safetensors(os.path.join(folder, s["bank"]))) for s in manifest["styles"]]
        im = Image.open(image).convert("RGB")
        im = im.crop((0, 0, im.width // 4 * 4, im.height // 4 * 4))  # the network's own multiple of 4
        x = torch.from_numpy(np.asarray(im, dtype=np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
        panels = []
        with torch.no_grad():
            for name, bank in banks:
                active = (d2(p, x, bank)[0] > 0).float().mean(0).numpy()
                print("%-16s %.3f of the pixels have fewer than 10 %% of D2's channels active"
                      % (name, (active < 0.1).mean()))
                panels.append((active * 255).astype(np.uint8))
    if out:
        Image.fromarray(np.concatenate(panels, 0)).save(out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
