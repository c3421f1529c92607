#!/usr/bin/env python3
"""PyTorch checkpoints (.pth) for the import tests: StyleBank in the layouts of public PyTorch
implementations, a torchvision-style VGG file, and hostile files that must be refused.

    /usr/bin/python3 src/test/python/make_torch_fixtures.py src/test/resources/torchfile

Needs Debian's python3-torch (torch 1.13). Seeded, tiny widths (channels 4, 6, 8). Writes:

  split_zip/         encoder.pth, decoder.pth, bank/0.path, bank/1.path (one file per part, as
                     ichunyeh/StyleBank saves them: Sequential indices, ConvLayer's "conv2d")
  split_legacy/      the same in the legacy format (_use_new_zipfile_serialization=False), with
                     bank 1 in float16
  whole_zip.pth      one state dict {"state_dict": {encoder_net..., decoder_net...,
                     style_bank.N.0...}, "epoch": 7}; bank 1's weight is a view with an offset
                     into a larger storage, the decoder's last weight a non-contiguous view
  whole_legacy_half.pth   the same network's state dict in float16, legacy format
  flat_names.pth     the same network under flat names (enconv1..3, deconv1..3, style_bank.N.conv2d);
                     its outputs are whole_zip's
  dtypes.pth, dtypes_protocol4.pth   float32/64, bfloat16, float16, int64 and nested views,
                     pickled with protocol 2 and 4; dtypes_expected.safetensors their values
  outputs.safetensors     input (1x3x20x28) and, per fixture, PyTorch's reconstruction, style 0
                     and the fusion 0.3 * bank 0 + 0.7 * bank 1 (clamped to [0, 1])
  refused/           checkpoints whose network the model format cannot express
                     (transposed.pth: bare convolutions and ConvTranspose2d decoder;
                     affine_in.pth: instance norm with scale and shift)
  hostile/           files that must be refused without running anything
  vgg19-XXXXXXXX.pth torchvision names (features.0/2 of VGG-19 and a classifier bias), random
                     weights equal to those of ../reference/vgg_partial.safetensors; XXXXXXXX
                     is the start of the file's SHA-256, as in torchvision's file names

Never torch.load the hostile files.
"""
import collections
import hashlib
import io
import json
import os
import shutil
import struct
import sys
import zipfile

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stylebank_peer import read_safetensors  # noqa: E402

C1, C2, C3 = 4, 6, 8
H, W = 20, 28


