#!/usr/bin/python3
"""Exports torchvision's model zoo as ONNX backend-test directories.

Every classification architecture of torchvision (0.14: AlexNet, VGG with
and without BN, ResNet, ResNeXt, Wide ResNet, SqueezeNet, DenseNet,
Inception-V3, GoogLeNet, ShuffleNetV2, MobileNetV2/V3, MnasNet, EfficientNet
B0-B7 and V2, RegNet, ConvNeXt, ViT, Swin) and the segmentation models
FCN-ResNet50, DeepLabV3-MobileNetV3 and LRASPP-MobileNetV3, with random
weights and randomised BatchNorm statistics (so that folding BatchNorm is
really tested), exported with torch.onnx.export at the chosen opset and
batch size into

  OUT/NAME_opsetN_bB/model.onnx
  OUT/NAME_opsetN_bB/test_data_set_0/input_0.pb    (random input, seeded)
  OUT/NAME_opsetN_bB/test_data_set_0/output_0.pb   (PyTorch's output)

which `model-runner -onnx-test-dir=DIR` runs and checks. A directory that
already holds a model.onnx made with the same settings is kept (the
settings are recorded in DIR/export.json); --force exports again.

Needs Debian's python3-torch and python3-torchvision (run with
/usr/bin/python3, which has them). Exits 0 when every requested model was
exported, 1 when one failed (each failure on one line), 2 on bad usage.

  utils/export_zoo.py --list
  utils/export_zoo.py --out build/zoo resnet18 mobilenet_v3_small
  utils/export_zoo.py --out build/zoo --opset 11 --batch 2 --family regnet
  utils/export_zoo.py --out build/zoo --all
"""
import argparse
import json
import os
import sys

# Classification models too large to export by default: the --all list
# includes them, a plain family list does not (each takes minutes and GBs).
LARGE = {"vit_h_14", "vit_l_16", "vit_l_32", "regnet_y_128gf",
         "regnet_y_32gf", "regnet_y_16gf", "efficientnet_b7",
         "efficientnet_v2_l", "resnext101_64x4d", "convnext_large"}

SEGMENTATION = ["fcn_resnet50", "deeplabv3_mobilenet_v3_large",
                "lraspp_mobilenet_v3_large"]

# Input sizes other than 224 (torchvision's documented minimum or fixed).
IMAGE_SIZE = {"inception_v3": 299}
# Models whose input size is fixed by the architecture (positional
# embeddings).
FIXED_SIZE = ("vit_", "swin_")


def family(name):
    """The family a model name belongs to (its prefix before digits/_)."""
    for prefix in ("wide_resnet", "resnext", "resnet", "vgg", "densenet",
                   "squeezenet", "shufflenet", "mobilenet_v2",
                   "mobilenet_v3", "mnasnet", "efficientnet_v2",
                   "efficientnet", "regnet", "convnext", "vit", "swin",
                   "alexnet", "googlenet", "inception", "maxvit"):
        if name.startswith(prefix):
            return prefix
    return name


def classification_models(torchvision):
    import torchvision.models as tm
    if hasattr(tm, "list_models"):
        names = tm.list_models(module=tm)
    else:  # torchvision < 0.14
        names = [n for n in dir(tm) if n[0].islower() and callable(
            getattr(tm, n)) and not n.startswith("get_")]
    return sorted(names)


# Changes when randomise() does, so that cached exports are made again.
RANDOMISE_VERSION = 2


def randomise(model, torch, seed):
    """Random BatchNorm statistics and affine parameters, so that a
    compiler that folds or drops BatchNorm wrongly gives other outputs; and
    random weights where torchvision initialises a layer to zero (ViT's
    classifier head), so that the output is not all zeros."""
    g = torch.Generator().manual_seed(seed + 1)
    for m in model.modules():
        if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)) and \
                not bool(m.weight.detach().abs().sum()):
            fan_in = m.weight[0].numel()
            m.weight.data.copy_(torch.randn(m.weight.shape, generator=g) /
                                fan_in ** 0.5)
            if m.bias is not None:
                m.bias.data.copy_(torch.randn(m.bias.shape, generator=g) *
                                  0.1)
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            c = m.num_features
            if m.running_mean is not None:
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_var.copy_(0.5 + torch.rand(c, generator=g) * 1.5)
            if m.weight is not None:
                m.weight.data.copy_(0.5 + torch.rand(c, generator=g))
                m.bias.data.copy_(torch.randn(c, generator=g) * 0.1)


class SegmentationOutput:
    """Wraps a segmentation model (it returns a dict) to return 'out'."""

    @staticmethod
    def wrap(torch, model):
        class Wrapped(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, x):
                return self.m(x)["out"]
        return Wrapped(model).eval()


