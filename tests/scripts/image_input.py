#!/usr/bin/env python3
"""Real image inputs of the tools against PIL (Debian's python3-pil):

1. JPEG decoding (baseline, progressive, 4:4:4, grayscale, CMYK) and
   -resize-shorter-side=256 -center-crop=224 give PIL's pixels (PIL's
   decoder, Image.resize(BILINEAR), torchvision's crop rounding) within one
   level; decoding alone is exact. The pixels are read back through an
   ONNX model that returns its input (image-classifier -topk=all).
2. The same photos written as PNG by PIL after its resize and crop give
   the same model outputs as the JPEGs with the flags.
3. -input-image-dir with one folder per class labels images by the sorted
   folder index, and -input-image-list-file "PATH LABEL" by the given label
   (a model whose top-1 is the photo's dominant colour gets 100%; a list
   with two labels swapped gets 4 of 6).
4. A truncated JPEG, one whose header claims 60000x60000 pixels and a text
   file named .jpg are one-line errors, never a crash or a hang.
Exit 77 (skipped) without PIL or onnx.
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper
    from PIL import Image
except ImportError as e:
    print(f"SKIP: {e} (install python3-pil, python3-onnx, python3-numpy)")
    sys.exit(77)

BIN = os.environ.get("GLOW_BIN", "build/bin")
TMP = tempfile.mkdtemp()
rng = np.random.default_rng(7)
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def photo(w, h, tint=(1.0, 1.0, 1.0)):
    """A photo-like image: smooth colour fields, edges and some grain."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 90 * np.sin(x / 23.0 + y / 41.0)
    g = 128 + 90 * np.cos(x / 37.0 - y / 19.0)
    b = 128 + 60 * np.sin((x + y) / 13.0) * (x > w / 3)
    img = np.stack([r * tint[0], g * tint[1], b * tint[2]], -1)
    img += rng.normal(0, 10, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def identity_model(path, size):
    """input [1, 3, S, S] -> Flatten -> [1, 3 S S]: the pixels themselves."""
    n = 3 * size * size
    g = helper.make_graph(
        [helper.make_node("Flatten", ["input"], ["output"], axis=1)], "id",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       [1, 3, size, size])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, n])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]),
              path)


def colour_model(path, size):
    """input [1, 3, S, S] -> GlobalAveragePool -> [1, 3]: top-1 is the
    dominant channel."""
    g = helper.make_graph(
        [helper.make_node("GlobalAveragePool", ["input"], ["pooled"]),
         helper.make_node("Flatten", ["pooled"], ["output"], axis=1)], "col",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       [1, 3, size, size])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]),
              path)


def pil_reference(path, shorter=256, crop=224):
    """PIL's decode, resize and crop as torchvision's Resize and CenterCrop."""
    im = Image.open(path).convert("RGB")
    if shorter:
        w, h = im.size
        s, l = min(w, h), max(w, h)
        nl = int(shorter * l / s)
        size = (shorter, nl) if w <= h else (nl, shorter)
        if size != (w, h):
            im = im.resize(size, Image.BILINEAR)
    if crop:
        w, h = im.size
        top = int(round((h - crop) / 2.0))
        left = int(round((w - crop) / 2.0))
        im = im.crop((left, top, left + crop, top + crop))
    return np.asarray(im)


def classify(args):
    return subprocess.run([f"{BIN}/image-classifier", "-image-mode=0to255",
                           "-image-channel-order=RGB"] + args,
                          capture_output=True, text=True, timeout=600)


def read_pixels(stdout, size):
    """The per-image output vectors image-classifier printed with -topk=all,
    as [H, W, 3] arrays."""
    images, cur = [], None
    for line in stdout.splitlines():
        if line.startswith(" File: "):
            cur = np.full(3 * size * size, -1.0)
            images.append(cur)
            line = line.split("\t", 1)[1] if "\t" in line else ""
        if "Label-K" in line:
            idx = int(line.split(": ")[1].split(" ")[0])
            val = float(line.rsplit("probability: ", 1)[1].rstrip(")"))
            cur[idx] = val
    return [v.reshape(3, size, size).transpose(1, 2, 0) for v in images]


# 1. Pixels against PIL.
S = 224
identity_model(f"{TMP}/id224.onnx", S)
cases = []
def save(name, img, **kw):
    p = f"{TMP}/{name}.jpg"
    img.save(p, "JPEG", **kw)
    cases.append(p)
save("landscape", photo(500, 375), quality=90)
save("portrait_progressive", photo(333, 500), quality=85, progressive=True)
save("yuv444", photo(301, 257), quality=95, subsampling=0)
save("gray", photo(400, 300).convert("L"), quality=90)
save("cmyk", photo(320, 240).convert("CMYK"), quality=92)
save("upscale", photo(224, 300), quality=90)
res = classify([f"-m={TMP}/id224.onnx", f"-topk={3 * S * S}",
                "-resize-shorter-side=256", f"-center-crop={S}"] + cases)
check(res.returncode == 0, f"image-classifier on {len(cases)} JPEGs "
      f"(exit {res.returncode}: {res.stderr.strip()[:200]})")
ours = read_pixels(res.stdout, S)
check(len(ours) == len(cases), f"{len(ours)} images read back")
for path, got in zip(cases, ours):
    want = pil_reference(path).astype(np.float64)
    diff = np.abs(got - want)
    exact = float(np.mean(diff == 0))
    check(diff.max() <= 1, f"{os.path.basename(path)}: resize 256 + crop 224 "
          f"max |ours - PIL| = {diff.max():.0f} level, {100 * exact:.2f}% "
          "exact")

