#!/usr/bin/env python3
"""CPU-backend benchmark driver: prints one table of latency and throughput.

Measures, each configuration with one `network-benchmark` invocation:
  models      the reference model tests/models/resnet18.onnx (Fashion-MNIST,
              [N,1,28,28], open batch) and ResNet-18 at 1x3x224x224 with
              random weights (exported by utils/export_resnet18.py to
              BUILD/bench/resnet18_224_b1.onnx and _b32.onnx if missing;
              skipped with a note when python3-torch is not available);
  precisions  FP32, INT8 (-load-profile) and mixed (INT8 with the first
              convolution and every fully connected layer kept FP32);
  backends    Interpreter, CPU and OpenCL (the reference model; PoCL on
              one thread), one thread; batch 1 latency (min and
              median ms) and batch 32 throughput (images/s);
  ONNX Runtime FP32, one thread (utils/ort_bench.js; "n/a" when node or
              onnxruntime-node is missing);
  thread scaling (CPU FP32 and INT8, batch 32, 2 threads vs 1) and the JIT
              compile time of the CPU backend on ResNet-18 224 batch 1.

Profiles (one per model, written to BUILD/bench/ on every run) come from the
CPU backend on random inputs: [-0.8, 2.0) for the reference model, [0, 1)
for ResNet-18 224. The batch-1 profile also quantizes the batch-32 file (the
profile's graph hash ignores the batch size).

Timings need the machine otherwise idle (two cores: the other core must not
be busy either). This is a report, not a test: it exits 0 whatever the
targets say, and non-zero only when a tool fails.

Usage:
  python3 utils/run_benchmark.py [--quick] [--skip-interpreter-224]
      [--build-dir build] [--ort-dir .] [--json-out FILE]
      [--peak-fp32-gflops G] [--peak-int8-gops G]
  python3 utils/run_benchmark.py --zoo mobilenet_v2,resnet50,... [...]

--zoo measures torchvision models instead (utils/export_zoo.py, random
weights, batch 1, opset 13, exported into BUILD/zoo when missing): per
model the multiply-adds (Conv, Gemm and MatMul, from ONNX shape inference),
FP32 and INT8 latency on the CPU backend (profile on random [0, 1) inputs),
the INT8 speed-up over FP32, ONNX Runtime FP32 and INT8 (our INT8 graph
written by model-compiler -export-onnx-qdq with uint8 activations, which
ONNX Runtime runs on its INT8 kernels), each precision's share of the
machine's peak, and the JIT compile times; then the speed targets. For
ResNet-50 and MobileNetV2 it also times INT8 batch 1 on 2 threads against
1 thread (the 1.6x target). Every measurement runs in --rounds
alternating rounds (default 2) and keeps its best median: on a shared
machine a busy moment slows a single run of a few seconds.

The peak bound uses this machine's one-core FP32 and INT8 multiply-add peaks
as bin/peak-benchmark measures them at the start of the run (register-only
FMA and VPDPBUSD loops, the best of three runs; --zoo: and of three more
at the end), unless --peak-fp32-gflops /
--peak-int8-gops give
them.
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RESNET18_224_MACS = 1.814e9
REF_INPUT_RANGE = (-0.8, 2.0)
R224_INPUT_RANGE = (0.0, 1.0)
QUICK_DIVISOR = 5
# Debian's python3-torch is installed for the system Python only.
EXPORT_PYTHON = "/usr/bin/python3"

# (repeats, warmups) per backend and batch.
DEFAULT_COUNTS = {
    ("CPU", 1): (20, 3),
    ("CPU", 32): (5, 1),
    ("Interpreter", 1): (3, 0),
    ("Interpreter", 32): (1, 0),
    ("OpenCL", 1): (20, 3),
    ("OpenCL", 32): (5, 2),
    ("ORT", 1): (20, 3),  # ort_bench.js always does 3 warm-up runs
    ("ORT", 32): (5, 3),
}

PRECISIONS = ("FP32", "INT8", "mixed")
BACKENDS = ("Interpreter", "CPU", "OpenCL")

ORT_INSTALL = ("ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save "
               "--prefix {dir} onnxruntime-node")


class ToolError(Exception):
    """A required tool invocation failed."""

    def __init__(self, cmd, returncode, stdout, stderr, why=None):
        super().__init__(why or "exit status %d" % returncode)
        self.cmd = cmd
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.why = why


def progress(text):
    print(text, file=sys.stderr, flush=True)


def quote(cmd):
    return " ".join(shlex.quote(c) for c in cmd)


def run_tool(cmd):
    """Runs cmd in the repository root; returns (returncode, stdout, stderr)."""
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True)
    return proc.returncode, proc.stdout, proc.stderr


def run_required(cmd):
    """Runs a required tool; raises ToolError on failure. Returns stdout."""
    try:
        rc, out, err = run_tool(cmd)
    except OSError as e:
        raise ToolError(cmd, -1, "", str(e), why=str(e))
    if rc != 0:
        raise ToolError(cmd, rc, out, err)
    return out


def last_json_line(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def counts(args, backend, batch):
    repeats, warmups = DEFAULT_COUNTS[(backend, batch)]
    if args.quick:
        repeats = max(1, repeats // QUICK_DIVISOR)
        warmups = max(1 if warmups else 0, warmups // QUICK_DIVISOR)
    return repeats, warmups


class Model:
    """One benchmarked network: its files, input range and batch handling."""

    def __init__(self, key, label, files, input_range, open_batch,
                 profile_name, is_224):
        self.key = key
        self.label = label
        self.files = files  # batch -> model path (relative to ROOT)
        self.input_range = input_range
        self.open_batch = open_batch
        self.profile = profile_name
        self.is_224 = is_224
        self.keep_layers = []


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = args.build_dir
        self.bin = os.path.join(self.build, "bin")
        self.bench_dir = os.path.join(self.build, "bench")
        self.notes = []
        self.records = []  # every network-benchmark measurement
        self.ort = {}  # (model key, batch) -> result dict or None
        self.ort_note = None
        # The peaks given on the command line (None: measured).
        self.given_fp32 = args.peak_fp32_gflops
        self.given_int8 = args.peak_int8_gops
        # OpenCL on one PoCL thread, where a device exists.
        os.environ["POCL_MAX_PTHREAD_COUNT"] = "1"
        probe = subprocess.run(
            [os.path.join(self.bin, "model-compiler"),
             "-m=" + os.path.join(ROOT, "tests/models/resnet18.onnx"),
             "-backend=OpenCL"], cwd=ROOT, capture_output=True, text=True)
        self.opencl_ok = probe.returncode == 0
        if not self.opencl_ok:
            self.notes.append("OpenCL not measured: " +
                              (probe.stderr.strip() or "no device"))

    # -- tools ------------------------------------------------------------
    def network_benchmark(self, model, batch, backend, precision, threads,
                          repeats, warmups, extra=(), what="measure"):
        cmd = [os.path.join(self.bin, "network-benchmark"),
               "-m=" + model.files[batch], "-backend=" + backend,
               "-num-threads=%d" % threads, "-repeats=%d" % repeats,
               "-warmups=%d" % warmups]
        if model.open_batch:
            cmd.append("-batch-size=%d" % batch)
        if precision in ("INT8", "mixed"):
            cmd.append("-load-profile=" + model.profile)
        if precision == "mixed":
            cmd.append("-keep-original-precision-for-layers=" +
                       ",".join(model.keep_layers))
        cmd.extend(extra)
        progress("running: %s %s %s b%d %dT (%d runs) [%s]" %
                 (model.label, precision, backend, batch, threads, repeats,
                  what))
        out = run_required(cmd)
        result = last_json_line(out)
        if result is None or "median_ms" not in result:
            raise ToolError(cmd, 0, out, "", why="no JSON result line")
        record = {"model": model.key, "precision": precision,
                  "backend": backend, "batch": batch, "threads": threads,
                  "repeats": repeats, "warmups": warmups,
                  "command": quote(cmd), "result": result}
        if what == "measure":
            self.records.append(record)
        return record

    def dump_profile(self, model):
        lo, hi = model.input_range
        self.network_benchmark(
            model, 1, "CPU", "FP32", 2, 4, 0, what="profile",
            extra=["-input-low=%g" % lo, "-input-high=%g" % hi,
                   "-dump-profile=" + model.profile])
        if not os.path.isfile(os.path.join(ROOT, model.profile)):
            raise ToolError([], 0, "", "",
                            why="no profile written to " + model.profile)

    def list_layers(self, model, batch):
        """Returns [(name, kind, shape text)] from model-compiler."""
        cmd = [os.path.join(self.bin, "model-compiler"),
               "-m=" + model.files[batch], "-list-layers",
               "-load-profile=" + model.profile]
        progress("running: %s list layers b%d" % (model.label, batch))
        out = run_required(cmd)
        layers = []
        for line in out.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.split()
            if len(fields) < 2:
                continue
            shape = ""
            if "[" in line and "]" in line:
                shape = line[line.index("["):line.index("]") + 1]
            layers.append((fields[0], fields[1], shape))
        if not layers:
            raise ToolError(cmd, 0, out, "", why="no layers listed")
        return layers

    def find_keep_layers(self, model):
        layers = self.list_layers(model, 1)
        convs = [n for n, k, _ in layers if k == "Convolution"]
        fcs = [n for n, k, _ in layers if k == "FullyConnected"]
        if not convs:
            raise ToolError([], 0, "", "", why="%s: no Convolution layer "
                            "in the layer list" % model.label)
        model.keep_layers = convs[:1] + fcs
        if any("," in n for n in model.keep_layers):
            raise ToolError([], 0, "", "", why="a layer name contains ','")
        # A fixed-batch file must really have the batch it is named for
        # (network-benchmark's "batch" field only echoes -batch-size).
        if not model.open_batch and 32 in model.files:
            first_shape = self.list_layers(model, 32)[0][2]
            if not first_shape.startswith("[32,"):
                raise ToolError([], 0, "", "", why="%s: %s does not have "
                                "batch 32 (first layer %s)" %
                                (model.label, model.files[32], first_shape))

    def export_qdq(self, model):
        """Writes model's INT8 graph (its profile) as a QDQ ONNX file with
        uint8 activations, the form ONNX Runtime runs in INT8; returns its
        path."""
        path = os.path.splitext(model.profile)[0] + ".qdq.onnx"
        cmd = [os.path.join(self.bin, "model-compiler"),
               "-m=" + model.files[1], "-backend=CPU",
               "-load-profile=" + model.profile, "-export-onnx-qdq=" + path,
               "-export-onnx-qdq-activation-type=uint8"]
        rc, out, err = run_tool(cmd)
        if rc != 0:
            self.notes.append("ORT INT8 n/a on %s: the QDQ export failed "
                              "(%s): %s" % (model.label, quote(cmd),
                                            (err.strip().splitlines() or
                                             ["exit %d" % rc])[-1]))
            return None
        return path

    def ort_bench(self, model, batch, repeats, path=None, what="FP32"):
        """ONNX Runtime on model's file for batch (or on path)."""
        if self.ort_note is not None and self.ort_note.startswith("ORT n/a"):
            return None
        node = shutil.which("node")
        if node is None:
            self.ort_note = ("ORT n/a: `node` not found; install Node.js, "
                             "then " + ORT_INSTALL.format(
                                 dir=shlex.quote(self.args.ort_dir)))
            return None
        cmd = [node, os.path.join("utils", "ort_bench.js"),
               "--model", path or model.files[batch], "--batch", str(batch),
               "--repeats", str(repeats), "--threads", "1",
               "--ort-dir", self.args.ort_dir]
        progress("running: %s %s ORT b%d 1T (%d runs)" %
                 (model.label, what, batch, repeats))
        rc, out, err = run_tool(cmd)
        result = last_json_line(out) if rc == 0 else None
        if rc == 2 and "cannot load onnxruntime-node" in err:
            self.ort_note = ("ORT n/a: onnxruntime-node is not installed "
                             "in %s; install it with: %s" %
                             (self.args.ort_dir, ORT_INSTALL.format(
                                 dir=shlex.quote(self.args.ort_dir))))
            return None
        if result is None or "median_ms" not in result:
            progress("warning: ONNX Runtime run failed (optional, shown as "
                     "n/a):\n  command: %s\n  exit status: %d\n%s" %
                     (quote(cmd), rc, err.rstrip()))
            self.notes.append("ORT failed on %s %s batch %d (exit status "
                              "%d, see stderr); shown as n/a" %
                              (model.label, what, batch, rc))
            return None
        result["command"] = quote(cmd)
        return result

    # -- models -----------------------------------------------------------
    def export_224(self):
        """Exports the ResNet-18 224 files if missing; False if impossible."""
        files = {b: os.path.join(self.bench_dir, "resnet18_224_b%d.onnx" % b)
                 for b in (1, 32)}
        python = EXPORT_PYTHON
        for batch, path in files.items():
            if os.path.isfile(os.path.join(ROOT, path)):
                continue
            if not os.path.exists(python):
                self.notes.append("ResNet-18 224 rows skipped: %s not found "
                                  "(needed with python3-torch to export)" %
                                  python)
                return None
            tmp = path + ".tmp.onnx"
            cmd = [python, os.path.join("utils", "export_resnet18.py"),
                   "--output", tmp, "--batch", str(batch)]
            progress("running: export ResNet-18 224 batch %d -> %s" %
                     (batch, path))
            rc, out, err = run_tool(cmd)
            if rc != 0:
                why = (err.strip().splitlines() or ["exit status %d" % rc])[-1]
                self.notes.append("ResNet-18 224 rows skipped: export failed "
                                  "(%s): %s" % (quote(cmd), why))
                try:
                    os.remove(os.path.join(ROOT, tmp))
                except OSError:
                    pass
                return None
            os.replace(os.path.join(ROOT, tmp), os.path.join(ROOT, path))
        return files

    def models(self):
        os.makedirs(os.path.join(ROOT, self.bench_dir), exist_ok=True)
        ref_path = os.path.join("tests", "models", "resnet18.onnx")
        result = [Model("resnet18_ref", "resnet18 ref 28x28",
                        {1: ref_path, 32: ref_path}, REF_INPUT_RANGE, True,
                        os.path.join(self.bench_dir, "resnet18_ref.yaml"),
                        False)]
        files_224 = self.export_224()
        if files_224:
            result.append(Model("resnet18_224", "resnet18 224", files_224,
                                R224_INPUT_RANGE, False,
                                os.path.join(self.bench_dir,
                                             "resnet18_224.yaml"), True))
        return result


