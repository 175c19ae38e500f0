#!/usr/bin/env bash
# Times precision-tuner's sensitivity study of the reference ResNet-18 (48
# layers, one a unit) on the 10,000 Fashion-MNIST test images, the naive way
# (-strategy=naive: compile every configuration, evaluate every image each
# time: the published method) against the default (one precision-switchable
# compile, a 500-image subset first, the top units re-checked on every
# image), and prints both times, their ratio and how far the two rankings
# agree. A benchmark, not a test: run it with the machine otherwise idle.
# Usage: utils/tuner_benchmark.sh [extra precision-tuner flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${GLOW_BIN:-build/bin}
D=/usr/share/datasets/fashion-mnist
OUT=${TUNER_BENCH_DIR:-build/tuner-bench}
rm -rf "$OUT"; mkdir -p "$OUT"
FLAGS=(-m=tests/models/resnet18.onnx -backend=CPU -image-mode=0to1 -mean=72.93 -stddev=0.353
       -input-dataset=idx:$D/t10k-images-idx3-ubyte.gz,$D/t10k-labels-idx1-ubyte.gz
       -calibration-dataset=idx:$D/train-images-idx3-ubyte.gz,$D/train-labels-idx1-ubyte.gz
       -group-activations=false -search=false "$@")
for strategy in fast naive; do
  echo "== -strategy=$strategy"
  start=$(date +%s%N)
  "$BIN/precision-tuner" "${FLAGS[@]}" -strategy=$strategy -output-dir="$OUT/$strategy" | tail -2
  echo $(( $(date +%s%N) - start )) > "$OUT/$strategy.ns"
done
echo
python3 - "$OUT/fast/sensitivity.csv" "$OUT/naive/sensitivity.csv" "$OUT/fast.ns" "$OUT/naive.ns" <<'PY'
import csv, sys
fast_s, naive_s = (int(open(p).read()) / 1e9 for p in sys.argv[3:5])
print(f"naive study {naive_s:.1f} s, ours {fast_s:.1f} s: {naive_s / fast_s:.1f}x faster")
def ranking(path):
    rows = sorted(csv.DictReader(open(path)), key=lambda r: int(r["rank"]))
    return [r["unit"] for r in rows]
fast, naive = ranking(sys.argv[1]), ranking(sys.argv[2])
for k in (1, 3, 5):
    print(f"top-{k} units in common: {len(set(fast[:k]) & set(naive[:k]))} of {k}")
print("naive top 5:", ", ".join(naive[:5]))
print("ours  top 5:", ", ".join(fast[:5]))
PY
