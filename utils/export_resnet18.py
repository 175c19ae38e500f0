#!/usr/bin/python3
"""Exports a randomly initialised ResNet-18 v1 to ONNX for benchmarks.

The network has torchvision's ResNet-18 topology (7x7/2 stem convolution
with BatchNorm and ReLU, 3x3/2 max pool, four stages of two BasicBlocks with
64/128/256/512 channels, a 1x1 convolution plus BatchNorm shortcut on the
first block of stages 2-4, global average pool, flatten, 512->1000 fully
connected layer), written here in plain torch so that torchvision is not
needed. Weights are random with a fixed seed; every BatchNorm gets random
running mean/variance and affine parameters so that BN folding has real work
to do, and the BatchNormalization nodes are kept in the ONNX file (not fused
by the exporter). The model is exported in eval mode with opset 13: input `data`
float [N,3,224,224] (N fixed by --batch), output `logits` [N,1000].

Needs Debian's python3-torch, so run it with the system Python:
  /usr/bin/python3 utils/export_resnet18.py --output /tmp/resnet18.onnx
  /usr/bin/python3 utils/export_resnet18.py --output /tmp/r18_b32.onnx --batch 32
"""
import argparse
import sys

try:
    import torch
    from torch import nn
except ImportError:
    sys.exit("python3-torch is needed: apt-get install python3-torch "
             "(and run this script with /usr/bin/python3)")


def conv_bn(cin, cout, kernel, stride):
    """A bias-free convolution with 'same'-style padding, then BatchNorm."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2,
                  bias=False),
        nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    """Two 3x3 conv+BN layers with a residual connection (ResNet v1)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.first = conv_bn(cin, cout, 3, stride)
        self.second = conv_bn(cout, cout, 3, 1)
        self.relu = nn.ReLU(inplace=True)
        if stride != 1 or cin != cout:
            self.shortcut = conv_bn(cin, cout, 1, stride)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        y = self.relu(self.first(x))
        y = self.second(y)
        return self.relu(y + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 v1 for 224x224 RGB input and 1000 classes."""

    def __init__(self, classes=1000):
        super().__init__()
        self.stem = nn.Sequential(
            conv_bn(3, 64, 7, 2), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1))
        stages = []
        cin = 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            stages.append(BasicBlock(cin, cout, stride))
            stages.append(BasicBlock(cout, cout, 1))
            cin = cout
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.stages(self.stem(x))
        x = torch.flatten(self.pool(x), 1)
        return self.fc(x)


def randomise(model):
    """Gives weights and BatchNorm statistics random, well-scaled values."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out",
                                    nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)


def main():
    p = argparse.ArgumentParser(
        description="Export a random-weight ResNet-18 v1 to ONNX (opset 13).")
    p.add_argument("--output", required=True, help="ONNX file to write")
    p.add_argument("--batch", type=int, default=1,
                   help="fixed batch size N of input `data` [N,3,224,224]")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.batch < 1:
        p.error("--batch must be at least 1")

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    model = ResNet18()
    randomise(model)
    model.eval()
    x = torch.rand(args.batch, 3, 224, 224)
    with torch.no_grad():
        torch.onnx.export(model, x, args.output, opset_version=13,
                          input_names=["data"], output_names=["logits"],
                          # PRESERVE on an eval-mode model keeps the
                          # BatchNormalization nodes (inference form); the
                          # default EVAL mode would fuse them into the
                          # convolutions inside the exporter.
                          training=torch.onnx.TrainingMode.PRESERVE,
                          do_constant_folding=False)
    print(f"wrote {args.output} (batch {args.batch})")


if __name__ == "__main__":
    main()
