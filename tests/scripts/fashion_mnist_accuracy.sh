#!/usr/bin/env bash
# image-classifier on the full 10,000-image Fashion-MNIST test set (Debian's
# dataset-fashion-mnist) must report PyTorch's top-1 accuracy, recorded by
# utils/train_reference_model.py, within +-0.05 percentage points.
# Usage: fashion_mnist_accuracy.sh [BACKEND] [MODEL]
set -u
BIN=${GLOW_BIN:-build/bin}
BACKEND=${1:-Interpreter}
MODEL=${2:-resnet18}
DATA=/usr/share/datasets/fashion-mnist
REF=tests/models/$MODEL.reference.json
if [ ! -f "$DATA/t10k-images-idx3-ubyte.gz" ]; then
  echo "SKIP: $DATA not found (install dataset-fashion-mnist)"
  exit 77
fi
source tests/scripts/require_backend.sh
require_backend "$BACKEND"
expected=$(grep -o '"pytorch_top1": *[0-9.]*' "$REF" | grep -o '[0-9.]*$')
[ -n "$expected" ] || { echo "no pytorch_top1 in $REF"; exit 1; }
out=$("$BIN/image-classifier" -m="tests/models/$MODEL.onnx" -backend="$BACKEND" \
      -image-mode=0to1 -mean=72.93 -stddev=0.353 -minibatch=50 \
      -input-dataset="idx:$DATA/t10k-images-idx3-ubyte.gz,$DATA/t10k-labels-idx1-ubyte.gz") || {
  echo "$out"; echo "image-classifier failed"; exit 1; }
echo "$out"
correct=$(echo "$out" | sed -n 's/.*top-1 accuracy [0-9.]*% (\([0-9]*\)\/10000).*/\1/p')
[ -n "$correct" ] || { echo "no 10000-image summary line"; exit 1; }
# PyTorch's count of correct images, and ours, may differ by at most 5
# (0.05% of 10,000).
want=$(awk -v p="$expected" 'BEGIN { printf "%d", p * 10000 + 0.5 }')
diff=$((correct - want)); diff=${diff#-}
echo "PyTorch top-1: $want/10000, $BACKEND: $correct/10000, difference $diff"
[ "$diff" -le 5 ]
