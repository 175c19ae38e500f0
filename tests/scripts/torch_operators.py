#!/usr/bin/python3
"""Operators that PyTorch exports in several forms, checked against PyTorch.

Each case is a one-operator torch module exported with torch.onnx.export
(opsets 11 and 13, and 9/10 where the operator had an older form) into an
ONNX test directory with PyTorch's output; `model-runner -onnx-test-dir`
compares on every backend (1e-4 relative or 1e-5 absolute per element).
Cases: comparisons, logic and Where on run-time data, TopK (values and
indices), GatherElements, ConvTranspose (strides, pads, output_padding,
dilations, groups, 1-D), 1-D, 3-D and dilated pooling, 1-D Conv,
InstanceNormalization, Upsample/Resize (nearest, bilinear with and without
align_corners, bicubic, scale factors and sizes, downsampling).

Exit status: 0 all passed, 1 a case failed, 77 skipped (python3-torch or
the tools missing; the reason is printed).

  tests/scripts/torch_operators.py --bin build/bin
"""
import argparse
import os
import subprocess
import sys
import tempfile


def cases(torch):
    nn, F = torch.nn, torch.nn.functional

    class Interp(nn.Module):
        def __init__(self, **kw):
            super().__init__()
            self.kw = kw

        def forward(self, x):
            return F.interpolate(x, **self.kw)

    class Fn(nn.Module):
        def __init__(self, fn):
            super().__init__()
            self.fn = fn

        def forward(self, x):
            return self.fn(x)

    out = []
    torch.manual_seed(0)
    # Comparisons, logic, Where, TopK and GatherElements on run-time data.
    for name, fn, shape in [
        ("topk_dim1", lambda x: torch.topk(x, 3, dim=1), (2, 7, 5)),
        ("topk_smallest_last", lambda x: torch.topk(x, 4, largest=False),
         (3, 9)),
        ("where_greater", lambda x: torch.where(x > 0.3, x, x * 2), (2, 6, 5)),
        ("logic_and_not", lambda x: torch.where(
            (x > -0.5) & ~(x >= 0.5) | (x == 0), x, x - 1), (4, 9)),
        ("less_equal_xor", lambda x: ((x <= 0) ^ (x < 1)).float(), (3, 8)),
        ("gather_topk_indices", lambda x: torch.gather(
            x * 3, 2, torch.topk(x, 2, dim=2).indices), (2, 3, 6)),
        ("gather_const_indices", lambda x: torch.gather(
            x, 0, torch.tensor([[1, 0, 2], [2, 2, 0]])), (3, 3)),
    ]:
        out.append((name, Fn(fn), shape, [11, 13]))
    for name, module, shape in [
        ("convt_s2_p1_op1", nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                               output_padding=1), (2, 4, 5, 7)),
        ("convt_groups_dil", nn.ConvTranspose2d(6, 4, 3, stride=(2, 3),
                                                padding=(2, 1), dilation=2,
                                                groups=2), (1, 6, 6, 5)),
        ("convt_k4_s4_nobias", nn.ConvTranspose2d(3, 5, 4, stride=4,
                                                  bias=False), (1, 3, 4, 4)),
        ("convt_1d", nn.ConvTranspose1d(3, 4, 5, stride=3, padding=2,
                                        output_padding=1), (2, 3, 9)),
        ("convt_depthwise", nn.ConvTranspose2d(8, 8, 4, stride=2, padding=1,
                                               groups=8), (1, 8, 6, 6)),
        ("conv_1d", nn.Conv1d(4, 6, 5, stride=2, padding=2, dilation=1,
                              groups=2), (2, 4, 17)),
        ("maxpool_1d", nn.MaxPool1d(3, stride=2, padding=1), (1, 3, 16)),
        ("avgpool_1d", nn.AvgPool1d(4, stride=3, ceil_mode=True,
                                    count_include_pad=False), (2, 3, 17)),
        ("maxpool_3d", nn.MaxPool3d(3, stride=2, padding=1), (1, 2, 7, 8, 9)),
        ("avgpool_3d_ceil", nn.AvgPool3d((2, 3, 3), stride=(1, 2, 2),
                                         padding=(1, 1, 0), ceil_mode=True,
                                         count_include_pad=False),
         (2, 3, 5, 7, 6)),
        ("avgpool_3d_pads", nn.AvgPool3d(3, stride=2, padding=1),
         (1, 2, 6, 6, 6)),
        ("maxpool_dilated", nn.MaxPool2d(3, stride=2, padding=1, dilation=2,
                                         ceil_mode=True), (1, 3, 11, 12)),
        ("maxpool_1d_dilated", nn.MaxPool1d(3, stride=1, padding=1,
                                            dilation=2), (2, 3, 15)),
        ("maxpool_3d_dilated", nn.MaxPool3d(2, stride=1, dilation=(1, 2, 3)),
         (1, 2, 4, 7, 8)),
        ("instance_norm", nn.InstanceNorm2d(5, affine=True, eps=1e-3),
         (2, 5, 7, 6)),
    ]:
        out.append((name, module, shape, [11, 13]))
    for name, kw, shape, opsets in [
        ("nearest_x2", dict(scale_factor=2, mode="nearest"), (1, 3, 5, 4),
         [9, 10, 11, 13]),
        ("nearest_size", dict(size=(7, 11), mode="nearest"), (2, 2, 4, 5),
         [11, 13]),
        ("nearest_down", dict(size=(3, 2), mode="nearest"), (1, 2, 7, 6),
         [11, 13]),
        ("bilinear_x2", dict(scale_factor=2, mode="bilinear",
                             align_corners=False), (1, 3, 5, 6), [11, 13]),
        ("bilinear_x8_size", dict(size=(24, 32), mode="bilinear",
                                  align_corners=False), (1, 4, 3, 4),
         [11, 13]),
        ("bilinear_align", dict(size=(9, 13), mode="bilinear",
                                align_corners=True), (1, 2, 4, 5), [11, 13]),
        ("bilinear_down", dict(size=(3, 4), mode="bilinear",
                               align_corners=False), (1, 2, 8, 9), [11, 13]),
        ("bicubic_x2", dict(scale_factor=2, mode="bicubic",
                            align_corners=False), (1, 2, 5, 6), [11, 13]),
        ("bicubic_align", dict(size=(7, 9), mode="bicubic",
                               align_corners=True), (1, 2, 4, 5), [11, 13]),
        ("linear_1d", dict(scale_factor=3, mode="linear",
                           align_corners=False), (2, 3, 7), [11, 13]),
    ]:
        out.append((name, Interp(**kw), shape, opsets))
    return out


