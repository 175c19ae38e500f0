#!/usr/bin/python3
"""Checks the importer and the Interpreter on real torchvision exports.

Exports torchvision's ResNet-18, MobileNetV2 and SqueezeNet 1.1 (random
weights, 1x3x224x224) at opsets 9 and 13 with Debian's python3-torch and
python3-torchvision, writes each as an ONNX backend-test directory
(model.onnx, test_data_set_0/input_0.pb, output_0.pb holding PyTorch's
output) under --out, and runs `model-runner -onnx-test-dir` on each.
Not part of ctest (the exports are large and need torchvision).
"""
import argparse
import os
import subprocess
import sys

import torch
import torchvision
from onnx import numpy_helper

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--out", default="/tmp/torchvision-exports")
p.add_argument("--bin", default="build/bin")
p.add_argument("--backend", default="Interpreter")
args = p.parse_args()

torch.manual_seed(0)
failed = 0
for name in ["resnet18", "mobilenet_v2", "squeezenet1_1"]:
    model = getattr(torchvision.models, name)().eval()
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        y = model(x)
    for opset in (9, 13):
        d = os.path.join(args.out, f"{name}_opset{opset}")
        os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
        torch.onnx.export(model, x, os.path.join(d, "model.onnx"),
                          opset_version=opset, input_names=["data"],
                          output_names=["out"])
        for kind, t in (("input", x), ("output", y)):
            with open(os.path.join(d, "test_data_set_0", f"{kind}_0.pb"), "wb") as f:
                f.write(numpy_helper.from_array(t.numpy()).SerializeToString())
        r = subprocess.run([os.path.join(args.bin, "model-runner"),
                            f"-backend={args.backend}", f"-onnx-test-dir={d}",
                            "-rtol=1e-3", "-atol=1e-4"],
                           capture_output=True, text=True)
        line = (r.stdout.strip().splitlines() or [r.stderr.strip()])[0]
        print(f"{name} opset {opset}: {line}")
        failed += r.returncode != 0
sys.exit(1 if failed else 0)