try:
    import torch  # noqa: F401
    import torchvision.transforms as T
    tv = T.Compose([T.Resize(256), T.CenterCrop(224)])
    same = all(np.array_equal(np.asarray(tv(Image.open(p).convert("RGB"))),
                              pil_reference(p)) for p in cases)
    check(same, "the PIL reference is torchvision's Resize(256) + "
          "CenterCrop(224)")
except ImportError:
    print("note: torchvision not installed; PIL reference not compared with "
          "it")

# Decoding alone: JPEGs of exactly 224x224, no resize or crop.
plain = []
for i, (kw, mode) in enumerate([({"quality": 90}, "RGB"),
                                ({"quality": 80, "progressive": True}, "RGB"),
                                ({"quality": 90}, "L"),
                                ({"quality": 90}, "CMYK")]):
    p = f"{TMP}/plain{i}_{mode}.jpg"
    photo(S, S).convert(mode).save(p, "JPEG", **kw)
    plain.append(p)
res = classify([f"-m={TMP}/id224.onnx", f"-topk={3 * S * S}"] + plain)
decoded = read_pixels(res.stdout, S)
check(res.returncode == 0 and len(decoded) == len(plain),
      "image-classifier on 224x224 JPEGs without resize")
for path, got in zip(plain, decoded):
    want = pil_reference(path, 0, 0).astype(np.float64)
    d = np.abs(got - want).max()
    check(d == 0, f"{os.path.basename(path)}: decode max |ours - PIL| = "
          f"{d:.0f}")

# 2. PNGs written by PIL after its resize and crop: the same outputs.
pngs = []
for i, p in enumerate(cases):
    q = f"{TMP}/pil_{i}.png"
    Image.fromarray(pil_reference(p)).save(q)
    pngs.append(q)
res_png = classify([f"-m={TMP}/id224.onnx", f"-topk={3 * S * S}"] + pngs)
from_png = read_pixels(res_png.stdout, S)
check(len(from_png) == len(ours) and
      all(np.abs(a - b).max() <= 1 for a, b in zip(from_png, ours)),
      "the JPEGs with -resize-shorter-side/-center-crop agree with PIL's PNGs "
      "within one level")

# 3. Class folders and list files.
colour_model(f"{TMP}/colour.onnx", 64)
tints = {"n01_red": (1.6, 0.5, 0.4), "n02_green": (0.5, 1.6, 0.4),
         "n03_blue": (0.3, 0.4, 2.6)}
root = f"{TMP}/classes"
lines, swapped = [], []
for c, (folder, tint) in enumerate(sorted(tints.items())):
    os.makedirs(f"{root}/{folder}")
    for j in range(2):
        name = f"{folder}/img{j}.JPEG"
        photo(160 + 40 * j, 120, tint).save(f"{root}/{name}", "JPEG",
                                            quality=90)
        lines.append(f"{name} {c}")
swapped = list(lines)
swapped[0], swapped[2] = (lines[0].rsplit(" ", 1)[0] + " 1",
                          lines[2].rsplit(" ", 1)[0] + " 0")
open(f"{root}/val.txt", "w").write("\n".join(lines) + "\n")
open(f"{root}/swapped.txt", "w").write("\n".join(swapped) + "\n")
common = [f"-m={TMP}/colour.onnx", "-resize-shorter-side=64",
          "-center-crop=64"]
for what, args, want in [
        ("class folders", [f"-input-image-dir={root}"], "(6/6)"),
        ("list file PATH LABEL", [f"-input-image-list-file={root}/val.txt"],
         "(6/6)"),
        ("list file with two labels swapped",
         [f"-input-image-list-file={root}/swapped.txt"], "(4/6)")]:
    r = classify(common + args)
    summary = [l for l in r.stdout.splitlines() if l.startswith("Summary")]
    check(r.returncode == 0 and summary and want in summary[0],
          f"{what}: {summary[0] if summary else r.stderr.strip()[:200]}")

# 4. Bad JPEGs: one line on stderr, exit 1.
good = open(cases[0], "rb").read()
open(f"{TMP}/truncated.jpg", "wb").write(good[:len(good) // 2])
huge = bytearray(good)
sof = next(i for i in range(2, len(huge) - 9)
           if huge[i] == 0xFF and huge[i + 1] in (0xC0, 0xC1, 0xC2))
huge[sof + 5:sof + 9] = (60000).to_bytes(2, "big") * 2
open(f"{TMP}/huge.jpg", "wb").write(bytes(huge))
open(f"{TMP}/text.jpg", "w").write("not an image\n")
for name, pattern in [("truncated.jpg", "truncated or corrupt JPEG"),
                      ("huge.jpg", "60000x60000 pixels, more than the limit"),
                      ("text.jpg", "is neither a PNG nor a JPEG file")]:
    r = classify([f"-m={TMP}/id224.onnx", "-resize-shorter-side=256",
                  "-center-crop=224", f"{TMP}/{name}"])
    err = r.stderr.strip().splitlines()
    check(r.returncode == 1 and len(err) == 1 and pattern in err[0] and
          not r.stdout, f"{name}: exit {r.returncode}, "
          f"{len(err)} line(s): {err[0][:160] if err else ''}")

print(f"image inputs: {len(failures)} failures")
sys.exit(1 if failures else 0)
