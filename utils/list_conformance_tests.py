#!/usr/bin/python3
"""Lists the ONNX backend node tests whose operators the importer supports.

Reads /usr/share/libonnx-testdata/data/node/*/model.onnx (Debian's
libonnx-testdata) with python3-onnx and prints, one a line, the tests in
which every node's op_type is in the supported list given with --ops (the
output of `model-runner -list-supported-ops`, comma separated). The result is
the candidate list; tests/onnx-conformance-tests.txt is this list with
exclusions commented and explained.
"""
import argparse
import os

import onnx

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--ops", required=True)
p.add_argument("--dir", default="/usr/share/libonnx-testdata/data/node")
args = p.parse_args()
ops = set(args.ops.split(","))
for name in sorted(os.listdir(args.dir)):
    path = os.path.join(args.dir, name, "model.onnx")
    if not os.path.exists(path):
        continue
    model = onnx.load(path)
    used = {n.op_type for n in model.graph.node}
    domains = {n.domain for n in model.graph.node} - {"", "ai.onnx"}
    if used and used <= ops and not domains:
        print(name)
