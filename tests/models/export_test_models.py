#!/usr/bin/env python3
"""Export the small test classifiers under tests/models/ the way users export theirs.

Every model is a PyTorch nn.Module with random (seeded) weights, put in eval mode and written
with torch.onnx.export, exactly as a team would export its trained classifier. The models are
small (< 5 MB) so they can be committed; the converter's tests run on them.

    /usr/bin/python3 tests/models/export_test_models.py            # small fixtures (committed)
    /usr/bin/python3 tests/models/export_test_models.py --torchvision /tmp/tv
                                                      # full torchvision AlexNet/VGG-16/ResNet-18,
                                                      # and ResNet-18 with a 2-class head
                                                      # (random weights; 45-530 MB, not committed)

Needs Debian's python3-torch, python3-torchvision and python3-onnx (torch 1.13).
"""
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))


class AlexNetStyle(nn.Module):
    """torchvision AlexNet's layout (padded convs, overlapping max-pools, AdaptiveAvgPool2d(6,6),
    Dropout/Linear/ReLU head), narrower so the file stays small."""

    def __init__(self, classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(32, 48, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(48, 32, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Linear(32 * 6 * 6, 64), nn.ReLU(inplace=True),
            nn.Dropout(0.5), nn.Linear(64, 64), nn.ReLU(inplace=True),
            nn.Linear(64, classes))

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


class ScanNetVgg(nn.Module):
    """Padding-free VGG-style net as in ScanNet (Lin et al. 2018): 244x244 input, valid convs,
    2x2 max-pools (stride 32 overall), Flatten + 2 FC + Softmax."""

    def __init__(self, classes=2):
        super().__init__()

        def block(cin, cout, convs):
            layers = []
            for i in range(convs):
                layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3), nn.ReLU(inplace=True)]
            return layers + [nn.MaxPool2d(2, 2)]

        self.features = nn.Sequential(*block(3, 8, 2), *block(8, 12, 2), *block(12, 16, 2),
                                      *block(16, 24, 1), *block(24, 32, 1))
        self.fc1 = nn.Linear(32 * 5 * 5, 48)
        self.fc2 = nn.Linear(48, classes)

    def forward(self, x):
        x = torch.flatten(self.features(x), 1)
        x = F.dropout(F.relu(self.fc1(x)), 0.5, self.training)
        return F.softmax(self.fc2(x), dim=1)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class ResNetStyle(nn.Module):
    """ResNet-18's layout (7x7/2 stem, max-pool, four stages of basic blocks with 1x1 projection
    shortcuts, global average pooling, one Linear), narrow widths."""

    def __init__(self, classes=4, widths=(8, 16, 32, 64)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 7, 2, 3, bias=False), nn.BatchNorm2d(widths[0]),
                                  nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], widths[0]
        for i, w in enumerate(widths):
            blocks += [BasicBlock(cin, w, 1 if i == 0 else 2), BasicBlock(w, w, 1)]
            cin = w
        self.layers = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.layers(self.stem(x))), 1))


class LeNetView(nn.Module):
    """LeNet-5 flattened with x.view(x.size(0), -1): exports a Shape/Gather/Unsqueeze/Concat/
    Reshape chain when the batch axis is dynamic, a constant Reshape when it is not."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class BnDropoutHead(nn.Module):
    """A head with BatchNorm1d, Dropout, GELU and a hand-written x @ W + b (MatMul + Add),
    ending in LogSoftmax."""

    def __init__(self, classes=3):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, 2), nn.ReLU(), nn.Conv2d(8, 16, 3, 2), nn.ReLU(),
                                      nn.MaxPool2d(2))
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.bn1 = nn.BatchNorm1d(32)
        self.drop = nn.Dropout(0.3)
        self.w2 = nn.Parameter(torch.randn(32, 24) * 0.2)
        self.b2 = nn.Parameter(torch.randn(24) * 0.1)
        self.bn2 = nn.BatchNorm1d(24)
        self.fc3 = nn.Linear(24, classes)

    def forward(self, x):
        x = torch.flatten(self.features(x), 1)
        x = self.drop(F.relu(self.bn1(self.fc1(x))))
        x = F.gelu(self.bn2(x @ self.w2 + self.b2))
        return F.log_softmax(self.fc3(x), dim=1)


class FullyConv(nn.Module):
    """Already fully convolutional: a 1x1 conv classifier, no FC head."""

    def __init__(self, classes=3):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 5, 2), nn.ReLU(), nn.Conv2d(8, 16, 3, 2), nn.ReLU(),
                                 nn.Conv2d(16, classes, 1))

    def forward(self, x):
        return self.net(x)


def randomise_batchnorm(model, gen):
    """Fresh BatchNorm layers are the identity; give them real running statistics."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


def export(model, path, size, opset, dynamic_batch=True, dynamic_hw=False):
    gen = torch.Generator().manual_seed(1234)
    randomise_batchnorm(model, gen)
    model.eval()
    x = torch.randn(1, 3, size, size, generator=gen)
    axes = {}
    if dynamic_batch or dynamic_hw:
        dims = {}
        if dynamic_batch:
            dims[0] = "batch"
        if dynamic_hw:
            dims[2], dims[3] = "height", "width"
        axes = {"input": dims, "logits": {0: "batch"} if dynamic_batch else {}}
    torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"],
                      opset_version=opset, dynamic_axes=axes or None, do_constant_folding=True)
    print(f"{os.path.basename(path):32s} opset {opset}  {os.path.getsize(path) / 1e6:6.2f} MB")


def small(out):
    torch.manual_seed(0)
    export(AlexNetStyle(), f"{out}/alexnet_adaptive.onnx", 224, 13)
    export(ScanNetVgg(), f"{out}/scannet_vgg244.onnx", 244, 11, dynamic_batch=False)
    export(ResNetStyle(), f"{out}/resnet_gap.onnx", 224, 17)
    export(ResNetStyle(), f"{out}/resnet_gap_dynamic_hw.onnx", 224, 17, dynamic_hw=True)
    export(torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=3), f"{out}/mobilenetv2.onnx", 224, 13)
    lenet = LeNetView()
    export(lenet, f"{out}/lenet_view.onnx", 32, 13)
    export(lenet, f"{out}/lenet_view_static.onnx", 32, 12, dynamic_batch=False)
    export(BnDropoutHead(), f"{out}/bn_dropout_head.onnx", 64, 15)
    export(FullyConv(), f"{out}/fully_conv.onnx", 32, 14)


def large(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    export(torchvision.models.resnet18(), f"{out}/resnet18.onnx", 224, 17)
    # What a pathology team ships: ResNet-18 with its head replaced for two classes (tumour / normal).
    tuned = torchvision.models.resnet18()
    tuned.fc = nn.Linear(tuned.fc.in_features, 2)
    export(tuned, f"{out}/resnet18_2class.onnx", 224, 17)
    export(torchvision.models.alexnet(), f"{out}/alexnet.onnx", 224, 13)
    export(torchvision.models.vgg16(), f"{out}/vgg16.onnx", 224, 13)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--torchvision", metavar="DIR", help="export full-size torchvision models to DIR instead")
    a = p.parse_args()
    large(a.torchvision) if a.torchvision else small(HERE)
