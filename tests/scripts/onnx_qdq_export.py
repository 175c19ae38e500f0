#!/usr/bin/env python3
"""model-compiler -export-onnx-qdq, checked against ONNX Runtime.

On the bundled Fashion-MNIST ResNet-18 and MobileNetV2 (500 test images):
  1. The FP32 export (no profile) run by ONNX Runtime equals our FP32 CPU
     output within 1e-4 relative L2: the writer's operators mean what ours do.
  2. The INT8 export (-load-profile) is valid ONNX (onnx.checker) with a
     QuantizeLinear/DequantizeLinear pair per INT8 value and int8 weights;
     ONNX Runtime's top-1 equals ours (INT8, CPU backend) on at least 99%
     of the images and its accuracy is within 1 point. (A float value near
     a rounding boundary can round to another code in either runtime, and
     the INT8 layers after it carry the difference.) The same with
     -export-onnx-qdq-activation-type=uint8, whose file differs only in
     the activation zero points (uint8, + 128).
  3. A mixed export (a keep list) leaves the kept layer plain FP32: its
     Conv reads float weights, with no DequantizeLinear before it; ONNX
     Runtime's top-1 equals ours on at least 98% (the FP32 layer's float
     output, computed in another order, is then quantized: more values
     near a rounding boundary) with the accuracy within 1 point.
  4. Exporting onto the input model is refused with a one-line error.
  5. A BatchNorm that cannot be folded and pools in ceil mode export to
     what ONNX Runtime computes as we do (FP32).
Exit 77 (skip) when onnx (python) or onnxruntime-node is missing.
"""
import gzip
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
except ImportError as e:
    print(f"SKIP: {e}")
    sys.exit(77)

BUILD, SOURCE, ORT_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
BIN = os.path.join(BUILD, "bin")
DATA = "/usr/share/datasets/fashion-mnist"
N = 500
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(cmd, expect_ok=True):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if expect_ok and p.returncode != 0:
        print(" ".join(cmd))
        print(p.stdout + p.stderr)
        sys.exit(1)
    return p


def load_images():
    with gzip.open(os.path.join(DATA, "t10k-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16)
    with gzip.open(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x = images[: N * 784].reshape(N, 1, 28, 28).astype(np.float32)
    # -image-mode=0to1 -mean=72.93 -stddev=0.353 (docs/Quantization.md)
    return ((x - 72.93) / 255.0 / 0.353).astype(np.float32), labels[:N]


def ours(model, tmp, x, extra):
    inp = os.path.join(tmp, "input_0.pb")
    t = numpy_helper.from_array(x, name="input")
    open(inp, "wb").write(t.SerializeToString())
    out = os.path.join(tmp, "ours")
    run([os.path.join(BIN, "model-runner"), "-m=" + model, "-backend=CPU",
         "-input-tensor=" + inp, "-write-outputs=" + out] + extra)
    p = onnx.TensorProto()
    p.ParseFromString(open(os.path.join(out, "output_0.pb"), "rb").read())
    return numpy_helper.to_array(p).reshape(N, -1)


def ort(model, tmp, x):
    raw = os.path.join(tmp, "x.bin")
    x.tofile(raw)
    out = os.path.join(tmp, "ort.bin")
    p = run(["node", os.path.join(SOURCE, "utils", "ort_run.js"), "--model",
             model, "--input", raw, "--shape", ",".join(map(str, x.shape)),
             "--output", out, "--ort-dir", ORT_DIR], expect_ok=False)
    if p.returncode == 77:
        print("SKIP: " + p.stderr.strip())
        sys.exit(77)
    if p.returncode != 0:
        print(p.stderr)
        sys.exit(1)
    return np.fromfile(out, np.float32).reshape(N, -1)


def export(model, tmp, name, extra):
    path = os.path.join(tmp, name)
    run([os.path.join(BIN, "model-compiler"), "-m=" + model, "-backend=CPU",
         "-batch-size=%d" % N, "-export-onnx-qdq=" + path] + extra)
    return path


def pool_and_batchnorm_model(path):
    """A small model with what the Fashion models lack: a BatchNorm that
    cannot be folded (it reads the input) and pools in ceil mode (GoogLeNet,
    SqueezeNet), whose ceil mode is in the output shape only."""
    from onnx import helper, TensorProto
    rng = np.random.default_rng(5)

    def init(name, a):
        return numpy_helper.from_array(np.asarray(a, np.float32), name)
    inits = [init("bn.scale", [1.5]), init("bn.bias", [0.25]),
             init("bn.mean", [0.1]), init("bn.var", [2.0]),
             init("conv.w", rng.uniform(-1, 1, (4, 1, 3, 3))),
             init("conv.b", rng.uniform(-1, 1, (4,)))]
    nodes = [
        helper.make_node("BatchNormalization",
                         ["input", "bn.scale", "bn.bias", "bn.mean",
                          "bn.var"], ["bn"], epsilon=1e-3),
        helper.make_node("MaxPool", ["bn"], ["mp"], kernel_shape=[3, 3],
                         strides=[2, 2], ceil_mode=1),
        helper.make_node("Conv", ["mp", "conv.w", "conv.b"], ["conv"],
                         pads=[1, 1, 1, 1]),
        helper.make_node("AveragePool", ["conv"], ["output"],
                         kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)]
    graph = helper.make_graph(
        nodes, "pools", [helper.make_tensor_value_info(
            "input", TensorProto.FLOAT, [N, 1, 28, 28])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)],
        inits)
    onnx.save(helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 13)]), path)