# -- formatting -------------------------------------------------------------
def fmt(value, spec, suffix=""):
    if value is None:
        return "n/a"
    return format(value, spec) + suffix


def fmt_ms(value):
    """Milliseconds: three decimals below 1 ms, else two."""
    if value is None:
        return "n/a"
    return format(value, ".3f" if value < 1.0 else ".2f")


def images_per_s(record):
    if record is None:
        return None
    median = record["result"]["median_ms"]
    return record["batch"] / (median / 1000.0) if median > 0 else None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def render_table(header, rows, right_from):
    widths = [max(len(str(r[i])) for r in [header] + rows)
              for i in range(len(header))]

    def line(cells):
        parts = []
        for i, cell in enumerate(cells):
            cell = str(cell)
            parts.append(cell.rjust(widths[i]) if i >= right_from
                         else cell.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


ZOO_DEPTHWISE_HEAVY = ("mobilenet_v2", "mobilenet_v3_small",
                       "mobilenet_v3_large", "efficientnet_b0", "mnasnet0_5",
                       "mnasnet1_0")
# Zoo models whose batch-1 INT8 latency on 2 threads is also measured,
# against 1 thread (the 1.6x target).
ZOO_THREAD_SCALING = ("resnet50", "mobilenet_v2")


def count_macs(path):
    """Multiply-adds of the Conv, Gemm and MatMul nodes of an ONNX file
    (shapes from ONNX shape inference), or None without python3-onnx."""
    try:
        import onnx
        from onnx import shape_inference
    except ImportError:
        # Debian's python3-onnx belongs to the system Python.
        if (not os.path.exists(EXPORT_PYTHON) or
                os.path.realpath(sys.executable) ==
                os.path.realpath(EXPORT_PYTHON)):
            return None
        rc, out, _ = run_tool([EXPORT_PYTHON, os.path.abspath(__file__),
                               "--count-macs", path])
        return int(out) if rc == 0 and out.strip().isdigit() else None
    model = shape_inference.infer_shapes(onnx.load(path))
    g = model.graph
    shapes = {}
    for v in list(g.value_info) + list(g.input) + list(g.output):
        dims = [d.dim_value for d in v.type.tensor_type.shape.dim]
        shapes[v.name] = dims
    for t in g.initializer:
        shapes[t.name] = list(t.dims)
    total = 0
    for n in g.node:
        if n.op_type == "Conv" and len(n.input) > 1:
            w, y = shapes.get(n.input[1]), shapes.get(n.output[0])
            if w and y and all(y):
                per = 1
                for d in w[1:]:
                    per *= d
                out = 1
                for d in y:
                    out *= d
                total += out * per
        elif n.op_type in ("Gemm", "MatMul") and len(n.input) > 1:
            a, y = shapes.get(n.input[0]), shapes.get(n.output[0])
            if a and y and all(a) and all(y):
                trans_a = any(at.name == "transA" and at.i for at in
                              n.attribute)
                k = a[-2] if trans_a else a[-1]
                out = 1
                for d in y:
                    out *= d
                total += out * k
    return total


def print_report(out, notes, started):
    """Prints the lines of out, the notes (if any) and the total time."""
    if notes:
        out.append("")
        out.append("notes:")
        out.extend("  " + n for n in notes)
    out.append("")
    out.append("total time %.0f s" % (time.time() - started))
    print("\n".join(out))


def measure_peaks(bench, args):
    """Raises the peaks not given on the command line to the best of three
    peak-benchmark runs (and of what they were): a peak measured while the
    machine is busy elsewhere comes out low (610 instead of 920 GOP/s once,
    820 against 944 in two runs of one afternoon) and would put models
    above 100% of it. Returns the instruction sets measured."""
    runs = [json.loads(run_required(
        [os.path.join(ROOT, bench.bin, "peak-benchmark")]))
        for _ in range(3)]
    if bench.given_fp32 is None:
        args.peak_fp32_gflops = max([r["fp32_gflops"] for r in runs] +
                                    [args.peak_fp32_gflops or 0])
    if bench.given_int8 is None:
        args.peak_int8_gops = max([r["int8_gops"] for r in runs] +
                                  [args.peak_int8_gops or 0])
    return runs[0]["fp32_isa"], runs[0]["int8_isa"]


def zoo_main(args, bench, peak_source):
    """The --zoo table: one row a model, then the targets."""
    names = [n for n in args.zoo.split(",") if n]
    zoo_dir = os.path.join(bench.build, "zoo")
    os.makedirs(os.path.join(ROOT, bench.bench_dir), exist_ok=True)
    rows, records, notes = [], [], []
    started = time.time()
    for name in names:
        d = os.path.join(zoo_dir, "%s_opset13_b1" % name)
        path = os.path.join(d, "model.onnx")
        if not os.path.isfile(os.path.join(ROOT, path)):
            cmd = [EXPORT_PYTHON, os.path.join("utils", "export_zoo.py"),
                   "--out", zoo_dir, name]
            progress("running: export %s" % name)
            rc, out, err = run_tool(cmd)
            if rc != 0:
                notes.append("%s skipped: export failed (%s): %s" %
                             (name, quote(cmd), (err.strip().splitlines() or
                                                 ["exit %d" % rc])[-1]))
                continue
        model = Model(name, name, {1: path}, R224_INPUT_RANGE, False,
                      os.path.join(bench.bench_dir, "zoo_%s.yaml" % name),
                      False)
        macs = count_macs(os.path.join(ROOT, path))
        bench.dump_profile(model)
        repeats, warmups = counts(args, "CPU", 1)
        # Small networks run for a few ms: more runs, so that a median is
        # not one busy moment of the machine.
        small = 5 if macs and macs < 1e9 else 1
        repeats *= small
        warmups *= small
        # Every measurement is repeated in alternating rounds and keeps
        # its best median: on a shared machine a busy moment slows one run
        # of a few seconds, and it should not decide a ratio.
        ort_repeats = small * counts(args, "ORT", 1)[0]
        qdq = None
        best = {}

        def keep(key, result):
            if result and (key not in best or
                           result["median_ms"] < best[key]["median_ms"]):
                best[key] = result
        for _ in range(args.rounds):
            keep("fp32", bench.network_benchmark(
                model, 1, "CPU", "FP32", 1, repeats, warmups)["result"])
            keep("int8", bench.network_benchmark(
                model, 1, "CPU", "INT8", 1, repeats, warmups)["result"])
            if name in ZOO_THREAD_SCALING:
                keep("int8_2t", bench.network_benchmark(
                    model, 1, "CPU", "INT8", 2, repeats, warmups,
                    what="measure, 2 threads")["result"])
            ort = bench.ort_bench(model, 1, ort_repeats)
            keep("ort", ort)
            if ort and qdq is None:
                qdq = bench.export_qdq(model) or ""
            if qdq:
                keep("ort8", bench.ort_bench(model, 1, ort_repeats, path=qdq,
                                             what="INT8"))
        fp32, int8 = best["fp32"], best["int8"]
        ort, ort8 = best.get("ort"), best.get("ort8")
        ort_med = ort["median_ms"] if ort else None
        ort8_med = ort8["median_ms"] if ort8 else None
        scaling = None
        if "int8_2t" in best:
            two = best["int8_2t"]["median_ms"]
            scaling = {"one_thread_ms": int8["median_ms"],
                       "two_threads_ms": two,
                       "speedup": ratio(int8["median_ms"], two)}
        records.append({
            "model": name, "macs": macs, "fp32": fp32, "int8": int8,
            "ort_fp32": ort, "ort_int8": ort8,
            "int8_speedup": ratio(fp32["median_ms"], int8["median_ms"]),
            "fp32_vs_ort": ratio(fp32["median_ms"], ort_med),
            "int8_speedup_vs_ort": ratio(ort8_med, int8["median_ms"]),
            "int8_thread_scaling_b1": scaling})
    # The peaks again: the best of the runs at the start and now, as the
    # timings are each the best of their rounds.
    if peak_source != "given":
        measure_peaks(bench, args)
    for rec in records:
        macs, fp32, int8 = rec["macs"], rec["fp32"], rec["int8"]
        ort, ort8 = rec["ort_fp32"], rec["ort_int8"]
        ort_med = ort["median_ms"] if ort else None
        ort8_med = ort8["median_ms"] if ort8 else None

        def share(ms, peak):
            if not macs or not ms:
                return None
            return 2 * macs / (ms * 1e-3) / (peak * 1e9)
        rec["fp32_of_peak"] = share(fp32["median_ms"], args.peak_fp32_gflops)
        rec["int8_of_peak"] = share(int8["median_ms"], args.peak_int8_gops)
        rows.append([
            rec["model"], fmt(macs / 1e9 if macs else None, ".2f"),
            fmt_ms(fp32["median_ms"]), fmt_ms(int8["median_ms"]),
            fmt(rec["int8_speedup"], ".2f", "x"), fmt_ms(ort_med),
            fmt(rec["fp32_vs_ort"], ".2f", "x"), fmt_ms(ort8_med),
            fmt(rec["int8_speedup_vs_ort"], ".2f", "x"),
            fmt(rec["fp32_of_peak"] * 100 if rec["fp32_of_peak"] else None,
                ".0f", "%"),
            fmt(rec["int8_of_peak"] * 100 if rec["int8_of_peak"] else None,
                ".0f", "%"),
            fmt(fp32.get("compile_s"), ".2f"),
            fmt(int8.get("compile_s"), ".2f")])
    header = ["model", "GMAC", "FP32 ms", "INT8 ms", "INT8 speed-up",
              "ORT FP32 ms", "FP32 vs ORT", "ORT INT8 ms",
              "INT8 speed-up vs ORT", "FP32 % peak", "INT8 % peak",
              "compile FP32 s", "compile INT8 s"]
    out = ["CPU backend zoo benchmark, %s" %
           datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
           "machine: %s, CPU: %s" % (machine(), cpu_model_name()),
           "one thread, batch 1, median ms (the best of %d alternating "
           "rounds); random weights, INT8 profile on "
           "random [0, 1) inputs; peaks FP32 %g GFLOP/s, INT8 %g GOP/s (%s); "
           "FP32 vs ORT = ours / ONNX Runtime (lower is better); ORT INT8 "
           "runs our INT8 graph exported as QDQ with uint8 activations; INT8 "
           "speed-up vs ORT = ORT INT8 / ours (higher is better)" %
           (args.rounds, args.peak_fp32_gflops, args.peak_int8_gops,
            peak_source), ""]
    out.append(render_table(header, rows, 1))
    out.append("")
    out.append("targets:")
    for r in records:
        want = 1.5 if r["model"] in ZOO_DEPTHWISE_HEAVY else 2.0
        s = r["int8_speedup"]
        out.append("  %-22s INT8 >= %.1fx FP32: %-7s %s" %
                   (r["model"], want, fmt(s, ".2f", "x"),
                    "n/a" if s is None else ("met" if s >= want
                                             else "NOT met")))
        if r["model"] == "resnet18":
            v = r["int8_speedup_vs_ort"]
            out.append("  %-22s INT8 >= 1.3x ORT INT8: %-7s %s" %
                       (r["model"], fmt(v, ".2f", "x"),
                        "n/a" if v is None else ("met" if v >= 1.3
                                                 else "NOT met")))
        sc = r["int8_thread_scaling_b1"]
        if sc:
            v = sc["speedup"]
            out.append("  %-22s INT8 2 threads >= 1.6x 1 thread: %-7s %s "
                       "(%.2f / %.2f ms)" %
                       (r["model"], fmt(v, ".2f", "x"),
                        "n/a" if v is None else ("met" if v >= 1.6
                                                 else "NOT met"),
                        sc["one_thread_ms"], sc["two_threads_ms"]))
        v = r["fp32_vs_ort"]
        out.append("  %-22s FP32 <= ORT:        %-7s %s" %
                   (r["model"], fmt(v, ".2f", "x"),
                    "n/a" if v is None else ("met" if v <= 1.0
                                             else "NOT met")))
    if bench.ort_note:
        notes.append(bench.ort_note)
    print_report(out, notes, started)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"date": datetime.datetime.now().isoformat(
                timespec="seconds"), "machine": machine(),
                "cpu": cpu_model_name(),
                "peak_fp32_gflops": args.peak_fp32_gflops,
                "peak_int8_gops": args.peak_int8_gops,
                "peak_source": peak_source, "rounds": args.rounds,
                "models": records,
                "notes": notes}, f, indent=2)
            f.write("\n")