def build(name, torch, torchvision, seed):
    torch.manual_seed(seed)
    if name in SEGMENTATION:
        ctor = getattr(torchvision.models.segmentation, name)
        kwargs = {"weights": None, "weights_backbone": None,
                  "num_classes": 21}
        if name != "lraspp_mobilenet_v3_large":
            kwargs["aux_loss"] = False
        model = ctor(**kwargs).eval()
        randomise(model, torch, seed)
        return SegmentationOutput.wrap(torch, model)
    ctor = getattr(torchvision.models, name)
    kwargs = {"weights": None}
    if name in ("googlenet", "inception_v3"):
        kwargs.update(aux_logits=False, init_weights=True)
    model = ctor(**kwargs).eval()
    randomise(model, torch, seed)
    return model


def save_tensor(path, array):
    from onnx import numpy_helper
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array).SerializeToString())


def export(name, args, torch, torchvision):
    size = args.image_size or IMAGE_SIZE.get(name, 224)
    if name.startswith(FIXED_SIZE):
        size = 224
    settings = {"model": name, "opset": args.opset, "batch": args.batch,
                "image_size": size, "seed": args.seed,
                "randomise": RANDOMISE_VERSION,
                "torch": torch.__version__,
                "torchvision": torchvision.__version__}
    d = os.path.join(args.out, "%s_opset%d_b%d" % (name, args.opset,
                                                  args.batch))
    stamp = os.path.join(d, "export.json")
    if not args.force and os.path.exists(os.path.join(d, "model.onnx")) \
            and os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f) == settings:
                return d, "kept"
    model = build(name, torch, torchvision, args.seed)
    g = torch.Generator().manual_seed(args.seed + 2)
    x = torch.randn(args.batch, 3, size, size, generator=g).clamp(-2.5, 2.5)
    with torch.no_grad():
        y = model(x)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    # The batch stays as exported: a model is exported for one batch size
    # (export again with --batch for another).
    torch.onnx.export(model, x, os.path.join(d, "model.onnx"),
                      opset_version=args.opset, input_names=["input"],
                      output_names=["output"], do_constant_folding=True)
    save_tensor(os.path.join(d, "test_data_set_0", "input_0.pb"),
                x.numpy())
    save_tensor(os.path.join(d, "test_data_set_0", "output_0.pb"),
                y.numpy())
    with open(stamp, "w") as f:
        json.dump(settings, f, indent=1)
    return d, "exported"


def main():
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("models", nargs="*", help="model names (see --list)")
    p.add_argument("--out", default="build/zoo", help="output folder")
    p.add_argument("--opset", type=int, default=13,
                   help="ONNX opset, 11 to 17 (default 13)")
    p.add_argument("--batch", type=int, default=1, help="batch size")
    p.add_argument("--image-size", type=int, default=0,
                   help="input height and width (default 224, 299 for "
                   "Inception-V3; ViT and Swin always 224)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--family", action="append", default=[],
                   help="every model of a family (e.g. resnet, regnet)")
    p.add_argument("--all", action="store_true",
                   help="every classification and segmentation model")
    p.add_argument("--segmentation", action="store_true",
                   help="the three segmentation models")
    p.add_argument("--list", action="store_true",
                   help="print the model names with their family and exit")
    p.add_argument("--force", action="store_true",
                   help="export again even if the directory is current")
    args = p.parse_args()
    if not 11 <= args.opset <= 17:
        p.error("--opset must be between 11 and 17")
    if args.batch < 1 or args.batch > 256:
        p.error("--batch must be between 1 and 256")
    try:
        import torch
        import torchvision
    except ImportError as e:
        print("export_zoo: needs python3-torch and python3-torchvision (%s)"
              % e, file=sys.stderr)
        return 2
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    known = classification_models(torchvision) + SEGMENTATION
    if args.list:
        for n in known:
            print("%-32s %s%s" % (n, family(n),
                                  "  (large)" if n in LARGE else ""))
        return 0
    wanted = list(args.models)
    for fam in args.family:
        members = [n for n in known if family(n) == fam and n not in LARGE]
        if not members:
            p.error("no family '%s' (see --list)" % fam)
        wanted += members
    if args.segmentation:
        wanted += SEGMENTATION
    if args.all:
        wanted += known
    if not wanted:
        p.error("name models, --family, --segmentation or --all")
    unknown = [n for n in wanted if n not in known]
    if unknown:
        p.error("unknown model(s): %s (see --list)" % ", ".join(unknown))
    failed = 0
    seen = set()
    for name in wanted:
        if name in seen:
            continue
        seen.add(name)
        try:
            d, what = export(name, args, torch, torchvision)
            print("%s: %s %s" % (name, what, d), flush=True)
        except Exception as e:  # one line per failed model
            failed += 1
            msg = str(e).strip().splitlines()
            print("%s: export failed: %s" % (name, msg[0] if msg else
                                             type(e).__name__), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
