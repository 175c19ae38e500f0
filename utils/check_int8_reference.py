#!/usr/bin/python3
"""Independent check of the Interpreter's INT8 network against numpy.

Re-computes, in numpy, the all-INT8 version of an ONNX CNN (ResNet-18 of
tests/models) that the compiler builds from a profile, and compares its
logits with those of `model-runner -load-profile=PROFILE` image by image.
Nothing of the C++ code is reused: the numpy side follows the formulas of
include/glow/Quantization/QuantizationMath.h and the choices of
lib/Quantization/Quantizer.cpp:

- activations: int8 with the asymmetric params of the profile's Min/Max of
  their NodeOutputName ('<onnx node name>:0'; the graph input is 'input:0'):
  min' = min(min, 0), max' = max(max, 0), scale = (max' - min') / 255,
  offset = clamp(round_half_even(-128 - min'/scale)), all in float32;
- BatchNormalization folded into the preceding Conv (float32):
  s = gamma / sqrt(var + eps), w' = w * s, b' = (b - mean) * s + beta;
  the profile then holds the Conv's name, not the BN's;
- Conv / FC weights: int8 per tensor from their own min/max (asymmetric);
  biases: int32 = round_half_even(b / (s_in * s_w)) with s_in * s_w in
  float32;
- accumulators in integers (numpy int64, or float64 products of integers,
  which are exact here), requantized with the fixed-point transform of
  makeQuantizationTransform (math.frexp, llround of frac * 2^31) and
  (v * m + 2^(shift-1)) >> shift;
- Add rescales each operand to the output scale separately and adds;
  Relu and MaxPool requantize from their input scale to their own profile
  scale; a Conv or Add read only by a Relu takes its profile range without
  the negative part (the compiler quantizes a result read only by a Relu
  or Clip over the clip's range); GlobalAveragePool sums the integers of the window and requantizes
  with s_in / (s_out * count); Flatten is absorbed into the Gemm (which
  becomes a FullyConnected reading the pool output);
- the FC output is dequantized: scale * (q - offset) in float32.

Each PNG of --images is preprocessed like the compiler's image-classifier
with -image-mode=0to1 -mean=72.93 -stddev=0.353 (lib/Base/Image.cpp:
((pixel - mean) / stddev) * (1/255), in float32), written as a [1,1,28,28]
TensorProto, and run with
  BIN/model-runner -m=MODEL -load-profile=PROFILE -input-tensor=IN.pb
                   -write-outputs=DIR
The summary line counts logits that differ by more than one quantization
step of the FC output ('/fc/Gemm:0') and images whose top-1 labels differ.
Exit status: 0 if >= 99.9% of the logits are within one step and every
top-1 label matches, 1 otherwise, 77 if numpy or onnx is missing.

Usage:
  utils/check_int8_reference.py --model tests/models/resnet18.onnx \\
      --profile profile.yaml --images tests/images/fashion --bin build/bin
"""
import argparse
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import zlib

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
except ImportError as e:  # pragma: no cover
    print("SKIP: numpy and onnx are needed (%s)" % e)
    sys.exit(77)

F32 = np.float32
INT32_MIN, INT32_MAX = -(2 ** 31), 2 ** 31 - 1

# ---------------------------------------------------------------------------
# QuantizationMath.h, re-written
# ---------------------------------------------------------------------------


def choose_params(lo, hi):
    """Asymmetric (scale, offset) for [lo, hi], in float32 like the C++."""
    lo = min(F32(lo), F32(0))
    hi = max(F32(hi), F32(0))
    if lo == hi:  # an all-zero range is read as the unit range [0, 1]
        lo, hi = F32(0), F32(1)
    scale = max(F32(F32(hi - lo) / F32(255)), F32(1e-10))
    off = np.rint(F32(F32(-128) - F32(lo / scale)))  # nearbyint: half-even
    off = int(min(max(off, F32(-128)), F32(127)))
    return F32(scale), off


def quantize(x, scale, offset):
    """float32 array -> int8 codes (int64 array): clamp(rint(x/s) + off)."""
    x = np.asarray(x, dtype=F32)
    q = np.rint(x / F32(scale)) + F32(offset)
    return np.clip(q, F32(-128), F32(127)).astype(np.int64)


def quantize_bias(b, scale):
    """float32 array -> int32 values (int64 array), computed in double."""
    q = np.rint(np.asarray(b, np.float64) / np.float64(F32(scale)))
    return np.clip(q, float(INT32_MIN), float(INT32_MAX)).astype(np.int64)