def cpu_model_name():
    """Model name from /proc/cpuinfo, with family/model (names can be
    generic, e.g. "AMD EPYC")."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break  # first processor only
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
    except OSError:
        pass
    name = fields.get("model name") or platform.processor() or "unknown"
    if "cpu family" in fields and "model" in fields:
        name += " (family %s, model %s)" % (fields["cpu family"],
                                            fields["model"])
    return name


def machine():
    try:
        return subprocess.run(["uname", "-m"], stdout=subprocess.PIPE,
                              universal_newlines=True).stdout.strip()
    except OSError:
        return platform.machine()


def main():
    p = argparse.ArgumentParser(
        description="Benchmark the Interpreter and CPU backends (FP32, INT8, "
        "mixed) on ResNet-18 against ONNX Runtime; prints one table.")
    p.add_argument("--build-dir", default="build",
                   help="build directory with bin/ (default: build, "
                   "relative to the repository root)")
    p.add_argument("--ort-dir", default=ROOT,
                   help="directory whose node_modules holds onnxruntime-node "
                   "(default: the repository root)")
    p.add_argument("--quick", action="store_true",
                   help="divide every repeat count by %d (at least 1) for "
                   "smoke tests" % QUICK_DIVISOR)
    p.add_argument("--skip-interpreter-224", action="store_true",
                   help="do not run the Interpreter on ResNet-18 224 "
                   "(much slower than the CPU backend)")
    p.add_argument("--peak-fp32-gflops", type=float, default=None,
                   help="one-core FP32 peak for the bound column (default: "
                   "measured by bin/peak-benchmark)")
    p.add_argument("--peak-int8-gops", type=float, default=None,
                   help="one-core INT8 peak for the bound column (default: "
                   "measured by bin/peak-benchmark)")
    p.add_argument("--json-out", metavar="FILE",
                   help="write every raw measurement to FILE as JSON")
    p.add_argument("--count-macs", metavar="MODEL", help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=2,
                   help="--zoo: alternating rounds of every measurement, "
                   "the best median of each kept (default 2)")
    p.add_argument("--zoo", metavar="MODELS",
                   help="comma-separated torchvision models (export_zoo.py "
                   "names): the zoo table instead of the ResNet-18 one")
    args = p.parse_args()
    if args.count_macs:
        print(count_macs(args.count_macs))
        return
    args.ort_dir = os.path.abspath(args.ort_dir)
    for peak in (args.peak_fp32_gflops, args.peak_int8_gops):
        if peak is not None and peak <= 0:
            p.error("peaks must be positive")
    if args.rounds < 1:
        p.error("--rounds must be at least 1")

    bench = Bench(args)
    peak_source = "given"
    if args.peak_fp32_gflops is None or args.peak_int8_gops is None:
        isas = measure_peaks(bench, args)
        peak_source = "best of 3 runs of peak-benchmark%s (%s, %s)" % ((
            " at the start and 3 at the end" if args.zoo else "",) + isas)
    started = time.time()
    tool = os.path.join(ROOT, bench.bin, "network-benchmark")
    if not os.access(tool, os.X_OK):
        sys.exit("run_benchmark: %s not found; build it first "
                 "(or pass --build-dir)" % tool)
    if args.zoo:
        try:
            zoo_main(args, bench, peak_source)
        except ToolError as e:
            print("run_benchmark: a tool failed (%s)" % e, file=sys.stderr)
            if e.cmd:
                print("  command: %s" % quote(e.cmd), file=sys.stderr)
            sys.exit(1)
        return

    bound_ms = {
        "FP32": 2 * RESNET18_224_MACS / (args.peak_fp32_gflops * 1e9) * 1e3,
        "INT8": 2 * RESNET18_224_MACS / (args.peak_int8_gops * 1e9) * 1e3,
    }
    bound_ms["mixed"] = bound_ms["INT8"]

    try:
        load = os.getloadavg()
    except OSError:
        load = None

    header_lines = [
        "CPU backend benchmark, %s" %
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "machine: %s, CPU: %s" % (machine(), cpu_model_name()),
        "reminder: timings need the other core idle (nothing else running)" +
        ("; load average at start %.2f" % load[0] if load else ""),
    ]
    if args.quick:
        header_lines.append("--quick: repeat counts divided by %d; "
                            "numbers are a smoke test only" % QUICK_DIVISOR)

    cpu_b32_1t = {}  # (model key, precision) -> record
    cpu_b32_2t = {}
    compile_s = {}
    by_key = {}  # (model, precision, backend, batch) -> record
    models = []
    try:
        models = bench.models()
        for model in models:
            bench.dump_profile(model)
            bench.find_keep_layers(model)
            for precision in PRECISIONS:
                for backend in BACKENDS:
                    if (backend == "Interpreter" and model.is_224 and
                            args.skip_interpreter_224):
                        continue
                    # OpenCL: the reference model only (its INT8 kernels
                    # are not vectorised yet), on a device that exists.
                    if backend == "OpenCL" and (model.is_224 or
                                                not bench.opencl_ok):
                        continue
                    for batch in (1, 32):
                        repeats, warmups = counts(args, backend, batch)
                        rec = bench.network_benchmark(
                            model, batch, backend, precision, 1, repeats,
                            warmups)
                        by_key[(model.key, precision, backend, batch)] = rec
                        if precision != "FP32":
                            n = rec["result"].get("int8_nodes", 0)
                            if n == 0:
                                bench.notes.append(
                                    "warning: %s %s %s b%d ran with 0 INT8 "
                                    "nodes" % (model.label, precision,
                                               backend, batch))
                        if backend == "CPU" and batch == 32:
                            cpu_b32_1t[(model.key, precision)] = rec
                        if (backend == "CPU" and batch == 1 and
                                model.is_224 and precision != "mixed"):
                            compile_s[precision] = rec["result"]["compile_s"]
            for batch in (1, 32):
                repeats, _ = counts(args, "ORT", batch)
                bench.ort[(model.key, batch)] = bench.ort_bench(
                    model, batch, repeats)
            for precision in ("FP32", "INT8"):
                repeats, warmups = counts(args, "CPU", 32)
                cpu_b32_2t[(model.key, precision)] = bench.network_benchmark(
                    model, 32, "CPU", precision, 2, repeats, warmups)
    except ToolError as e:
        print("run_benchmark: a tool failed (%s)" % e, file=sys.stderr)
        if e.cmd:
            print("  command: %s" % quote(e.cmd), file=sys.stderr)
        if e.stdout and e.stdout.strip():
            print("  stdout:\n" + e.stdout.rstrip(), file=sys.stderr)
        if e.stderr and e.stderr.strip():
            print("  stderr:\n" + e.stderr.rstrip(), file=sys.stderr)
        sys.exit(1)

    # Mixed runs must really keep layers FP32.
    for model in models:
        for backend in BACKENDS:
            i8 = by_key.get((model.key, "INT8", backend, 1))
            mx = by_key.get((model.key, "mixed", backend, 1))
            if i8 and mx and (mx["result"].get("int8_nodes") >=
                              i8["result"].get("int8_nodes")):
                bench.notes.append(
                    "warning: %s mixed %s has as many INT8 nodes as INT8 "
                    "(keep list not applied?)" % (model.label, backend))

    # -- table --------------------------------------------------------------
    header = ["model", "precision", "backend", "b1 min ms", "b1 median ms",
              "b32 images/s", "b1 vs ORT", "b32 vs ORT", "b1 vs peak bound"]
    rows = []
    for model in models:
        ort1 = bench.ort.get((model.key, 1))
        ort32 = bench.ort.get((model.key, 32))
        ort1_med = ort1["median_ms"] if ort1 else None
        ort32_ips = (ort32["batch"] / (ort32["median_ms"] / 1000.0)
                     if ort32 and ort32["median_ms"] > 0 else None)
        for precision in PRECISIONS:
            for backend in BACKENDS:
                r1 = by_key.get((model.key, precision, backend, 1))
                r32 = by_key.get((model.key, precision, backend, 32))
                if r1 is None and r32 is None:
                    continue
                med1 = r1["result"]["median_ms"] if r1 else None
                ips = images_per_s(r32)
                rows.append([
                    model.label, precision, backend,
                    fmt_ms(r1["result"]["min_ms"] if r1 else None),
                    fmt_ms(med1), fmt(ips, ".1f"),
                    fmt(ratio(med1, ort1_med), ".2f", "x"),
                    fmt(ratio(ips, ort32_ips), ".2f", "x"),
                    fmt(ratio(med1, bound_ms[precision]), ".2f", "x")
                    if model.is_224 else "-"])
        rows.append([
            model.label, "FP32", "ORT",
            fmt_ms(ort1["min_ms"] if ort1 else None),
            fmt_ms(ort1_med), fmt(ort32_ips, ".1f"), "-", "-",
            fmt(ratio(ort1_med, bound_ms["FP32"]), ".2f", "x")
            if model.is_224 else "-"])

    out = list(header_lines)
    out.append("one thread; b1 = batch 1 latency per run, b32 = batch 32 "
               "throughput; vs ORT = ours / ONNX Runtime FP32 (b1: median "
               "ms ratio, lower is better; b32: images/s ratio, higher is "
               "better)")
    out.append("peak bound (ResNet-18 224, %.3g MAC x 2): FP32 %.2f ms at "
               "%g GFLOP/s, INT8 and mixed %.2f ms at %g GOP/s (peaks %s)" %
               (RESNET18_224_MACS, bound_ms["FP32"], args.peak_fp32_gflops,
                bound_ms["INT8"], args.peak_int8_gops, peak_source))
    for model in models:
        out.append("mixed keeps FP32 on %s: %s" %
                   (model.label, ",".join(model.keep_layers)))
    out.append("")
    out.append(render_table(header, rows, 3))
    out.append("")

    scaling = {}
    out.append("thread scaling (CPU, batch 32, images/s):")
    for model in models:
        for precision in ("FP32", "INT8"):
            one = images_per_s(cpu_b32_1t.get((model.key, precision)))
            two = images_per_s(cpu_b32_2t.get((model.key, precision)))
            s = ratio(two, one)
            scaling[(model.key, precision)] = s
            out.append("  %-20s %-5s 1 thread %8s  2 threads %8s  %s" %
                       (model.label, precision, fmt(one, ".1f"),
                        fmt(two, ".1f"), fmt(s, ".2f", "x")))
    out.append("")
    m224 = next((m for m in models if m.is_224), None)
    if m224:
        for precision in ("FP32", "INT8"):
            out.append("JIT compile time, CPU %s, resnet18 224 batch 1: %s s"
                       % (precision, fmt(compile_s.get(precision), ".3f")))
    else:
        out.append("JIT compile time: n/a (ResNet-18 224 skipped)")
    out.append("")

    # -- targets --------------------------------------------------------------
    targets = []

    def target(name, value, text, met):
        targets.append({"target": name, "value": value, "met": met})
        out.append("  %-34s %-26s %s" %
                   (name, text, "n/a" if met is None else
                    ("met" if met else "NOT met")))

    out.append("targets (ResNet-18 224, one thread unless stated):")
    ref = [m for m in models if not m.is_224]
    r_ocl = by_key.get((ref[0].key, "FP32", "OpenCL", 32)) if ref else None
    r_cpu = by_key.get((ref[0].key, "FP32", "CPU", 32)) if ref else None
    v = ratio(r_ocl["result"]["median_ms"] if r_ocl else None,
              r_cpu["result"]["median_ms"] if r_cpu else None)
    target("OpenCL FP32 ref b32 <= 3x CPU", v, fmt(v, ".2f", "x CPU"),
           None if v is None else v <= 3.0)
    if m224:
        def med(precision, batch=1):
            r = by_key.get((m224.key, precision, "CPU", batch))
            return r["result"]["median_ms"] if r else None
        ort1 = bench.ort.get((m224.key, 1))
        v = ratio(med("FP32"), ort1["median_ms"] if ort1 else None)
        target("FP32 CPU b1 <= 1.2x ORT", v, fmt(v, ".2f", "x ORT"),
               None if v is None else v <= 1.2)
        v = med("INT8")
        target("INT8 CPU b1 <= 12 ms", v, fmt(v, ".2f", " ms"),
               None if v is None else v <= 12.0)
        v = ratio(med("mixed"), med("INT8"))
        target("mixed CPU b1 <= 1.3x our INT8", v,
               fmt(v, ".2f", "x INT8"), None if v is None else v <= 1.3)
        for precision in ("FP32", "INT8"):
            v = scaling.get((m224.key, precision))
            target("2-thread scaling %s b32 >= 1.7x" % precision, v,
                   fmt(v, ".2f", "x"), None if v is None else v >= 1.7)
        for precision in ("FP32", "INT8"):
            v = compile_s.get(precision)
            target("compile %s b1 < 2 s" % precision, v,
                   fmt(v, ".3f", " s"), None if v is None else v < 2.0)
    else:
        out.append("  not evaluated: ResNet-18 224 was skipped")

    notes = list(bench.notes)
    below = [r for r in rows if r[-1].endswith("x") and
             float(r[-1][:-1]) < 1.0]
    if below:
        notes.append("%d row(s) ran faster than the peak bound (ratio < 1): "
                     "the peak figures are too low for this CPU; pass "
                     "--peak-fp32-gflops / --peak-int8-gops" % len(below))
    if bench.ort_note:
        notes.append(bench.ort_note)
    if args.skip_interpreter_224 and m224:
        notes.append("Interpreter not run on ResNet-18 224 "
                     "(--skip-interpreter-224)")
    print_report(out, notes, started)

    if args.json_out:
        doc = {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "machine": machine(), "cpu": cpu_model_name(),
            "load_average_at_start": list(load) if load else None,
            "quick": args.quick, "build_dir": args.build_dir,
            "peak_fp32_gflops": args.peak_fp32_gflops,
            "peak_int8_gops": args.peak_int8_gops,
            "peak_source": peak_source,
            "bound_ms": bound_ms,
            "keep_layers": {m.key: m.keep_layers for m in models},
            "models": {m.key: {"files": m.files, "profile": m.profile}
                       for m in models},
            "measurements": bench.records,
            "thread_scaling_2t": [
                dict(r, one_thread_images_per_s=images_per_s(
                    cpu_b32_1t.get((r["model"], r["precision"]))),
                     images_per_s=images_per_s(r))
                for r in cpu_b32_2t.values()],
            "ort": [{"model": k[0], "batch": k[1], "result": v}
                    for k, v in bench.ort.items()],
            "compile_s_224_b1": compile_s,
            "targets": targets, "notes": notes,
        }
        with open(args.json_out, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
