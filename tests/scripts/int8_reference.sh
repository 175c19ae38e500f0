#!/usr/bin/env bash
# The INT8 Interpreter, checked against an independent numpy re-computation
# of the all-INT8 ResNet-18 (utils/check_int8_reference.py): a profile of
# 1000 Fashion-MNIST training images, then the 100 PNGs of
# tests/images/fashion through `model-runner -load-profile` and through
# numpy. >= 99.9% of the logits must be within one quantization step of the
# FC output and every top-1 label must match.
# Skips (77) without Debian's python3-numpy/python3-onnx or
# dataset-fashion-mnist.
set -u
BIN=${GLOW_BIN:-build/bin}
MODEL=tests/models/resnet18.onnx
DATA=/usr/share/datasets/fashion-mnist
PY=/usr/bin/python3
if ! "$PY" -c "import numpy, onnx" 2>/dev/null; then
  echo "SKIP: $PY cannot import numpy and onnx (install python3-numpy python3-onnx)"
  exit 77
fi
if [ ! -f "$DATA/train-images-idx3-ubyte.gz" ] ||
   [ ! -f "$DATA/train-labels-idx1-ubyte.gz" ]; then
  echo "SKIP: $DATA not found (install dataset-fashion-mnist)"
  exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$BIN/image-classifier" -m="$MODEL" -image-mode=0to1 -mean=72.93 -stddev=0.353 \
  -minibatch=50 \
  -input-dataset="idx:$DATA/train-images-idx3-ubyte.gz,$DATA/train-labels-idx1-ubyte.gz" \
  -dataset-limit=1000 -dump-profile="$TMP/p.yaml" > "$TMP/profile.log" 2>&1 || {
  cat "$TMP/profile.log"; echo "image-classifier -dump-profile failed"; exit 1; }
tail -n 1 "$TMP/profile.log"
"$PY" utils/check_int8_reference.py --model "$MODEL" --profile "$TMP/p.yaml" \
  --images tests/images/fashion --bin "$BIN"
