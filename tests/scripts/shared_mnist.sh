#!/usr/bin/env bash
# The real MNIST model from the ONNX model zoo (../shared, IR version 3,
# SAME_UPPER padding) must classify the 10 MNIST digits of ../shared
# correctly. Skipped when ../shared is absent (a user's fresh clone).
set -u
BIN=${GLOW_BIN:-build/bin}
SHARED=../shared
MODEL=$SHARED/models/mnist-8-onnxzoo.onnx
if [ ! -f "$MODEL" ] || [ ! -d "$SHARED/images/mnist" ]; then
  echo "SKIP: $MODEL or $SHARED/images/mnist not found"
  exit 77
fi
images=("$SHARED"/images/mnist/*.png)
# The label is the first number of the file name (D_NNNN.png).
labels=$(for f in "${images[@]}"; do basename "$f" | cut -d_ -f1; done | paste -sd,)
out=$("$BIN/image-classifier" -m="$MODEL" -image-mode=0to1 \
      -expected-labels="$labels" "${images[@]}")
status=$?
echo "$out"
if [ ${#images[@]} -ne 10 ]; then
  echo "expected 10 images, found ${#images[@]}"; exit 1
fi
[ "$(echo "$out" | grep -c 'Label-K1')" -eq 10 ] || { echo "missing lines"; exit 1; }
echo "FP32 mismatches: $status"
[ $status -eq 0 ] || exit 1

# INT8: profile on the same 10 digits (the only MNIST images here), then
# classify them with every layer quantized.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$BIN/image-classifier" -m="$MODEL" -image-mode=0to1 -dump-profile="$TMP/p.yaml" \
  "${images[@]}" > /dev/null || { echo "profiling failed"; exit 1; }
out=$("$BIN/image-classifier" -m="$MODEL" -image-mode=0to1 -load-profile="$TMP/p.yaml" \
      -assert-all-nodes-quantized -expected-labels="$labels" "${images[@]}")
status=$?
echo "$out"
echo "INT8 mismatches: $status"
exit $status
