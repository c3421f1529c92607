#!/usr/bin/env python3
"""Independent PyTorch reference for the gradients that training and Gatys rely on.

    /usr/bin/python3 src/test/python/make_gradient_reference.py src/test/resources/reference

Reads the tiny model written by make_reference.py (tiny.stylebank: channels 8/12/16, whose
convolutions include the shapes that libtorch 2.7.1's oneDNN got wrong on our machines) and the
VGG fixture of make_vgg_reference.py, and writes gradients.safetensors:

- stylebank.*: a seeded 2 x 3 x 24 x 28 batch x and weighting r; loss = sum(r * D(K_alpha(E(x))))
  with the decoder output not clamped (as in training); the gradient of the loss with respect to
  every autoencoder tensor, the alpha bank and x.
- vgg.*: a seeded 1 x 3 x 18 x 22 image and weighting of relu2_1 (max pooling); the gradient
  with respect to the image (what Gatys follows).

Computed in float64 from the float32 weights with torch.nn.functional only.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from make_reference import write_safetensors, encode, decode, conv  # noqa: E402
from make_vgg_reference import MEAN, STD  # noqa: E402
from stylebank_peer import read_safetensors  # noqa: E402


def main(out):
    model = os.path.join(out, "tiny.stylebank")
    ae = {k: v.double().requires_grad_() for k, v in read_safetensors(os.path.join(model, "autoencoder.safetensors")).items()}
    bank = read_safetensors(os.path.join(model, "banks", "alpha.safetensors"))
    bw, bb = bank["bank.weight"].double().requires_grad_(), bank["bank.bias"].double().requires_grad_()
    g = torch.Generator().manual_seed(4321)
    x = torch.rand(2, 3, 24, 28, generator=g, dtype=torch.float32)
    r = torch.randn(2, 3, 24, 28, generator=g, dtype=torch.float32)
    xd = x.double().requires_grad_()
    y = decode_unclamped(ae, conv(encode(ae, xd), bw, bb))
    (y * r.double()).sum().backward()
    grads = {"stylebank.input": x, "stylebank.weighting": r, "stylebank.output": y.detach(), "stylebank.grad.input": xd.grad}
    for k, v in ae.items():
        grads["stylebank.grad." + k] = v.grad
    grads["stylebank.grad.bank.weight"] = bw.grad
    grads["stylebank.grad.bank.bias"] = bb.grad

    vgg = {k: v.double() for k, v in read_safetensors(os.path.join(out, "vgg_partial.safetensors")).items()}
    img = torch.rand(1, 3, 18, 22, generator=g, dtype=torch.float32)
    imgd = img.double().requires_grad_()
    h = (imgd - MEAN.double()) / STD.double()
    r11 = F.relu(F.conv2d(h, vgg["features.0.weight"], vgg["features.0.bias"], padding=1))
    r12 = F.relu(F.conv2d(r11, vgg["features.2.weight"], vgg["features.2.bias"], padding=1))
    r21 = F.relu(F.conv2d(F.max_pool2d(r12, 2), vgg["features.5.weight"], vgg["features.5.bias"], padding=1))
    wv = torch.randn(r21.shape, generator=g, dtype=torch.float32)
    (r21 * wv.double()).sum().backward()
    grads.update({"vgg.input": img, "vgg.weighting": wv, "vgg.grad.input": imgd.grad})
    write_safetensors(os.path.join(out, "gradients.safetensors"), grads)
    print("wrote", os.path.join(out, "gradients.safetensors"), "torch", torch.__version__)


def decode_unclamped(p, f):
    """The decoder without the final clamp (training's loss sees the raw output)."""
    x = F.relu(F.instance_norm(conv(F.interpolate(f, scale_factor=2, mode="nearest"), p["decoder.conv1.weight"], p["decoder.conv1.bias"]), eps=1e-5))
    x = F.relu(F.instance_norm(conv(F.interpolate(x, scale_factor=2, mode="nearest"), p["decoder.conv2.weight"], p["decoder.conv2.bias"]), eps=1e-5))
    return conv(x, p["decoder.conv3.weight"], p["decoder.conv3.bias"])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/reference")
