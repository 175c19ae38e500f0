#!/usr/bin/env bash
# Scaling of precision-tuner over MPI ranks on this machine, and the cost
# model of docs/MixedPrecision.md ("At ImageNet scale"), on the reference
# study: ResNet-18 W4/A8, every layer a unit (48), the 10k Fashion-MNIST
# test images, 1000 calibration images, CPU backend, one thread a rank.
#
#   utils/tuner_scaling.sh [REPEATS]      (default 2; the best run counts)
#
# Runs one process, then mpirun with 2 ranks and with 4 (oversubscribed on
# two cores), checks that every run writes the same files, and prints the
# wall times, the speed-ups over one process and the model's predictions:
#   T(N) = S + W / (min(N, cores) * r)
# with S the serial part (start, profile and compile, measured on one
# process), W the image runs (images x configurations, printed by the tool)
# and r the image runs per second of one rank (one process's evaluation).
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${1:-2}
BIN=${GLOW_BIN:-build/bin}
D=/usr/share/datasets/fashion-mnist
MPIRUN=(mpirun --oversubscribe --bind-to none ${MPIRUN_ARGS:---mca pml ob1})
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
CORES=$(nproc)
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
ARGS=(-m=tests/models/resnet18.onnx -backend=CPU -num-threads=1 -quiet -v=1
  -image-mode=0to1 -mean=72.93 -stddev=0.353 -quantization-weight-bits=4
  -group-activations=false
  -input-dataset=idx:$D/t10k-images-idx3-ubyte.gz,$D/t10k-labels-idx1-ubyte.gz
  -calibration-dataset=idx:$D/train-images-idx3-ubyte.gz,$D/train-labels-idx1-ubyte.gz)

# run N REPEAT: one study, its wall time in $TMP/wall.N.REPEAT.
run() {
  local n=$1 k=$2 out="$TMP/out.$1.$2"
  local start end
  start=$(date +%s.%N)
  if [ "$n" = 1 ]; then
    "$BIN/precision-tuner" "${ARGS[@]}" -output-dir="$out" > "$TMP/log.$n.$k" 2>&1
  else
    "${MPIRUN[@]}" -np "$n" "$BIN/precision-tuner" "${ARGS[@]}" -output-dir="$out" > "$TMP/log.$n.$k" 2>&1
  fi
  end=$(date +%s.%N)
  echo "$end - $start" | bc > "$TMP/wall.$n.$k"
  for f in "$TMP/out.1.1"/*; do
    cmp -s "$f" "$out/$(basename "$f")" || { echo "FAIL: $n ranks: $(basename "$f") differs"; exit 1; }
  done
}

phase() { # phase LOG NAME: the first rank's seconds for a -v=1 phase timer
  grep -m1 "precision-tuner: $2:" "$1" | sed 's/.*: \([0-9.]*\) ms$/\1/' | awk '{printf "%.3f", $1 / 1000}'
}

for k in $(seq "$REPEATS"); do
  for n in 1 2 4; do
    run $n $k
    printf "%d rank(s), run %d: %.2f s\n" "$n" "$k" "$(cat "$TMP/wall.$n.$k")"
  done
done
best() { for k in $(seq "$REPEATS"); do cat "$TMP/wall.$1.$k"; done | sort -g | head -1; }
T1=$(best 1); T2=$(best 2); T4=$(best 4)
LOG1="$TMP/log.1.1"
W=$(grep -o '[0-9]* image runs' "$LOG1" | awk '{print $1}')
EVAL=$(echo "$(phase "$LOG1" "FP32 reference") + $(phase "$LOG1" study)" | bc -l)
echo
echo "every run wrote the same files ($(ls "$TMP/out.1.1" | wc -l) files); best of $REPEATS runs:"
printf "  1 process        %6.2f s\n" "$T1"
printf "  2 ranks          %6.2f s  %.2fx\n" "$T2" "$(echo "$T1 / $T2" | bc -l)"
printf "  4 ranks (%d cores) %6.2f s  %.2fx\n" "$CORES" "$T4" "$(echo "$T1 / $T4" | bc -l)"
echo
echo "one process: profile $(phase "$LOG1" profile) s, switchable compile $(phase "$LOG1" "switchable compile") s, FP32 reference $(phase "$LOG1" "FP32 reference") s, study $(phase "$LOG1" study) s"
S=$(echo "$T1 - $EVAL" | bc -l)
R=$(echo "$W / $EVAL" | bc -l)
printf "cost model: S = %.2f s serial, W = %d image runs, r = %.0f image runs/s a rank\n" "$S" "$W" "$R"
for n in 2 4; do
  eff=$(( n < CORES ? n : CORES ))
  pred=$(echo "$S + $W / ($eff * $R)" | bc -l)
  meas=$(best $n)
  printf "  %d ranks: predicted %.2f s, measured %.2f s (%+.0f%%)\n" "$n" "$pred" "$meas" \
    "$(echo "100 * ($meas - $pred) / $pred" | bc -l)"
done
