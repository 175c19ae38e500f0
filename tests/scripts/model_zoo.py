#!/usr/bin/python3
"""The torchvision model zoo through the compiler, checked against PyTorch.

For each model (exported by utils/export_zoo.py into --out, reused when
current) and each backend:
  FP32   the output within --max-rel-l2 (1e-4) relative L2 distance of
         PyTorch's, and the same top-5 classes for each image
         (classification models);
  INT8   a profile taken on the exported random input, the model quantized
         with it: runs on every backend, and the CPU output equals the
         Interpreter's bit for bit (segmentation models: within 1e-5
         relative L2, their final upsampling staying FP32);
  mixed  the same profile with the first and the last layer kept FP32
         (names from `model-compiler -list-layers`): runs on every backend,
         CPU within --max-mixed-rel-l2 (1e-2) of the Interpreter, or half
         the Interpreter's own distance from PyTorch where that is larger,
         and no further from PyTorch than the Interpreter (within a
         quarter): their FP32 layers are not bit-exact, so an INT8 input
         may round one step apart, and a deep network carries it on.

Exit status: 0 all passed, 1 a check failed (each on one line), 77 skipped
(python3-torch/torchvision or the tools missing; the reason is printed).

  tests/scripts/model_zoo.py --set subset           (the default ctest)
  tests/scripts/model_zoo.py --set all              (ctest -L zoo)
  tests/scripts/model_zoo.py resnet18 vit_b_16 --backends CPU
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

# Small models that between them use every family of operator the zoo
# needs (depthwise, grouped, squeeze-excitation with HardSigmoid/HardSwish,
# channel shuffle with Split/Transpose, ReduceMean, Concat-heavy fire
# modules); the default ctest runs them.
SUBSET = ["squeezenet1_1", "mobilenet_v3_small", "shufflenet_v2_x0_5",
          "mnasnet0_5", "regnet_x_400mf"]
# The full set (ctest -L zoo): every family, the smaller member each, and
# the segmentation models.
ALL = SUBSET + [
    "alexnet", "vgg11", "vgg11_bn", "resnet18", "resnet50",
    "resnext50_32x4d", "wide_resnet50_2", "densenet121", "inception_v3",
    "googlenet", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0",
    "efficientnet_v2_s", "regnet_y_400mf", "convnext_tiny", "vit_b_16",
    "swin_t", "fcn_resnet50", "deeplabv3_mobilenet_v3_large",
    "lraspp_mobilenet_v3_large"]
SEGMENTATION = {"fcn_resnet50", "deeplabv3_mobilenet_v3_large",
                "lraspp_mobilenet_v3_large"}
# The Interpreter is a reference, not fast: models above this many MACs
# (about) are checked on CPU and OpenCL only unless --backends names it.
INTERPRETER_SLOW = {"vgg11", "vgg11_bn", "resnet50", "resnext50_32x4d",
                    "wide_resnet50_2", "densenet121", "inception_v3",
                    "efficientnet_v2_s", "convnext_tiny", "vit_b_16",
                    "swin_t", "fcn_resnet50", "alexnet", "googlenet"}


def run(cmd, timeout=1800):
    """(exit status, stdout and stderr); a tool that cannot start or runs
    past \p timeout seconds is a failure with its reason, not a crash."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "timed out after %d s" % timeout
    except OSError as e:
        return 126, "cannot run %s: %s" % (cmd[0], e)
    return r.returncode, (r.stdout + r.stderr).strip()


