#!/usr/bin/env python3
"""Train the small padding-free lesion classifier that `batchfcn demo` ships with.

Patches come from the same texture recipe as BatchFcn.Imaging.SyntheticSlide (glass background, tissue
with sparse nuclei, lesions with dense dark nuclei): Gaussian noise blurred with libvips' truncated
Gaussian (amplitude >= 0.2), standardised, thresholded into nuclei, coloured, plus luminance jitter.
Classes: 0 background, 1 tissue, 2 lesion. The network has no padding, so its converted form is exact
on every crop (invariant B in docs/ARCHITECTURE.md); it is exported to ONNX the way users export theirs.

    /usr/bin/python3 models/demo/train_demo_model.py        # writes models/demo/lesion_classifier.onnx

Needs Debian's python3-torch and python3-onnx. Takes a couple of minutes on two cores.
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
PATCH = 64

# (base RGB, nucleus RGB, nucleus blur sigma, nucleus z threshold, jitter sigma): SyntheticSlide.TextureRecipe
RECIPES = {
    0: ((243, 242, 245), (243, 242, 245), 1.5, 99.0, 3.0),
    1: ((228, 165, 205), (120, 70, 165), 1.5, 1.5, 8.0),
    2: ((205, 135, 190), (85, 40, 135), 2.0, 0.35, 8.0),
}


def vips_blur(x, sigma):
    """libvips gaussblur: a separable Gaussian truncated where it falls below 0.2 of its peak."""
    radius = int(math.floor(sigma * math.sqrt(2 * math.log(1 / 0.2))))
    k = torch.tensor([math.exp(-(i * i) / (2 * sigma * sigma)) for i in range(-radius, radius + 1)], dtype=torch.float32)
    k = k / k.sum()
    x = F.pad(x, (radius, radius, radius, radius), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1))
    return F.conv2d(x, k.view(1, 1, -1, 1))


def texture(cls, size, gen):
    base, nucleus, blur, threshold, jitter = RECIPES[cls]
    z = vips_blur(torch.randn(1, 1, size, size, generator=gen), blur)
    z = (z - z.mean()) / z.std()
    nuclei = (z > threshold).float()
    colour = nuclei * torch.tensor(nucleus).view(1, 3, 1, 1) + (1 - nuclei) * torch.tensor(base).view(1, 3, 1, 1)
    lum = torch.randn(1, 1, size, size, generator=gen) * jitter
    return (colour + lum).clamp(0, 255).floor()[0]


def patches(count, gen):
    """Pure patches and two-class patches split by a random line, labelled by the central 32x32."""
    pool = {c: texture(c, 1024, gen) for c in RECIPES}
    xs, ys = [], []
    yy, xx = torch.meshgrid(torch.arange(PATCH), torch.arange(PATCH), indexing="ij")
    for _ in range(count):
        a = int(torch.randint(0, 3, (1,), generator=gen))
        b = int(torch.randint(0, 3, (1,), generator=gen))

        def crop(c):
            y, x = torch.randint(0, 1024 - PATCH, (2,), generator=gen).tolist()
            return pool[c][:, y:y + PATCH, x:x + PATCH]

        img = crop(a)
        if torch.rand(1, generator=gen) < 0.4 and a != b:
            angle = float(torch.rand(1, generator=gen)) * 2 * math.pi
            offset = (float(torch.rand(1, generator=gen)) - 0.5) * PATCH
            side = ((xx - PATCH / 2) * math.cos(angle) + (yy - PATCH / 2) * math.sin(angle)) > offset
            img = torch.where(side, crop(b), img)
            centre = side[16:48, 16:48].float().mean()
            label = b if centre > 0.5 else a
        else:
            label = a
        img = (img * (0.95 + 0.1 * float(torch.rand(1, generator=gen)))).clamp(0, 255)
        xs.append(img)
        ys.append(label)
    x = torch.stack(xs) / 255.0
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (x - mean) / std, torch.tensor(ys)


class LesionNet(nn.Module):
    """Padding-free: 64x64 patch -> 3 classes; stride 8, receptive field 62."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 4, stride=2), nn.ReLU(inplace=True),
            nn.Conv2d(8, 16, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(16, 16, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(16 * 6 * 6, 32), nn.ReLU(inplace=True), nn.Dropout(0.2), nn.Linear(32, 3))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    x, y = patches(6000, gen)
    xv, yv = patches(600, gen)
    model = LesionNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for epoch in range(8):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(xv).argmax(1) == yv).float().mean().item()
        print(f"epoch {epoch}: loss {loss.item():.3f}  validation accuracy {acc:.3f}")
    out = os.path.join(HERE, "lesion_classifier.onnx")
    torch.onnx.export(model, torch.randn(1, 3, PATCH, PATCH), out, input_names=["input"], output_names=["logits"],
                      opset_version=13, dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print(f"wrote {out} ({os.path.getsize(out) / 1e3:.0f} kB), validation accuracy {acc:.3f}")


if __name__ == "__main__":
    main()