def make_transform(ratio):
    """makeQuantizationTransform: ratio ~ multiplier * 2^-shift."""
    frac, exp = math.frexp(ratio)
    v = frac * float(1 << 31)  # exact: a power-of-2 multiple
    m = int(v)
    if v - m >= 0.5:  # llround: halves away from zero (v > 0)
        m += 1
    if m == (1 << 31):
        m >>= 1
        exp += 1
    shift = 31 - exp
    if shift > 62:
        return 0, 62
    return m, shift


def apply_transform(v, t):
    """(v * m + 2^(shift-1)) >> shift on int64 arrays (halves go up)."""
    m, shift = t
    v = np.asarray(v, dtype=np.int64)
    p = v * np.int64(m)
    if shift <= 0:
        return np.where(p > 0, INT32_MAX, np.where(p < 0, INT32_MIN, 0))
    return (p + np.int64(1 << (shift - 1))) >> np.int64(shift)


def requantize(v, t, offset):
    return np.clip(apply_transform(v, t) + offset, -128, 127)


# ---------------------------------------------------------------------------
# Inputs: profile, PNG images, TensorProto files
# ---------------------------------------------------------------------------


def _yaml_scalar(s):
    s = s.strip()
    if s.startswith("'") and s.endswith("'") and len(s) >= 2:
        return s[1:-1].replace("''", "'")
    if s.startswith('"') and s.endswith('"') and len(s) >= 2:
        return bytes(s[1:-1], "utf-8").decode("unicode_escape")
    return s


def read_profile(path):
    """{NodeOutputName: (Min, Max)} from the third YAML document."""
    entries, cur = {}, None
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s*-?\s*(NodeOutputName|Min|Max):\s*(.*?)\s*$",
                         line)
            if not m:
                continue
            key, val = m.group(1), m.group(2)
            if key == "NodeOutputName":
                cur = _yaml_scalar(val)
                entries[cur] = [None, None]
            elif cur is not None:
                # Glow reads the value as a double, then rounds to float.
                entries[cur][0 if key == "Min" else 1] = F32(float(val))
    for name, (lo, hi) in entries.items():
        if lo is None or hi is None:
            raise ValueError("profile entry '%s' lacks Min or Max" % name)
    return {k: (v[0], v[1]) for k, v in entries.items()}