class ReflectConv(nn.Module):
    """Reflection pad by k // 2, optional nearest upsampling by 2 first, then a convolution.
    The attribute name conv2d gives the key names of the public implementations."""

    def __init__(self, cin, cout, k, stride=1, upsample=False):
        super().__init__()
        self.upsample = upsample
        self.pad = nn.ReflectionPad2d(k // 2)
        self.conv2d = nn.Conv2d(cin, cout, k, stride)

    def forward(self, x):
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        return self.conv2d(self.pad(x))


class Net(nn.Module):
    def __init__(self, styles):
        super().__init__()
        self.encoder_net = nn.Sequential(
            ReflectConv(3, C1, 9), nn.InstanceNorm2d(C1), nn.ReLU(),
            ReflectConv(C1, C2, 3, 2), nn.InstanceNorm2d(C2), nn.ReLU(),
            ReflectConv(C2, C3, 3, 2), nn.InstanceNorm2d(C3), nn.ReLU())
        self.decoder_net = nn.Sequential(
            ReflectConv(C3, C2, 3, 1, True), nn.InstanceNorm2d(C2), nn.ReLU(),
            ReflectConv(C2, C1, 3, 1, True), nn.InstanceNorm2d(C1), nn.ReLU(),
            ReflectConv(C1, 3, 9))
        self.style_bank = nn.ModuleList([nn.Sequential(ReflectConv(C3, C3, 3)) for _ in range(styles)])

    def outputs(self, x):
        with torch.no_grad():
            z = self.encoder_net(x)
            recon = self.decoder_net(z).clamp(0, 1)
            style0 = self.decoder_net(self.style_bank[0](z)).clamp(0, 1)
            fused = self.decoder_net(0.3 * self.style_bank[0](z) + 0.7 * self.style_bank[1](z)).clamp(0, 1)
        return recon, style0, fused


def randomise(net, seed):
    torch.manual_seed(seed)
    for name, p in net.named_parameters():
        with torch.no_grad():
            if p.dim() > 1:
                p.copy_(torch.randn_like(p) / (p[0].numel() ** 0.5))
            else:
                p.copy_(torch.randn_like(p) * 0.1)
    with torch.no_grad():  # last layer around 0.5, so that few outputs hit the clamp
        last = net.decoder_net[6].conv2d
        last.weight.mul_(0.4)
        last.bias.fill_(0.5)


def save(obj, path, legacy=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def rewrite_zip(src, dst, change):
    """Copies a zip archive entry by entry; change(name, data) returns (name, data) or None to drop."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            got = change(info.filename, zin.read(info.filename))
            if got is not None:
                zout.writestr(got[0], got[1])


class Evil:
    """Pickles as a call of os.system (posix.system on Linux): must never run."""

    def __reduce__(self):
        return (os.system, ("echo this must never run",))


class EvalCall:
    def __reduce__(self):
        return (eval, ("print('this must never run')",))


class Config:
    def __init__(self):
        self.lr = 0.001


class HugeTensor:
    """A tensor header claiming 2^60 elements over a storage of 4."""

    def __init__(self):
        self.storage = torch.zeros(4).storage()

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, 0, (2 ** 30, 2 ** 30), (2 ** 30, 1), False, collections.OrderedDict()))


def main(out):
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    net = Net(2)
    randomise(net, 2024)
    torch.manual_seed(7)
    x = torch.rand(1, 3, H, W)
    outputs = {"input": x}

    # split layout, zip and legacy (bank 1 in float16 in the legacy copy)
    for name, legacy in (("split_zip", False), ("split_legacy", True)):
        d = os.path.join(out, name)
        save(net.encoder_net.state_dict(), os.path.join(d, "encoder.pth"), legacy)
        save(net.decoder_net.state_dict(), os.path.join(d, "decoder.pth"), legacy)
        for i, bank in enumerate(net.style_bank):
            sd = bank.state_dict()
            if legacy and i == 1:
                sd = collections.OrderedDict((k, v.half()) for k, v in sd.items())
            save(sd, os.path.join(d, "bank", "%d.path" % i), legacy)
    outputs.update(zip(("split_zip.reconstruction", "split_zip.style0", "split_zip.fusion"), net.outputs(x)))
    half_bank = Net(2)
    half_bank.load_state_dict(net.state_dict())
    with torch.no_grad():
        for p in half_bank.style_bank[1].parameters():
            p.copy_(p.half().float())
    outputs.update(zip(("split_legacy.reconstruction", "split_legacy.style0", "split_legacy.fusion"), half_bank.outputs(x)))

    # one state dict, nested, with views: bank 1's weight at an offset in a larger storage,
    # the decoder's last weight non-contiguous
    sd = net.state_dict()
    w = sd["style_bank.1.0.conv2d.weight"]
    big = torch.randn(w.numel() + 13)
    big[5:5 + w.numel()] = w.reshape(-1)
    sd["style_bank.1.0.conv2d.weight"] = big[5:5 + w.numel()].view(w.shape)
    d3 = sd["decoder_net.6.conv2d.weight"]
    sd["decoder_net.6.conv2d.weight"] = d3.transpose(0, 1).contiguous().transpose(0, 1)
    assert sd["style_bank.1.0.conv2d.weight"].storage_offset() == 5
    assert not sd["decoder_net.6.conv2d.weight"].is_contiguous()
    save({"state_dict": sd, "epoch": 7, "note": "random weights for tests"}, os.path.join(out, "whole_zip.pth"))
    outputs.update(zip(("whole_zip.reconstruction", "whole_zip.style0", "whole_zip.fusion"), net.outputs(x)))

    # the same network under flat names (enconvN / deconvN / style_bank.N.conv2d), without affine norms
    rename = {"encoder_net.0.": "enconv1.", "encoder_net.3.": "enconv2.", "encoder_net.6.": "enconv3.",
              "decoder_net.0.": "deconv1.", "decoder_net.3.": "deconv2.", "decoder_net.6.": "deconv3.",
              "style_bank.0.0.": "style_bank.0.", "style_bank.1.0.": "style_bank.1."}
    flat = collections.OrderedDict()
    for k, v in net.state_dict().items():
        for a, b in rename.items():
            if k.startswith(a):
                k = b + k[len(a):]
        flat[k] = v
    save(flat, os.path.join(out, "flat_names.pth"))

    half = Net(2)
    half.load_state_dict(net.state_dict())
    half_sd = collections.OrderedDict((k, v.half()) for k, v in half.state_dict().items())
    save(half_sd, os.path.join(out, "whole_legacy_half.pth"), legacy=True)
    half.load_state_dict(collections.OrderedDict((k, v.float()) for k, v in half_sd.items()))
    outputs.update(zip(("whole_legacy_half.reconstruction", "whole_legacy_half.style0", "whole_legacy_half.fusion"),
                       half.outputs(x)))
    write_safetensors(os.path.join(out, "outputs.safetensors"), outputs)

    # element types and pickle protocol 4 (FRAME, MEMOIZE, SHORT_BINUNICODE, STACK_GLOBAL)
    torch.manual_seed(11)
    base = torch.randn(2, 3)
    dtypes = {"f32": base, "f64": base.double(), "bf16": base.bfloat16(), "f16": base.half(), "i64": torch.arange(5),
              "nested": [base[1], {"deeper": base.t()}]}
    save(dtypes, os.path.join(out, "dtypes.pth"))
    torch.save(dtypes, os.path.join(out, "dtypes_protocol4.pth"), pickle_protocol=4)
    write_safetensors(os.path.join(out, "dtypes_expected.safetensors"), {
        "f32": base, "bf16": base.bfloat16().float(), "f16": base.half().float(), "i64": torch.arange(5).float(),
        "row1": base[1], "transposed": base.t()})

    # networks the format cannot express
    transposed = collections.OrderedDict()
    for i, (cin, cout, k) in enumerate(((3, C1, 9), (C1, C2, 3), (C2, C3, 3), (C3, 2 * C3, 3))):
        transposed["encoder_net.%d.weight" % (3 * i)] = torch.randn(cout, cin, k, k)
    for i, (cin, cout, k) in enumerate(((2 * C3, C3, 3), (C3, C2, 3), (C2, C1, 3), (C1, 3, 9))):
        transposed["decoder_net.%d.weight" % (3 * i)] = torch.randn(cin, cout, k, k)  # ConvTranspose2d: [in, out, k, k]
    for s in range(2):
        transposed["style_bank.%d.0.weight" % s] = torch.randn(2 * C3, 2 * C3, 3, 3)
    save(transposed, os.path.join(out, "refused", "transposed.pth"))
    affine = collections.OrderedDict()
    for name, cin, cout, k in (("enconv1", 3, C1, 9), ("enconv2", C1, C2, 3), ("enconv3", C2, C3, 3),
                               ("deconv1", C3, C2, 3), ("deconv2", C2, C1, 3), ("deconv3", C1, 3, 9)):
        affine[name + ".conv2d.weight"] = torch.randn(cout, cin, k, k)
        affine[name + ".conv2d.bias"] = torch.randn(cout)
        if name != "deconv3":
            affine[name + "_in.scale"] = torch.rand(cout)
            affine[name + "_in.shift"] = torch.zeros(cout)
    affine["style_bank.0.conv2d.weight"] = torch.randn(C3, C3, 3, 3)
    affine["style_bank.0.conv2d.bias"] = torch.randn(C3)
    save(affine, os.path.join(out, "refused", "affine_in.pth"))

    # hostile files
    h = os.path.join(out, "hostile")
    good = os.path.join(out, "split_zip", "encoder.pth")
    save({"w": torch.zeros(2), "x": Evil()}, os.path.join(h, "posix_system.pth"))
    save({"w": torch.zeros(2), "x": EvalCall()}, os.path.join(h, "builtins_eval.pth"))
    save({"w": torch.zeros(2), "config": Config()}, os.path.join(h, "unknown_class.pth"))
    save({"w": torch.zeros(2), "x": Evil()}, os.path.join(h, "posix_system_legacy.pth"), legacy=True)
    save({"w": HugeTensor()}, os.path.join(h, "huge_header.pth"))
    with open(good, "rb") as f:
        raw = f.read()
    with open(os.path.join(h, "truncated.pth"), "wb") as f:
        f.write(raw[: len(raw) // 2])
    rewrite_zip(good, os.path.join(h, "short_storage.pth"),
                lambda n, b: (n, b[: len(b) // 2]) if "/data/" in n else (n, b))
    rewrite_zip(good, os.path.join(h, "dotdot.pth"), lambda n, b: (n, b))
    with zipfile.ZipFile(os.path.join(h, "dotdot.pth"), "a") as z:
        z.writestr("encoder/../../escaped.txt", b"outside the archive")

    # torchvision-named VGG-19 (first two convolutions), same weights as the safetensors fixture
    ref = read_safetensors(os.path.join(os.path.dirname(out.rstrip("/")), "reference", "vgg_partial.safetensors"))
    vgg = collections.OrderedDict((k, ref[k]) for k in ("features.0.weight", "features.0.bias",
                                                         "features.2.weight", "features.2.bias"))
    vgg["classifier.6.bias"] = torch.zeros(10)
    tmp = os.path.join(out, "vgg19-tmp.pth")
    save(vgg, tmp)
    with open(tmp, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    os.rename(tmp, os.path.join(out, "vgg19-%s.pth" % digest[:8]))
    print("wrote", out, "torch", torch.__version__, "vgg sha256", digest)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/torchfile")
