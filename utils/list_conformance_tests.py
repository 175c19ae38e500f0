#!/usr/bin/python3
"""Lists the ONNX backend tests whose operators the importer supports.

Reads the node, pytorch-converted and pytorch-operator suites of
/usr/share/libonnx-testdata/data (Debian's libonnx-testdata; SUITE/*/model.onnx)
with python3-onnx and prints, one a line, the tests (node tests by name,
the others as SUITE/NAME) in
which every node's op_type is in the supported list given with --ops (the
output of `model-runner -list-supported-ops`, comma separated). The result is
the candidate list; tests/onnx-conformance-tests.txt is this list with
exclusions commented and explained.

With --write FILE (and --bin DIR) it runs every candidate with
`model-runner -onnx-test-dir` on the Interpreter, CPU and OpenCL backends
and writes FILE: the tests that pass on all three, then the others as
comments with the error the loader (or the first failing backend) gives.
"""
import argparse
import os
import subprocess

import onnx

HEADER = """\
# ONNX backend tests (Debian libonnx-testdata, /usr/share/libonnx-testdata/data:
# the node suite by test name, the pytorch-converted and pytorch-operator
# suites as SUITE/NAME) that tests/scripts/onnx_conformance.sh runs with
# model-runner -onnx-test-dir.
# Candidates are the tests whose operators all appear in
# `model-runner -list-supported-ops`; utils/list_conformance_tests.py --write
# regenerates this file by running each on the Interpreter, CPU and OpenCL.
# Every listed test must pass. Candidates that use a feature the compiler does
# not support are excluded below with the reason; each gives a one-line error.
"""

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--ops", required=True)
p.add_argument("--dir", default="/usr/share/libonnx-testdata/data")
p.add_argument("--write", metavar="FILE")
p.add_argument("--bin", default="build/bin")
p.add_argument("--backends", default="Interpreter,CPU,OpenCL")
args = p.parse_args()
ops = set(args.ops.split(","))
# Operators the importer evaluates while loading, on constant inputs only
# (lib/Importer/ONNXConstantOperators.cpp). model-runner gives a test's
# input tensors to the loader, so their tests check that evaluation, not a
# backend kernel; they are listed apart.
LOAD_TIME_OPS = {"Mod", "Range", "ScatterND"}
SUITES = ["node", "pytorch-converted", "pytorch-operator"]
candidates = []
load_time = set()
for suite in SUITES:
    root = os.path.join(args.dir, suite)
    if not os.path.isdir(root):
        continue
    for test in sorted(os.listdir(root)):
        path = os.path.join(root, test, "model.onnx")
        if not os.path.exists(path):
            continue
        name = test if suite == "node" else suite + "/" + test
        model = onnx.load(path)
        used = {n.op_type for n in model.graph.node}
        domains = {n.domain for n in model.graph.node} - {"", "ai.onnx"}
        if used and used <= ops and not domains:
            candidates.append(name)
            if used & LOAD_TIME_OPS:
                load_time.add(name)
if not args.write:
    print("\n".join(candidates))
    raise SystemExit(0)


def why(out, test_dir):
    """The first error line without the tool and path prefixes."""
    lines = [l for l in out.splitlines() if l.strip()]
    errors = [l for l in lines if "error:" in l] or \
        [l for l in lines if not l.startswith("PASS")] or lines or ["?"]
    line = errors[0]
    line = line.split("error: ", 1)[-1]
    return line.replace(os.path.join(test_dir, "model.onnx") + ": ", "")


# Tests whose failure is by design, with the reason in words.
BY_DESIGN = {
    "test_training_dropout": "training-mode Dropout (random mask; inference "
                             "Dropout is the identity)",
}

passed, excluded = [], []
for name in candidates:
    d = os.path.join(args.dir, name if "/" in name else "node/" + name)
    reason = None
    for backend in args.backends.split(","):
        r = subprocess.run([os.path.join(args.bin, "model-runner"),
                            "-backend=" + backend, "-onnx-test-dir=" + d],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            reason = why(r.stdout + r.stderr, d)
            if backend != "Interpreter":
                reason = "%s backend: %s" % (backend, reason)
            break
    for prefix, because in BY_DESIGN.items():
        if reason is not None and name.startswith(prefix):
            reason = because
    if reason is None:
        passed.append(name)
    else:
        excluded.append((name, reason))
with open(args.write, "w") as f:
    f.write(HEADER)
    for name in passed:
        if name not in load_time:
            f.write(name + "\n")
    f.write("#\n# Operators evaluated while loading (constant inputs; the test's "
            "inputs are\n# given to the loader), no backend kernel:\n")
    for name in passed:
        if name in load_time:
            f.write(name + "\n")
    f.write("#\n# Excluded (the reason is the error the loader reports):\n")
    for name, reason in excluded:
        f.write("#   %s: %s\n" % (name, reason))
print("%d candidates: %d pass on %s (%d of them evaluated while loading), "
      "%d excluded" % (len(candidates), len(passed), args.backends,
                       len(load_time & set(passed)), len(excluded)))
