#!/bin/bash
# The three real ImageNet models of ../shared/imagenet (docs/ImageNet.md):
# image-classifier on their 200 evaluation PNGs (the label is the number
# after the last '_' of each file name) must give exactly ONNX Runtime's
# FP32 top-1 (../shared/imagenet/README.md: 134, 176 and 99 of 200), and a
# per-tensor INT8 run with a profile on the separate calibration PNGs must
# run and stay within 10 points of FP32.
# Usage: GLOW_BIN=build/bin imagenet_models.sh [BACKEND] (default CPU).
# Exit 77 (skipped) when ../shared/imagenet is absent.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${GLOW_BIN:-$ROOT/build/bin}
BACKEND=${1:-CPU}
I=${GLOW_IMAGENET_DIR:-$ROOT/../shared/imagenet}
if [ ! -f "$I/squeezenet1.1_fp32.onnx" ]; then
  echo "skipped: $I/squeezenet1.1_fp32.onnx not found (../shared/imagenet)"
  exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
status=0
# The preprocessing of the README: RGB, value = (p - mean) / stddev / 255.
SQ=(-image-mode=0to1 -image-channel-order=RGB -mean=123.675,116.28,103.53
    -stddev=0.229,0.224,0.225)
MB=(-image-mode=0to1 -image-channel-order=RGB -mean=128 -stddev=0.501961)

top1() { # MODEL SIZE PREPROCESSING... -> "correct" of the summary line
  local model=$1 size=$2
  shift 2
  "$BIN/image-classifier" -m="$I/$model.onnx" -backend="$BACKEND" "$@" \
    -minibatch=20 "$I/images$size"/*.png 2>&1 |
    sed -n 's/^Summary: .*top-1 accuracy [0-9.]*% (\([0-9]*\)\/200).*/\1/p'
}

for spec in squeezenet1.1_fp32:224:134:SQ mobilenet_v2_1.0_224_qatdq:224:176:MB \
            mobilenet_v1_0.25_128_qatdq:128:99:MB; do
  IFS=: read -r model size want pp <<< "$spec"
  if [ "$pp" = SQ ]; then PP=("${SQ[@]}"); else PP=("${MB[@]}"); fi
  got=$(top1 "$model" "$size" "${PP[@]}")
  if [ "$got" = "$want" ]; then
    echo "ok   $model FP32 top-1 $got/200 (ONNX Runtime: $want)"
  else
    echo "FAIL $model FP32 top-1 '${got}'/200, ONNX Runtime gives $want"
    status=1
  fi
  "$BIN/image-classifier" -m="$I/$model.onnx" -backend="$BACKEND" "${PP[@]}" \
    -minibatch=20 -dump-profile="$TMP/$model.yaml" "$I/calib$size"/*.png \
    > "$TMP/log" 2>&1 || { echo "FAIL $model profile: $(tail -1 "$TMP/log")"; status=1; continue; }
  q=$(top1 "$model" "$size" "${PP[@]}" -load-profile="$TMP/$model.yaml")
  if [ -n "$q" ] && [ "$q" -ge $((want - 20)) ]; then
    echo "ok   $model INT8 top-1 $q/200 (FP32 $want)"
  else
    echo "FAIL $model INT8 top-1 '${q}'/200, more than 10 points below FP32 $want"
    status=1
  fi
done
exit $status