def same_top1(what, a, b, labels, min_agree):
    """ORT's outputs b against ours a: top-1 the same on at least min_agree
    of the images, accuracy within 1 point."""
    agree = float(np.mean(a.argmax(1) == b.argmax(1)))
    acc_a = float(np.mean(a.argmax(1) == labels))
    acc_b = float(np.mean(b.argmax(1) == labels))
    check(agree >= min_agree and abs(acc_a - acc_b) <= 0.01,
          f"{what}: ORT top-1 agrees with ours on {agree * 100:.1f}% of {N} "
          f"images; accuracy ours {acc_a * 100:.1f}%, ORT {acc_b * 100:.1f}%")


def main():
    if subprocess.run(["node", "--version"], capture_output=True).returncode:
        print("SKIP: node is missing")
        return 77
    x, labels = load_images()
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "pools.onnx")
        pool_and_batchnorm_model(model)
        exported = export(model, tmp, "pools_export.onnx", [])
        m = onnx.load(exported)
        kinds = {n.op_type: n for n in m.graph.node}
        ceil = [n.op_type for n in m.graph.node
                if any(a.name == "ceil_mode" and a.i == 1
                       for a in n.attribute)]
        a, b = ours(model, tmp, x, []), ort(exported, tmp, x)
        rel = float(np.linalg.norm(a - b) / np.linalg.norm(a))
        check("BatchNormalization" in kinds and
              sorted(ceil) == ["AveragePool", "MaxPool"] and rel < 1e-5,
              f"BatchNorm and ceil-mode pools export: ceil_mode on "
              f"{sorted(ceil)}, ORT vs ours relative L2 {rel:.2e}")
    for name in ["resnet18", "mobilenetv2"]:
        model = os.path.join(SOURCE, "tests", "models", name + ".onnx")
        with tempfile.TemporaryDirectory() as tmp:
            # Profile on 500 training-like images: the first test images
            # are enough for a consistency check.
            prof = os.path.join(tmp, "profile.yaml")
            ours(model, tmp, x, ["-dump-profile=" + prof])
            fp32 = export(model, tmp, "fp32.onnx", [])
            a, b = ours(model, tmp, x, []), ort(fp32, tmp, x)
            rel = float(np.linalg.norm(a - b) / np.linalg.norm(a))
            check(rel < 1e-4, f"{name} FP32 export: ORT vs ours relative L2 "
                  f"{rel:.2e}")
            q = export(model, tmp, "int8.onnx", ["-load-profile=" + prof])
            m = onnx.load(q)
            onnx.checker.check_model(m, full_check=True)
            ops = [n.op_type for n in m.graph.node]
            int8_inits = [t for t in m.graph.initializer
                          if t.data_type == onnx.TensorProto.INT8 and
                          len(t.dims) == 4]
            check(ops.count("QuantizeLinear") > 10 and len(int8_inits) > 10,
                  f"{name} INT8 export: {ops.count('QuantizeLinear')} "
                  f"QuantizeLinear, {ops.count('DequantizeLinear')} "
                  f"DequantizeLinear, {len(int8_inits)} int8 filters")
            ours_int8 = ours(model, tmp, x, ["-load-profile=" + prof])
            same_top1(f"{name} INT8", ours_int8, ort(q, tmp, x), labels, 0.99)
            # uint8 activations: the same graph with every activation zero
            # point + 128 as uint8 (weights and biases unchanged); ONNX
            # Runtime runs its INT8 convolutions on it.
            qu = export(model, tmp, "uint8.onnx",
                        ["-load-profile=" + prof,
                         "-export-onnx-qdq-activation-type=uint8"])
            mu = onnx.load(qu)
            onnx.checker.check_model(mu, full_check=True)
            zi = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
            zu = {t.name: numpy_helper.to_array(t)
                  for t in mu.graph.initializer}
            act = {n.input[2] for n in m.graph.node
                   if n.op_type == "QuantizeLinear"}
            moved = [k for k in act if zu[k].dtype == np.uint8 and
                     int(zu[k]) == int(zi[k]) + 128]
            same = [k for k in zi if k not in act and
                    np.array_equal(zi[k], zu[k]) and zi[k].dtype == zu[k].dtype]
            check(len(act) > 10 and len(moved) == len(act) and
                  len(same) == len(zi) - len(act) and
                  [n.op_type for n in mu.graph.node] == ops,
                  f"{name} uint8 export: {len(moved)} of {len(act)} "
                  f"activation zero points uint8 (+128), the other "
                  f"{len(same)} initializers unchanged")
            same_top1(f"{name} INT8 uint8", ours_int8, ort(qu, tmp, x), labels,
                      0.99)
            # Mixed: keep the first convolution FP32.
            first = next(n for n in onnx.load(model).graph.node
                         if n.op_type == "Conv").name
            mixed = export(model, tmp, "mixed.onnx",
                           ["-load-profile=" + prof,
                            "-keep-original-precision-for-layers=" + first])
            mm = onnx.load(mixed)
            producers = {o: n for n in mm.graph.node for o in n.output}
            inits = {t.name: t for t in mm.graph.initializer}
            conv = next(n for n in mm.graph.node if n.op_type == "Conv")
            w = conv.input[1]
            check(w in inits and inits[w].data_type == onnx.TensorProto.FLOAT
                  and w not in producers,
                  f"{name} mixed: kept layer {first} reads FP32 weights")
            same_top1(f"{name} mixed",
                      ours(model, tmp, x,
                           ["-load-profile=" + prof,
                            "-keep-original-precision-for-layers=" + first]),
                      ort(mixed, tmp, x), labels, 0.98)
            p = run([os.path.join(BIN, "model-compiler"), "-m=" + model,
                     "-export-onnx-qdq=" + model], expect_ok=False)
            lines = p.stderr.strip().splitlines()
            check(p.returncode != 0 and len(lines) == 1 and
                  "input model" in p.stderr,
                  "exporting onto the input model is a one-line error")
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