def read_png_gray(path):
    """8-bit grey (alpha dropped) PNG -> uint8 array [H, W]."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s is not a PNG file" % path)
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = hdr
    chans = {0: 1, 4: 2}.get(ctype)
    if depth != 8 or chans is None or interlace:
        try:  # anything else: let PIL decode it, if it is there
            from PIL import Image
        except ImportError:
            raise ValueError("%s: only 8-bit grey PNGs are supported" % path)
        return np.asarray(Image.open(path).convert("L"), dtype=np.uint8)
    raw = zlib.decompress(idat)
    stride = w * chans
    out = np.zeros((h, stride), dtype=np.int64)
    prev = np.zeros(stride, dtype=np.int64)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1)
        line = line.astype(np.int64)
        cur = np.zeros(stride, dtype=np.int64)
        for x in range(stride):
            a = cur[x - chans] if x >= chans else 0
            b = prev[x]
            c = prev[x - chans] if x >= chans else 0
            if ft == 0:
                p = 0
            elif ft == 1:
                p = a
            elif ft == 2:
                p = b
            elif ft == 3:
                p = (a + b) // 2
            else:  # Paeth
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur[x] = (line[x] + p) & 0xFF
        out[y] = cur
        prev = cur
    return out[:, ::chans].astype(np.uint8)


def preprocess(pixels, mean=72.93, stddev=0.353):
    """Image.cpp, mode 0to1: ((pixel - mean) / sd) * (1/255) + 0, float32."""
    px = pixels.astype(F32)
    v = ((px - F32(mean)) / F32(stddev)) * F32(F32(1.0) / F32(255.0))
    return (v + F32(0.0)).reshape(1, 1, *pixels.shape)


def write_tensor(path, array, name):
    t = numpy_helper.from_array(np.ascontiguousarray(array, F32), name)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())


def read_tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


# ---------------------------------------------------------------------------
# The INT8 network
# ---------------------------------------------------------------------------


class QTensor:
    """int8 codes (int64 array) with their scale and offset."""

    def __init__(self, q, scale, offset):
        self.q, self.scale, self.offset = q, F32(scale), int(offset)


def attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def window_output(size, k, s, p0, p1, d=1):
    return (size + p0 + p1 - (d * (k - 1) + 1)) // s + 1


def im2col(x, kh, kw, sh, sw, pads, fill):
    """x [N, C, H, W] -> [N, OH, OW, C*kh*kw] with pads filled by fill."""
    pt, pl, pb, pr = pads
    n, c, h, w = x.shape
    oh = window_output(h, kh, sh, pt, pb)
    ow = window_output(w, kw, sw, pl, pr)
    xp = np.full((n, c, h + pt + pb, w + pl + pr), fill, dtype=x.dtype)
    xp[:, :, pt:pt + h, pl:pl + w] = x
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    win = win[:, :, 0:oh * sh:sh, 0:ow * sw:sw]  # [N, C, OH, OW, kh, kw]
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n, oh, ow, c * kh * kw)


class Int8Net:
    def __init__(self, model_path, profile):
        self.model = onnx.load(model_path)
        self.profile = profile
        g = self.model.graph
        self.consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        for n in g.node:
            if n.op_type == "Constant":
                self.consts[n.output[0]] = numpy_helper.to_array(
                    attr(n, "value", None))
            elif n.op_type == "Identity" and n.input[0] in self.consts:
                self.consts[n.output[0]] = self.consts[n.input[0]]
        self.users = {}
        for n in g.node:
            for i in n.input:
                self.users.setdefault(i, []).append(n)
        self.overflow = []  # int32 accumulators that would overflow
        self.prepared = {}  # node name -> quantized weights, bias, params

    def params(self, node_name, output=None):
        """Scale and offset of a node's result from its profile entry; when
        the ONNX tensor \p output is read only by a Relu, the range's
        negative part is dropped (it becomes 0 either way)."""
        key = node_name + ":0"
        if key not in self.profile:
            raise KeyError("the profile has no entry for '%s'" % key)
        lo, hi = self.profile[key]
        users = self.users.get(output, [])
        if len(users) == 1 and users[0].op_type == "Relu":
            lo = max(lo, 0.0)
        return choose_params(lo, hi)

    def folded_bn(self, conv):
        """The BatchNormalization that the compiler folds into conv."""
        us = self.users.get(conv.output[0], [])
        outs = [o.name for o in self.model.graph.output]
        if (len(us) == 1 and us[0].op_type == "BatchNormalization"
                and conv.output[0] not in outs
                and all(i in self.consts for i in us[0].input[1:5])):
            return us[0]
        return None

    def prepare_conv(self, node, bn, in_scale):
        key = (node.name, float(in_scale))
        if key in self.prepared:
            return self.prepared[key]
        w = self.consts[node.input[1]].astype(F32).copy()
        if len(node.input) > 2 and node.input[2]:
            b = self.consts[node.input[2]].astype(F32).copy()
        else:
            b = np.zeros(w.shape[0], F32)
        if bn is not None:
            gamma, beta, mean, var = (self.consts[i].astype(F32)
                                      for i in bn.input[1:5])
            eps = F32(attr(bn, "epsilon", 1e-5))
            s = gamma / np.sqrt(var + eps)  # float32 throughout
            w = w * s.reshape(-1, 1, 1, 1)
            b = (b - mean) * s + beta
        ws, wo = choose_params(w.min(), w.max())
        wq = quantize(w, ws, wo) - wo
        bscale = F32(F32(in_scale) * ws)
        bq = quantize_bias(b, bscale)
        self.prepared[key] = (wq, bq, ws)
        return self.prepared[key]

    def accumulate(self, cols, wmat, bias, what):
        # Products of integers below 2^16, summed over < 2^37 terms: float64
        # BLAS is exact (every partial sum is an integer below 2^53).
        acc = np.rint(cols.astype(np.float64) @ wmat.T.astype(np.float64))
        acc = acc.astype(np.int64) + bias
        big = np.abs(acc).max() if acc.size else 0
        if big > INT32_MAX:
            self.overflow.append("%s: |acc| up to %d" % (what, big))
        return acc

    def conv(self, node, x, bn):
        if attr(node, "group", 1) != 1:
            raise NotImplementedError("grouped Conv '%s'" % node.name)
        if any(d != 1 for d in attr(node, "dilations", [1, 1])):
            raise NotImplementedError("dilated Conv '%s'" % node.name)
        if attr(node, "auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            raise NotImplementedError("auto_pad Conv '%s'" % node.name)
        wq, bq, ws = self.prepare_conv(node, bn, x.scale)
        o, c, kh, kw = wq.shape
        sh, sw = attr(node, "strides", [1, 1])
        pads = attr(node, "pads", [0, 0, 0, 0])
        cols = im2col(x.q - x.offset, kh, kw, sh, sw, pads, 0)
        acc = self.accumulate(cols, wq.reshape(o, -1), bq, node.name)
        ys, yo = self.params(node.name, (bn or node).output[0])
        t = make_transform(float(x.scale) * float(ws) / float(ys))
        y = requantize(acc, t, yo).transpose(0, 3, 1, 2)  # NHWC -> NCHW
        return QTensor(np.ascontiguousarray(y), ys, yo)

    def relu(self, node, x):
        ys, yo = self.params(node.name)
        t = make_transform(float(x.scale) / float(ys))
        v = np.clip(x.q - x.offset, 0, INT32_MAX)
        return QTensor(requantize(v, t, yo), ys, yo)

    def maxpool(self, node, x):
        if attr(node, "ceil_mode", 0):
            raise NotImplementedError("ceil_mode MaxPool '%s'" % node.name)
        kh, kw = attr(node, "kernel_shape", None)
        sh, sw = attr(node, "strides", [1, 1])
        pads = attr(node, "pads", [0, 0, 0, 0])
        n, c = x.q.shape[:2]
        # Padding takes no part in the maximum.
        cols = im2col((x.q - x.offset).reshape(n * c, 1, *x.q.shape[2:]),
                      kh, kw, sh, sw, pads, np.iinfo(np.int64).min)
        best = cols.max(axis=3).reshape(n, c, *cols.shape[1:3])
        ys, yo = self.params(node.name)
        t = make_transform(float(x.scale) / float(ys))
        return QTensor(requantize(best, t, yo), ys, yo)

    def global_avgpool(self, node, x):
        count = x.q.shape[2] * x.q.shape[3]
        s = (x.q - x.offset).sum(axis=(2, 3), keepdims=True)
        ys, yo = self.params(node.name)
        t = make_transform(float(x.scale) / (float(ys) * count))
        return QTensor(requantize(s, t, yo), ys, yo)

    def add(self, node, a, b):
        ys, yo = self.params(node.name, node.output[0])
        ta = make_transform(float(a.scale) / float(ys))
        tb = make_transform(float(b.scale) / float(ys))
        va = apply_transform(a.q - a.offset, ta)
        vb = apply_transform(b.q - b.offset, tb)
        return QTensor(np.clip(va + vb + yo, -128, 127), ys, yo)

    def gemm(self, node, x):
        if attr(node, "alpha", 1.0) != 1.0 or attr(node, "beta", 1.0) != 1.0:
            raise NotImplementedError("Gemm '%s' with alpha/beta" % node.name)
        if attr(node, "transA", 0):
            raise NotImplementedError("Gemm '%s' with transA" % node.name)
        key = (node.name, float(x.scale))
        if key not in self.prepared:
            w = self.consts[node.input[1]].astype(F32)
            if attr(node, "transB", 0):
                w = w.T  # the FC's weights are [K, M]
            b = (self.consts[node.input[2]].astype(F32).reshape(-1)
                 if len(node.input) > 2 and node.input[2]
                 else np.zeros(w.shape[1], F32))
            ws, wo = choose_params(w.min(), w.max())
            wq = quantize(w, ws, wo) - wo
            bq = quantize_bias(b, F32(F32(x.scale) * ws))
            self.prepared[key] = (wq, bq, ws)
        wq, bq, ws = self.prepared[key]
        n = x.q.shape[0]
        xv = (x.q - x.offset).reshape(n, -1)
        acc = self.accumulate(xv, wq.T, bq, node.name)
        ys, yo = self.params(node.name)
        t = make_transform(float(x.scale) * float(ws) / float(ys))
        return QTensor(requantize(acc, t, yo), ys, yo)

    def run(self, x):
        """float32 input [N, 1, 28, 28] -> {output name: QTensor}."""
        g = self.model.graph
        inputs = [i.name for i in g.input if i.name not in self.consts]
        if len(inputs) != 1:
            raise NotImplementedError("models with %d inputs" % len(inputs))
        s, o = choose_params(*self.profile[inputs[0] + ":0"])
        vals = {inputs[0]: QTensor(quantize(x, s, o), s, o)}
        skip = set()
        for n in g.node:
            if n.name in skip or n.op_type in ("Identity", "Constant") and (
                    n.output[0] in self.consts):
                continue
            ins = [vals[i] for i in n.input if i in vals]
            op = n.op_type
            if op == "Conv":
                bn = self.folded_bn(n)
                y = self.conv(n, ins[0], bn)
                if bn is not None:
                    skip.add(bn.name)
                    vals[bn.output[0]] = y
                    continue
            elif op == "Relu":
                y = self.relu(n, ins[0])
            elif op == "MaxPool":
                y = self.maxpool(n, ins[0])
            elif op == "Add":
                y = self.add(n, ins[0], ins[1])
            elif op == "GlobalAveragePool":
                y = self.global_avgpool(n, ins[0])
            elif op in ("Flatten", "Reshape"):
                # Keeps the input's scale (the FC reads the pool directly).
                a = ins[0]
                axis = attr(n, "axis", 1) if op == "Flatten" else 1
                if op == "Reshape" or axis != 1:
                    raise NotImplementedError("%s '%s'" % (op, n.name))
                y = QTensor(a.q.reshape(a.q.shape[0], -1), a.scale, a.offset)
            elif op == "Gemm":
                y = self.gemm(n, ins[0])
            else:
                raise NotImplementedError("operator %s ('%s')" % (op, n.name))
            vals[n.output[0]] = y
        return {o.name: vals[o.name] for o in g.output}


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="tests/models/resnet18.onnx")
    ap.add_argument("--profile", required=True,
                    help="profile of image-classifier -dump-profile=FILE")
    ap.add_argument("--images", default="tests/images/fashion",
                    help="directory of PNG images")
    ap.add_argument("--bin", default="build/bin",
                    help="directory holding model-runner")
    ap.add_argument("--fc-output", default="/fc/Gemm",
                    help="node whose output params define one step")
    ap.add_argument("--min-within", type=float, default=99.9,
                    help="percent of logits that must be within one step")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    start = time.time()
    profile = read_profile(args.profile)
    net = Int8Net(args.model, profile)
    out_name = net.model.graph.output[0].name
    step, out_off = choose_params(*profile[args.fc_output + ":0"])
    pngs = sorted(f for f in os.listdir(args.images) if f.endswith(".png"))
    if not pngs:
        print("int8 reference check: no PNG in %s" % args.images)
        return 1
    runner = os.path.join(args.bin, "model-runner")
    images = [preprocess(read_png_gray(os.path.join(args.images, f)))
              for f in pngs]
    ref = net.run(np.concatenate(images))[out_name]
    ref_logits = ref.scale * (ref.q - ref.offset).astype(F32)  # dequantize

    total = within = exact = top1 = 0
    worst = 0
    with tempfile.TemporaryDirectory(prefix="int8ref.") as tmp:
        for i, f in enumerate(pngs):
            inp = os.path.join(tmp, "input_%d.pb" % i)
            outdir = os.path.join(tmp, "out_%d" % i)
            write_tensor(inp, images[i], "input")
            cmd = [runner, "-m=" + args.model,
                   "-load-profile=" + args.profile, "-input-tensor=" + inp,
                   "-write-outputs=" + outdir]
            r = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                print(r.stdout.rstrip())
                print("int8 reference check: model-runner failed on %s" % f)
                return 1
            got = read_tensor(os.path.join(outdir, "output_0.pb"))
            got = got.reshape(-1).astype(F32)
            want = ref_logits[i].reshape(-1)
            if got.shape != want.shape:
                print("int8 reference check: %s: %d logits, numpy %d"
                      % (f, got.size, want.size))
                return 1
            steps = np.rint(np.abs(got.astype(np.float64) - want) /
                            float(step)).astype(np.int64)
            total += got.size
            within += int((steps <= 1).sum())
            exact += int((got == want).sum())
            worst = max(worst, int(steps.max()))
            same = int(np.argmax(got)) == int(np.argmax(want))
            top1 += same
            if args.verbose or not same or steps.max() > 1:
                print("%s: max %d steps, top-1 %d (int8 Interpreter) vs %d "
                      "(numpy)\n  got  %s\n  want %s"
                      % (f, steps.max(), np.argmax(got), np.argmax(want),
                         np.array2string(got, precision=4),
                         np.array2string(want, precision=4)))
    for o in net.overflow:
        print("note: an int32 accumulator would overflow: " + o)
    pct = 100.0 * within / total
    print("int8 reference check: %d images, %d logits, %d within one step "
          "(%.1f%%), %d bit-exact, worst %d steps (step %.6g), top-1 equal "
          "on %d/%d (%.1f s)"
          % (len(pngs), total, within, pct, exact, worst, step, top1,
             len(pngs), time.time() - start))
    need = math.ceil(total * args.min_within / 100.0 - 1e-9)
    ok = within >= need and top1 == len(pngs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
