#!/usr/bin/env bash
# Measures the accuracy table of docs/Quantization.md for one reference model
# on the full 10,000-image Fashion-MNIST test set: FP32; all-INT8 for every
# schema, per-tensor and channelwise, min/max and KL calibration; and keep
# lists. The profile is taken on the first 1000 TRAINING images (never the
# test images), with 2048 histogram bins so that KL has a histogram to work
# on. Prints one Markdown row per configuration with the command behind it.
#
# Usage: utils/quantization_accuracy_table.sh MODEL [KEEP_LIST...]
#   MODEL      resnet18 or mobilenetv2 (tests/models/MODEL.onnx)
#   KEEP_LIST  comma-separated layer names to keep FP32 (one row each)
# Environment: JOBS=N runs N configurations at once (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=$1; shift
BIN=${GLOW_BIN:-build/bin}
DATA=/usr/share/datasets/fashion-mnist
OUT=${OUT:-build/accuracy-$MODEL}
JOBS=${JOBS:-1}
mkdir -p "$OUT"
PP="-image-mode=0to1 -mean=72.93 -stddev=0.353 -minibatch=50"
M="-m=tests/models/$MODEL.onnx"
TEST="-input-dataset=idx:$DATA/t10k-images-idx3-ubyte.gz,$DATA/t10k-labels-idx1-ubyte.gz"
TRAIN="-input-dataset=idx:$DATA/train-images-idx3-ubyte.gz,$DATA/train-labels-idx1-ubyte.gz -dataset-limit=1000"
PROFILE=$OUT/profile.yaml

start=$SECONDS
$BIN/image-classifier $M $PP $TRAIN -num-histogram-bins=2048 \
  -dump-profile=$PROFILE > "$OUT/profile.log"
echo "profile: $(tail -1 "$OUT/profile.log") ($((SECONDS - start)) s)" >&2

# name|flags, one configuration a line.
configs=("FP32|")
for schema in asymmetric symmetric symmetric_with_uint8 symmetric_with_power2_scale; do
  for cw in "" "-enable-channelwise"; do
    for cal in none KL; do
      configs+=("INT8 $schema${cw:+ channelwise} $cal|-load-profile=$PROFILE -quantization-schema=$schema $cw -quantization-calibration=$cal")
    done
  done
done
for keep in "$@"; do
  n=$(echo "$keep" | tr ',' '\n' | grep -c .)
  configs+=("INT8 asymmetric, keep $n FP32: $keep|-load-profile=$PROFILE -keep-original-precision-for-layers=$keep")
done

run_one() {
  local idx=$1 name=${2%%|*} flags=${2#*|}
  local log="$OUT/run$idx.log"
  # shellcheck disable=SC2086
  $BIN/image-classifier $M $PP $TEST $flags > "$log" 2>&1 || true
  local acc; acc=$(sed -n 's/.*top-1 accuracy \([0-9.]*%\) (\([0-9]*\)\/10000).*/\1/p' "$log")
  printf '%s|%s|%s|%s\n' "$idx" "$name" "${acc:-error: $(tail -1 "$log")}" "$flags"
}
export -f run_one
export BIN M PP TEST OUT
for i in "${!configs[@]}"; do printf '%s\0%s\0' "$i" "${configs[$i]}"; done |
  xargs -0 -n2 -P "$JOBS" bash -c 'run_one "$0" "$1"' > "$OUT/results.txt"

echo "| configuration | top-1 (10k) | flags added to the common command |"
echo "|---|---|---|"
sort -t'|' -k1,1n "$OUT/results.txt" | while IFS='|' read -r _ name acc flags; do
  echo "| $name | $acc | \`${flags:-(none)}\` |"
done
echo
echo "Common command: \`$BIN/image-classifier $M $PP $TEST\`; profile: \`$BIN/image-classifier $M $PP $TRAIN -num-histogram-bins=2048 -dump-profile=$PROFILE\`"
echo "Total time: $((SECONDS - start)) s" >&2
