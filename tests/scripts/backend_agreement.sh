#!/usr/bin/env bash
# image-classifier on BACKEND must label the Fashion-MNIST test images
# exactly as on the CPU backend (which tests/unittests check bit-exact
# against the Interpreter in INT8) with the same profile: all-INT8 and with
# a keep list, top-1 counts equal. Skipped where BACKEND cannot run (no
# OpenCL platform) or the data set is missing.
# Usage: backend_agreement.sh BACKEND [IMAGES]
set -u
BIN=${GLOW_BIN:-build/bin}
BACKEND=$1 COUNT=${2:-2000}
D=/usr/share/datasets/fashion-mnist
if [ ! -f "$D/t10k-images-idx3-ubyte.gz" ]; then
  echo "SKIP: $D not found (install dataset-fashion-mnist)"; exit 77
fi
M=tests/models/resnet18.onnx
PP=(-image-mode=0to1 -mean=72.93 -stddev=0.353 -minibatch=100)
source tests/scripts/require_backend.sh
require_backend "$BACKEND"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
"$BIN/image-classifier" -m=$M "${PP[@]}" -backend=CPU -dump-profile="$TMP/p.yaml" \
  -input-dataset=idx:$D/train-images-idx3-ubyte.gz,$D/train-labels-idx1-ubyte.gz -dataset-limit=500 > /dev/null || exit 1
status=0
for keep in "" "-keep-original-precision-for-layers=/conv1/Conv,/fc/Gemm"; do
  for b in CPU "$BACKEND"; do
    out=$("$BIN/image-classifier" -m=$M "${PP[@]}" -backend=$b -load-profile="$TMP/p.yaml" $keep \
      -input-dataset=idx:$D/t10k-images-idx3-ubyte.gz,$D/t10k-labels-idx1-ubyte.gz -dataset-limit=$COUNT) || exit 1
    eval "acc_$b=\$(echo \"\$out\" | sed -n 's/.*top-1 accuracy [0-9.]*% (\([0-9]*\)\/.*/\1/p')"
  done
  a=$(eval echo \$acc_CPU); b=$(eval echo \$acc_$BACKEND)
  echo "INT8 ${keep:-all layers}: CPU $a/$COUNT, $BACKEND $b/$COUNT"
  [ -n "$a" ] && [ "$a" = "$b" ] || status=1
done
exit $status
