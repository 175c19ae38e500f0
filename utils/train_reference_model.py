#!/usr/bin/python3
"""Trains the project's reference models on Fashion-MNIST and exports them.

Uses Debian's python3-torch and the Fashion-MNIST files of Debian's
dataset-fashion-mnist. Seeds are fixed and one thread is used, so a run is
repeatable on the same machine.

For each model it writes, under --out (default tests/models):
  NAME.onnx            the trained model (input `input` float [N,1,28,28],
                       output `logits` [N,10]), BatchNormalization kept so
                       that the compiler's folding pass has work to do
  NAME.reference.json  PyTorch's top-1 accuracy on the 10k test set and the
                       logits of every sample image in --images
and, once, about 100 labeled sample PNGs from the test set into --images
(default tests/images/fashion), named `fmnist_INDEX_LABEL.png`.

Pre-processing is the one a Glow command line reproduces:
  x = (pixel / 255 - MEAN) / STD  ==  -image-mode=0to1 -mean=72.93 -stddev=0.353
"""

import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN = 0.286
STD = 0.353
DATA_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """Reads an IDX file (optionally gzip-compressed) into a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def normalize(images_u8):
    x = torch.from_numpy(images_u8.astype(np.float32) / 255.0)
    return ((x - MEAN) / STD).unsqueeze(1)


# --------------------------------------------------------------------------
# ResNet-18 v1 (basic blocks, post-activation), adapted to 1x28x28 inputs.
# After BatchNorm folding: 20 Conv, 17 Relu, MaxPool + GlobalAveragePool,
# 8 Add and one Gemm = 48 layers.


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu2 = nn.ReLU()
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu2(out + identity)


class ResNet18(nn.Module):
    def __init__(self, width=16, num_classes=10):
        super().__init__()
        w = width
        self.conv1 = nn.Conv2d(1, w, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers = []
        cin = w
        for i, cout in enumerate([w, 2 * w, 4 * w, 8 * w]):
            stride = 1 if i == 0 else 2
            layers.append(nn.Sequential(BasicBlock(cin, cout, stride),
                                        BasicBlock(cout, cout, 1)))
            cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# --------------------------------------------------------------------------
# MobileNetV2 (width 0.5) adapted to 1x28x28: inverted residual blocks with
# depthwise 3x3 convolutions, ReLU6 (exported as Clip), residual Add, global
# average pool and FC. The first conv has stride 2.


def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


class ConvBNReLU6(nn.Sequential):
    def __init__(self, cin, cout, kernel, stride, groups=1):
        super().__init__(
            nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups,
                      bias=False),
            nn.BatchNorm2d(cout), nn.ReLU6())


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = [] if expand == 1 else [ConvBNReLU6(cin, hidden, 1, 1)]
        layers += [ConvBNReLU6(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, cout, 1, 1, 0, bias=False),
                   nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV2(nn.Module):
    # (expansion, channels, repeats, first stride)
    CONFIG = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
              (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, width=0.5, num_classes=10):
        super().__init__()
        cin = make_divisible(32 * width)
        layers = [ConvBNReLU6(1, cin, 3, 2)]
        for t, c, n, s in self.CONFIG:
            cout = make_divisible(c * width)
            for i in range(n):
                layers.append(InvertedResidual(cin, cout, s if i == 0 else 1, t))
                cin = cout
        self.last = make_divisible(1280 * max(1.0, width))
        layers.append(ConvBNReLU6(cin, self.last, 1, 1))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(self.last, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


MODELS = {
    "resnet18": lambda: ResNet18(width=16),
    "mobilenetv2": lambda: MobileNetV2(width=0.5),
}

# Per-model training recipe: (epochs, peak learning rate).
RECIPES = {"resnet18": (12, 0.1), "mobilenetv2": (16, 0.05)}


def augment(x, gen):
    """Random crop (pad 2, one shift per batch) and per-image horizontal flip."""
    padded = F.pad(x, (2, 2, 2, 2), value=(0.0 - MEAN) / STD)
    dy, dx = torch.randint(0, 5, (2,), generator=gen).tolist()
    out = padded[:, :, dy:dy + 28, dx:dx + 28].clone()
    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    out[flip] = out[flip].flip(3)
    return out


def evaluate(model, x, y, batch=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / x.shape[0]


def train(name, args, train_x, train_y, test_x, test_y):
    epochs, lr = RECIPES[name]
    args = argparse.Namespace(**vars(args))
    args.epochs = args.epochs or epochs
    args.lr = args.lr or lr
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    model = MODELS[name]()
    steps_per_epoch = (train_x.shape[0] + args.batch - 1) // args.batch
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                          weight_decay=5e-4, nesterov=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(train_x.shape[0], generator=gen)
        total = 0.0
        for s in range(steps_per_epoch):
            idx = perm[s * args.batch:(s + 1) * args.batch]
            xb = augment(train_x[idx], gen)
            loss = F.cross_entropy(model(xb), train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        acc = evaluate(model, test_x, test_y) if (
            epoch == args.epochs - 1 or args.verbose) else float("nan")
        print(f"{name} epoch {epoch + 1}/{args.epochs} loss "
              f"{total / steps_per_epoch:.4f} test {acc:.4f} "
              f"({time.time() - start:.0f}s)", flush=True)
    model.eval()
    return model


def export(model, path):
    """Exports with BatchNormalization kept (no Conv+BN fusion by PyTorch)."""
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(model, dummy, path, input_names=["input"],
                      output_names=["logits"], opset_version=13,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False,
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})


def write_samples(images_dir, test_u8, test_y, count):
    """Writes `count` test images (spread over the set) as labeled PNGs."""
    from PIL import Image
    os.makedirs(images_dir, exist_ok=True)
    indices = np.linspace(0, test_u8.shape[0] - 1, count).astype(int)
    for i in indices:
        Image.fromarray(test_u8[i], mode="L").save(
            os.path.join(images_dir, f"fmnist_{i:04d}_{int(test_y[i])}.png"))


def sample_logits(model, images_dir):
    from PIL import Image
    names = sorted(f for f in os.listdir(images_dir) if f.endswith(".png"))
    u8 = np.stack([np.array(Image.open(os.path.join(images_dir, f))) for f in names])
    with torch.no_grad():
        logits = model(normalize(u8))
    return {n: [float(v) for v in row] for n, row in zip(names, logits)}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="resnet18", help="comma list of: " +
                   ",".join(MODELS))
    p.add_argument("--out", default="tests/models")
    p.add_argument("--images", default="tests/images/fashion")
    p.add_argument("--num-samples", type=int, default=100)
    p.add_argument("--epochs", type=int, default=0,
                   help="default: the model's recipe (RECIPES)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.0,
                   help="peak of the one-cycle schedule; default: the recipe")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--train-limit", type=int, default=0,
                   help="use only this many training images (quick checks)")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()

    torch.set_num_threads(1)
    train_u8 = read_idx(f"{DATA_DIR}/train-images-idx3-ubyte.gz")
    train_y = torch.from_numpy(read_idx(f"{DATA_DIR}/train-labels-idx1-ubyte.gz").astype(np.int64))
    test_u8 = read_idx(f"{DATA_DIR}/t10k-images-idx3-ubyte.gz")
    test_y_np = read_idx(f"{DATA_DIR}/t10k-labels-idx1-ubyte.gz")
    test_y = torch.from_numpy(test_y_np.astype(np.int64))
    if args.train_limit:
        train_u8, train_y = train_u8[:args.train_limit], train_y[:args.train_limit]
    train_x, test_x = normalize(train_u8), normalize(test_u8)

    write_samples(args.images, test_u8, test_y_np, args.num_samples)
    os.makedirs(args.out, exist_ok=True)
    for name in args.models.split(","):
        model = train(name, args, train_x, train_y, test_x, test_y)
        onnx_path = os.path.join(args.out, f"{name}.onnx")
        export(model, onnx_path)
        ref = {
            "model": f"{name}.onnx",
            "preprocessing": {"image_mode": "0to1", "mean": MEAN * 255,
                              "stddev": STD},
            "test_images": test_u8.shape[0],
            "pytorch_top1": evaluate(model, test_x, test_y),
            "pytorch_version": torch.__version__,
            "seed": args.seed,
            "epochs": args.epochs or RECIPES[name][0],
            "sample_logits": sample_logits(model, args.images),
        }
        with open(os.path.join(args.out, f"{name}.reference.json"), "w") as f:
            json.dump(ref, f, indent=1)
        print(f"{name}: top-1 {ref['pytorch_top1']:.4f} -> {onnx_path}")


if __name__ == "__main__":
    main()