def read_tensor(path):
    import onnx
    from onnx import numpy_helper
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def main():
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("models", nargs="*")
    p.add_argument("--set", choices=["subset", "all"], default="subset")
    p.add_argument("--bin", default=os.environ.get("GLOW_BIN", "build/bin"))
    p.add_argument("--out", default="",
                   help="export folder (default: BIN/../zoo)")
    p.add_argument("--backends", default="Interpreter,CPU,OpenCL")
    p.add_argument("--opset", type=int, default=13)
    p.add_argument("--max-rel-l2", type=float, default=1e-4)
    p.add_argument("--max-mixed-rel-l2", type=float, default=1e-2,
                   help="mixed precision, CPU against the Interpreter")
    p.add_argument("--no-int8", action="store_true")
    args = p.parse_args()
    try:
        import numpy as np
        import torch  # noqa: F401 (the export needs it)
        import torchvision  # noqa: F401
    except ImportError as e:
        print("SKIP: the model zoo needs python3-torch and "
              "python3-torchvision (%s)" % e)
        return 77
    runner = os.path.join(args.bin, "model-runner")
    compiler = os.path.join(args.bin, "model-compiler")
    if not os.path.exists(runner):
        print("SKIP: %s not built" % runner)
        return 77
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(
        args.bin)), "zoo")
    models = args.models or (SUBSET if args.set == "subset" else ALL)
    backends = args.backends.split(",")
    explicit = bool(args.models) or "--backends" in " ".join(sys.argv)
    # OpenCL present?
    if "OpenCL" in backends:
        probe = subprocess.run(
            ["bash", "-c", "source tests/scripts/require_backend.sh && "
             "require_backend OpenCL"], cwd=ROOT, capture_output=True,
            text=True, env=dict(os.environ, GLOW_BIN=args.bin))
        if probe.returncode != 0:
            print("note: OpenCL not checked: " + probe.stdout.strip())
            backends.remove("OpenCL")

    code, text = run([sys.executable, os.path.join(ROOT, "utils",
                                                   "export_zoo.py"),
                      "--out", out, "--opset", str(args.opset)] + models,
                     timeout=7200)
    failures = []
    if code != 0:
        for line in text.splitlines():
            if "export failed" in line:
                failures.append(line)
    checks = 0

    def fail(msg):
        failures.append(msg)
        print("FAIL " + msg, flush=True)

    for m in models:
        d = os.path.join(out, "%s_opset%d_b1" % (m, args.opset))
        model = os.path.join(d, "model.onnx")
        inp = os.path.join(d, "test_data_set_0", "input_0.pb")
        if not os.path.exists(model):
            fail("%s: not exported" % m)
            continue
        ref = read_tensor(os.path.join(d, "test_data_set_0", "output_0.pb"))
        if not np.isfinite(ref).all() or np.abs(ref).max() == 0:
            # Nothing to compare with (a zero-initialised head).
            fail("%s: PyTorch's output is all zeros or not finite" % m)
            continue
        tmp = tempfile.mkdtemp(prefix="zoo-")

        def outputs(backend, extra, tag):
            o = os.path.join(tmp, "%s-%s" % (tag, backend))
            code, text = run([runner, "-m=" + model, "-backend=" + backend,
                              "-input-tensor=" + inp, "-write-outputs=" + o,
                              "-num-threads=2"] + extra)
            if code != 0:
                fail("%s %s %s: %s" % (m, tag, backend,
                                       text.splitlines()[-1] if text else
                                       "exit %d" % code))
                return None
            return read_tensor(os.path.join(o, "output_0.pb"))

        mine = [b for b in backends
                if b != "Interpreter" or explicit or m not in INTERPRETER_SLOW]
        for b in mine:
            y = outputs(b, [], "fp32")
            checks += 1
            if y is None:
                continue
            if y.shape != ref.shape:
                fail("%s fp32 %s: shape %s, PyTorch %s" % (m, b, y.shape,
                                                            ref.shape))
                continue
            rel = float(np.linalg.norm((y - ref).ravel()) /
                        max(np.linalg.norm(ref.ravel()), 1e-30))
            top_ok = True
            if m not in SEGMENTATION:
                for i in range(ref.shape[0]):
                    a = set(np.argsort(-ref[i])[:5].tolist())
                    c = set(np.argsort(-y[i])[:5].tolist())
                    top_ok &= a == c
            if rel > args.max_rel_l2 or not top_ok:
                fail("%s fp32 %s: relative L2 %.2e (limit %.0e), top-5 %s" %
                     (m, b, rel, args.max_rel_l2,
                      "same" if top_ok else "differs"))
            else:
                print("ok   %s fp32 %s: relative L2 %.2e, top-5 same" %
                      (m, b, rel), flush=True)
        if args.no_int8:
            continue
        profile = os.path.join(tmp, "profile.yaml")
        code, text = run([runner, "-m=" + model, "-backend=CPU",
                          "-input-tensor=" + inp, "-dump-profile=" + profile])
        checks += 1
        if code != 0:
            fail("%s profile: %s" % (m, text.splitlines()[-1] if text else
                                     "exit %d" % code))
            continue
        r = subprocess.run([compiler, "-m=" + model, "-load-profile=" +
                            profile, "-list-layers"], capture_output=True,
                           text=True, timeout=1800)
        code, text = r.returncode, r.stdout + r.stderr
        layers = [l.split()[0] for l in r.stdout.splitlines()
                  if l.strip() and not l.startswith("#")]
        if code != 0 or len(layers) < 2:
            fail("%s -list-layers: %s" % (m, text.splitlines()[-1] if text
                                          else "no layers"))
            continue
        keep = "-keep-original-precision-for-layers=%s,%s" % (layers[0],
                                                               layers[-1])
        for tag, extra in (("int8", []), ("mixed", [keep])):
            got = {}
            for b in backends:
                if b == "Interpreter" and not explicit and \
                        m in INTERPRETER_SLOW:
                    continue
                got[b] = outputs(b, ["-load-profile=" + profile] + extra, tag)
                checks += 1
            if "CPU" in got and "Interpreter" in got and \
                    got["CPU"] is not None and got["Interpreter"] is not None:
                checks += 1
                a, b = got["CPU"], got["Interpreter"]
                if tag == "int8" and not np.array_equal(a, b):
                    diff = np.abs(a - b)
                    fail("%s %s: CPU differs from the Interpreter (%d of %d "
                         "values, max %.3g)" % (m, tag, int((diff > 0).sum()),
                                                diff.size, diff.max()))
                elif tag == "int8":
                    print("ok   %s %s: CPU = Interpreter bit for bit (%s)" %
                          (m, tag, ", ".join(sorted(got))), flush=True)
                else:
                    # The FP32 layers are not bit-exact across backends, so
                    # a value that enters the INT8 part near a rounding
                    # boundary may land one step apart: compare closely.
                    # A deep network carries such a step on (Swin-T with
                    # random weights: 2.8e-2 apart, each 7.7e-2 from
                    # PyTorch): the bound grows with the model's own INT8
                    # error (half the Interpreter's distance from PyTorch's
                    # FP32), and the CPU must be no further from PyTorch
                    # than the Interpreter (within a quarter); a wrong
                    # kernel gives distances of about 1.
                    def dist(u, v):
                        return float(np.linalg.norm((u - v).ravel()) /
                                     max(np.linalg.norm(v.ravel()), 1e-30))
                    rel, own, cpu = dist(a, b), dist(b, ref), dist(a, ref)
                    limit = max(args.max_mixed_rel_l2, 0.5 * own)
                    if rel > limit or cpu > 1.25 * own + 1e-3:
                        fail("%s %s: CPU vs Interpreter relative L2 %.2e "
                             "(limit %.2e); from PyTorch: CPU %.2e, "
                             "Interpreter %.2e" % (m, tag, rel, limit, cpu,
                                                   own))
                    else:
                        print("ok   %s %s: CPU vs Interpreter relative L2 "
                              "%.2e, limit %.2e (%s)" %
                              (m, tag, rel, limit, ", ".join(sorted(got))),
                              flush=True)
            elif all(v is not None for v in got.values()):
                print("ok   %s %s: runs on %s" % (m, tag,
                                                  ", ".join(sorted(got))))
    print("model zoo: %d models, %d checks, %d failed" %
          (len(models), checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