def save_tensor(path, array):
    from onnx import numpy_helper
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array).SerializeToString())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default=os.environ.get("GLOW_BIN", "build/bin"))
    p.add_argument("--backends", default="Interpreter,CPU,OpenCL")
    args = p.parse_args()
    try:
        import torch
        import onnx  # noqa: F401 (torch.onnx.export needs it)
    except ImportError as e:
        print("skipped: %s (Debian python3-torch and python3-onnx)" % e)
        return 77
    runner = os.path.join(args.bin, "model-runner")
    if not os.access(runner, os.X_OK):
        print("skipped: %s not built" % runner)
        return 77
    backends = args.backends.split(",")
    failures, checks = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, module, shape, opsets in cases(torch):
            module.eval()
            g = torch.Generator().manual_seed(7)
            x = torch.randn(*shape, generator=g)
            with torch.no_grad():
                y = module(x)
            ys = y if isinstance(y, tuple) else (y,)
            names = ["output_%d" % i for i in range(len(ys))]
            for opset in opsets:
                d = os.path.join(tmp, "%s_opset%d" % (name, opset))
                os.makedirs(os.path.join(d, "test_data_set_0"))
                import warnings
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    torch.onnx.export(module, x, os.path.join(d, "model.onnx"),
                                      opset_version=opset,
                                      input_names=["input"],
                                      output_names=names)
                save_tensor(os.path.join(d, "test_data_set_0", "input_0.pb"),
                            x.numpy())
                for i, yi in enumerate(ys):
                    save_tensor(os.path.join(d, "test_data_set_0",
                                             "output_%d.pb" % i), yi.numpy())
                for b in backends:
                    checks += 1
                    r = subprocess.run([runner, "-backend=" + b,
                                        "-onnx-test-dir=" + d],
                                       capture_output=True, text=True,
                                       timeout=600)
                    text = (r.stdout + r.stderr).strip().splitlines()
                    last = text[-1] if text else "no output"
                    if r.returncode != 0:
                        failures.append("%s opset %d %s: %s" %
                                        (name, opset, b, last))
                        print("FAIL " + failures[-1], flush=True)
                    else:
                        print("ok   %s opset %d %s" % (name, opset, b),
                              flush=True)
    print("torch operators: %d checks, %d failed" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
