#!/usr/bin/python3
"""Prints, for every depthwise Conv of an ONNX model, the spread of its
per-output-channel weight ranges after folding the following
BatchNormalization (as the compiler does): max over channels of
max|w| divided by the smallest non-zero per-channel max|w|, and the number
of channels whose folded weights are (near) zero or whose BN scale is
(near) zero ("dead" channels).

A large spread means one per-tensor scale rounds the small channels to zero
(see docs/Quantization.md). Uses Debian's python3-onnx and numpy.

Usage: utils/depthwise_weight_spread.py tests/models/mobilenetv2.onnx
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

model = onnx.load(sys.argv[1])
g = model.graph
inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
for n in g.node:  # Constant nodes (opset 13 exports) also hold tensors
    if n.op_type == "Constant":
        for a in n.attribute:
            if a.name == "value":
                inits[n.output[0]] = numpy_helper.to_array(a.t)
consumers = {}
for n in g.node:
    for i in n.input:
        consumers.setdefault(i, []).append(n)

rows = []
for n in g.node:
    if n.op_type != "Conv":
        continue
    group = next((a.i for a in n.attribute if a.name == "group"), 1)
    w = inits[n.input[1]].astype(np.float64)
    if group == 1 or group != w.shape[0]:
        continue
    bn = [c for c in consumers.get(n.output[0], []) if c.op_type == "BatchNormalization"]
    s = np.ones(w.shape[0])
    if bn:
        gamma, _, _, var = (inits[x].astype(np.float64) for x in bn[0].input[1:5])
        eps = next((a.f for a in bn[0].attribute if a.name == "epsilon"), 1e-5)
        s = gamma / np.sqrt(var + eps)
    wf = w * s[:, None, None, None]
    per = np.abs(wf).reshape(w.shape[0], -1).max(axis=1)
    nonzero = per[per > 1e-12]
    spread = per.max() / nonzero.min() if nonzero.size else float("inf")
    dead = int((np.abs(s) < 1e-3).sum())
    rows.append((spread, n.name or n.output[0], w.shape[0], per.max(), per.min(), dead))

print(f"{'depthwise conv':40s} {'channels':>8s} {'max|w|':>10s} {'min|w|':>10s} {'spread':>10s} {'dead':>5s}")
for spread, name, ch, mx, mn, dead in sorted(rows, reverse=True):
    print(f"{name:40s} {ch:8d} {mx:10.4g} {mn:10.4g} {spread:10.1f} {dead:5d}")
