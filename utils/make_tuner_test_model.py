#!/usr/bin/python3
"""Trains the small CNN that precision-tuner's tests use and writes it with
one layer made deliberately sensitive to INT8.

The network (Fashion-MNIST, input [N,1,28,28], output [N,10] logits):
  conv1 3x3 1->9, Relu, MaxPool 2 -> conv2 ("/sensitive/Conv") 3x3 9->16,
  Relu, MaxPool 2 -> conv3 3x3 16->16, Relu -> GlobalAveragePool -> Flatten
  -> Gemm.
conv1's ninth output channel has weight 0 and bias -1 from the start, so
after its Relu it is 0 for every input and training never changes it (its
gradients are 0). The network is trained for two epochs (seeded, one
thread). Then the trap is set: conv2's weights on that dead channel become
+-1000. The FP32 network computes exactly what it did (1000 x 0 = 0), but
per-tensor INT8 (and per-channel, since every filter holds the outlier)
quantization of conv2's weights now needs a scale of about 8, which rounds
every real weight to 0: quantizing conv2 alone destroys the accuracy,
every other layer is harmless.

Usage: /usr/bin/python3 utils/make_tuner_test_model.py [--output PATH]
(default tests/models/sensitive_cnn.onnx). Needs Debian's python3-torch and
dataset-fashion-mnist.
"""
import argparse
import gzip
import struct
import sys

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError:
    sys.exit("python3-torch is needed: apt-get install python3-torch")

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.286, 0.353


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    _, _, ndim = struct.unpack(">HBB", data[:4])
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def normalize(images_u8):
    x = torch.from_numpy(images_u8.astype(np.float32) / 255.0)
    return ((x - MEAN) / STD).unsqueeze(1)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 9, 3, padding=1)
        self.sensitive = nn.Conv2d(9, 16, 3, padding=1)
        self.conv3 = nn.Conv2d(16, 16, 3, padding=1)
        self.fc = nn.Linear(16, 10)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.sensitive(x)))
        x = self.relu(self.conv3(x))
        return self.fc(torch.flatten(self.gap(x), 1))


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--output", default="tests/models/sensitive_cnn.onnx")
    args = p.parse_args()
    torch.manual_seed(3)
    torch.set_num_threads(1)
    train_x = normalize(read_idx(f"{DATA_DIR}/train-images-idx3-ubyte.gz"))
    train_y = torch.from_numpy(
        read_idx(f"{DATA_DIR}/train-labels-idx1-ubyte.gz").astype(np.int64))
    test_x = normalize(read_idx(f"{DATA_DIR}/t10k-images-idx3-ubyte.gz"))
    test_y = torch.from_numpy(
        read_idx(f"{DATA_DIR}/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    model = SmallCNN()
    with torch.no_grad():
        model.conv1.weight[8].zero_()
        model.conv1.bias[8] = -1.0
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(2):
        perm = torch.randperm(len(train_x))
        for start in range(0, len(train_x), 128):
            idx = perm[start:start + 128]
            opt.zero_grad()
            loss_fn(model(train_x[idx]), train_y[idx]).backward()
            opt.step()
    model.eval()
    assert model.conv1.weight[8].abs().max().item() == 0.0
    before = accuracy(model, test_x, test_y)
    with torch.no_grad():
        signs = torch.where(torch.arange(16) % 2 == 0, 1000.0, -1000.0)
        model.sensitive.weight[:, 8, 1, 1] = signs
    after = accuracy(model, test_x, test_y)
    print(f"test accuracy {before:.4f} before the trap, {after:.4f} after")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), args.output,
                      input_names=["input"], output_names=["logits"],
                      opset_version=13,
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
