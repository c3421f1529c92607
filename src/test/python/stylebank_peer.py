#!/usr/bin/env python3
"""The PyTorch peer of a cold headless StyleBank run, for the cold benchmark (ColdBenchmark).

    /usr/bin/python3 src/test/python/stylebank_peer.py MODEL_DIR STYLE_ID IN.png OUT.png [THREADS]

Does what `macros/stylize.ijm` does in one fresh process: start, read the model folder
(model format v1), read the image, one forward pass of the format's network (make_reference.py's
functions: torch.nn.functional only, no grad), write the PNG. Prints the pass's seconds.
"""
import json
import os
import struct
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import run  # noqa: E402

DTYPES = {"F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        raw = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        arr = np.frombuffer(raw[a:b], dtype=DTYPES[h["dtype"]]).astype(np.float32).reshape(h["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def main(model, style, inp, outp, threads=2):
    torch.set_num_threads(threads)
    manifest = json.load(open(os.path.join(model, "model.json")))
    p = read_safetensors(os.path.join(model, "autoencoder.safetensors"))
    entry = next(s for s in manifest["styles"] if s["id"] == style)
    bank = read_safetensors(os.path.join(model, entry["bank"]))
    img = np.asarray(Image.open(inp).convert("RGB"), dtype=np.float32) / 255.0
    x = torch.from_numpy(img).permute(2, 0, 1).unsqueeze(0).contiguous()
    t0 = time.time()
    with torch.no_grad():
        y = run(p, x, (bank["bank.weight"], bank["bank.bias"]))
    seconds = time.time() - t0
    out = (y[0].permute(1, 2, 0).numpy() * 255.0 + 0.5).clip(0, 255).astype(np.uint8)
    Image.fromarray(out).save(outp)
    print("peer pass %.2f s" % seconds)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 2)
