#!/usr/bin/env bash
# precision-tuner end to end (needs Debian's dataset-fashion-mnist):
# - on tests/models/sensitive_cnn.onnx (one convolution made sensitive to
#   INT8 on purpose, see utils/make_tuner_test_model.py) the tuner ranks
#   that unit first and the search keeps exactly it FP32, with the accuracy
#   metric and with the SQNR proxy;
# - sensitivity.csv, sensitivity.json, search.csv and keep-layers.txt parse
#   and agree with each other;
# - keep-layers.txt round-trips: model-compiler keeps exactly its layers
#   FP32, and image-classifier with it reaches the accuracy it records;
# - a run killed half way and restarted writes the same files as an
#   uninterrupted one; a checkpoint of other settings or a damaged one is
#   refused with a one-line error;
# - the default strategy (one switchable compile, several configurations
#   run together from a shared FP32 prefix) measures every unit exactly as
#   the naive one (a mixed graph compiled per configuration) does.
# With a backend argument (e.g. OpenCL) the tuner and image-classifier run
# on that backend and the script checks 1 to 3; 4 and 5 test the checkpoint
# logic, which does not depend on the backend, and 6 the CPU backend's
# switchable compile: they run only on the CPU.
set -u
BIN=${GLOW_BIN:-build/bin}
BACKEND=${1:-CPU}
if [ "$BACKEND" != CPU ]; then
  . "$(dirname "$0")/require_backend.sh"
  require_backend "$BACKEND"
fi
D=/usr/share/datasets/fashion-mnist
if [ ! -f "$D/t10k-images-idx3-ubyte.gz" ]; then
  echo "SKIP: $D not found (install dataset-fashion-mnist)"; exit 77
fi
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
PP=(-image-mode=0to1 -mean=72.93 -stddev=0.353)
TEST=(-input-dataset=idx:$D/t10k-images-idx3-ubyte.gz,$D/t10k-labels-idx1-ubyte.gz -dataset-limit=2000)
CAL=(-calibration-dataset=idx:$D/train-images-idx3-ubyte.gz,$D/train-labels-idx1-ubyte.gz -calibration-limit=500)
SENS=tests/models/sensitive_cnn.onnx
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

tuner() { "$BIN/precision-tuner" -backend=$BACKEND "${PP[@]}" "${TEST[@]}" "${CAL[@]}" "$@"; }

# 1. The sensitive unit first, and only it kept.
tuner -m=$SENS -output-dir="$TMP/acc" > "$TMP/acc.log" 2>&1 || { cat "$TMP/acc.log"; fail "tuner (accuracy)"; }
cat "$TMP/acc.log"
first=$(awk -F, '$1 == 1 {print $3}' "$TMP/acc/sensitivity.csv")
[ "$first" = "/sensitive/Conv + /relu_1/Relu" ] || fail "rank 1 is '$first'"
kept=$(grep -v '^#' "$TMP/acc/keep-layers.txt" | tr '\n' ' ')
[ "$kept" = "/sensitive/Conv /relu_1/Relu " ] || fail "keep list is '$kept'"

tuner -m=$SENS -metric=proxy -output-dir="$TMP/proxy" > "$TMP/proxy.log" 2>&1 || { cat "$TMP/proxy.log"; fail "tuner (proxy)"; }
grep -E "Spearman|search" "$TMP/proxy.log"
first=$(awk -F, '$1 == 1 {print $3}' "$TMP/proxy/sensitivity.csv")
[ "$first" = "/sensitive/Conv + /relu_1/Relu" ] || fail "proxy rank 1 is '$first'"
grep -q "proxy_spearman_with_accuracy" "$TMP/proxy/sensitivity.json" || fail "no Spearman correlation in the JSON"

# 2. The files agree with each other.
python3 - "$TMP/acc" <<'PY' || fail "files disagree"
import csv, json, sys, os
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, "sensitivity.csv"))))
js = json.load(open(os.path.join(d, "sensitivity.json")))
assert len(rows) == len(js["units"]), "unit counts"
assert sorted(int(r["rank"]) for r in rows) == list(range(1, len(rows) + 1)), "ranks"
for r, u in zip(rows, js["units"]):
    assert r["unit"] == u["unit"] and int(r["rank"]) == u["rank"], r["unit"]
    assert r["layers"].split(";") == u["layers"], r["unit"]
    assert int(r["images"]) == u["images"], r["unit"]
    assert abs(float(r["accuracy"]) - 100 * u["accuracy"]) < 0.006, r["unit"]
    assert abs(float(r["drop"]) - 100 * u["drop"]) < 0.006, r["unit"]
steps = list(csv.DictReader(open(os.path.join(d, "search.csv"))))
assert [s["unit"] for s in steps] == [s["unit"] for s in js["search"]["steps"]], "steps"
layers = [l.strip() for l in open(os.path.join(d, "keep-layers.txt")) if l.strip() and not l.startswith("#")]
want = [l for s in steps for l in s["layers"].split(";")]
assert layers == want, (layers, want)
assert js["search"]["target_met"], "target"
print("files agree:", len(rows), "units,", len(steps), "search steps")
PY

# 3. The keep list through model-compiler and image-classifier.
fp32=$("$BIN/model-compiler" -m=$SENS -load-profile="$TMP/acc/profile.yaml" \
  -keep-original-precision-for-layers=@"$TMP/acc/keep-layers.txt" -list-layers |
  awk '$NF == "FP32" {print $1}' | tr '\n' ' ')
[ "$fp32" = "/sensitive/Conv /relu_1/Relu " ] || fail "model-compiler keeps '$fp32' FP32"
want=$(sed -n 's/.*units FP32 \([0-9.]*\)%.*/\1/p' "$TMP/acc/keep-layers.txt")
got=$("$BIN/image-classifier" -m=$SENS -backend=$BACKEND "${PP[@]}" "${TEST[@]}" -minibatch=100 \
  -load-profile="$TMP/acc/profile.yaml" -keep-original-precision-for-layers=@"$TMP/acc/keep-layers.txt" |
  sed -n 's/.*top-1 accuracy \([0-9.]*\)%.*/\1/p')
echo "keep list: tuner says $want%, image-classifier $got%"
[ -n "$want" ] && [ "$want" = "$got" ] || fail "accuracy with the keep list: tuner $want, image-classifier $got"
# The same choice as -layer-precision: the same FP32 layers, the same accuracy.
fp32lp=$("$BIN/model-compiler" -m=$SENS -load-profile="$TMP/acc/profile.yaml" \
  -layer-precision=@"$TMP/acc/layer-precision.txt" -list-layers |
  awk '$NF == "FP32" {print $1}' | tr '\n' ' ')
[ "$fp32lp" = "$fp32" ] || fail "layer-precision.txt keeps '$fp32lp' FP32, keep-layers.txt '$fp32'"
gotlp=$("$BIN/image-classifier" -m=$SENS -backend=$BACKEND "${PP[@]}" "${TEST[@]}" -minibatch=100 \
  -load-profile="$TMP/acc/profile.yaml" -layer-precision=@"$TMP/acc/layer-precision.txt" |
  sed -n 's/.*top-1 accuracy \([0-9.]*\)%.*/\1/p')
echo "layer precisions: image-classifier $gotlp%"
[ "$gotlp" = "$want" ] || fail "accuracy with layer-precision.txt: $gotlp, tuner $want"

if [ "$BACKEND" != CPU ]; then
  echo "precision-tuner on $BACKEND: $failures failures"
  [ $failures -eq 0 ]; exit
fi

# 3b. -objective=size over fp32,int8,w4a8: the steps only add bytes, the
# answer meets the target below the FP32 size, and its layer-precision.txt
# gives image-classifier the accuracy the tuner reports.
tuner -m=$SENS -load-profile="$TMP/acc/profile.yaml" -objective=size \
  -search-precisions=fp32,int8,w4a8 -output-dir="$TMP/size" > "$TMP/size.log" 2>&1 ||
  { cat "$TMP/size.log"; fail "tuner -objective=size"; }
grep "size search" "$TMP/size.log"
/usr/bin/python3 - "$TMP/size" "$TMP/size.log" <<'PY' || fail "size search files"
import csv, re, sys
d, log = sys.argv[1], open(sys.argv[2]).read()
m = re.search(r"size search: ([0-9.]+)% with (\d+) weight bytes \(FP32 ([0-9.]+)% "
              r"with (\d+), target ([0-9.]+)%: met\)", log)
assert m, "summary line"
acc, size, fp32acc, fp32size, target = (float(m.group(i)) for i in range(1, 6))
rows = list(csv.DictReader(open(d + "/size-search.csv")))
sizes = [int(r["weight_bytes"]) for r in rows]
assert sizes == sorted(sizes), sizes
assert sizes[-1] == size < fp32size, (size, fp32size)
assert float(rows[-1]["accuracy"]) == acc >= target, (acc, target)
lines = [l.split() for l in open(d + "/layer-precision.txt") if l.strip() and not l.startswith("#")]
prec = {l[0]: l[1] for l in lines}
assert "w4a8" in prec.values(), "no w4a8 layer"
keep = [l.strip() for l in open(d + "/keep-layers.txt") if l.strip() and not l.startswith("#")]
assert keep == [k for k, v in prec.items() if v == "fp32"], (keep, prec)
svg = open(d + "/size-frontier.svg").read()
assert svg.count("<circle") == len(rows) + 1, "one point a step and FP32"
print("size search files agree:", len(rows), "steps,", size, "of", fp32size,
      "bytes,", sum(v == "w4a8" for v in prec.values()), "w4a8 layers")
PY
wantsz=$(sed -n 's/^size search: \([0-9.]*\)% .*/\1/p' "$TMP/size.log")
gotsz=$("$BIN/image-classifier" -m=$SENS -backend=CPU "${PP[@]}" "${TEST[@]}" -minibatch=100 \
  -load-profile="$TMP/acc/profile.yaml" -layer-precision=@"$TMP/size/layer-precision.txt" |
  sed -n 's/.*top-1 accuracy \([0-9.]*\)%.*/\1/p')
echo "size search: tuner says $wantsz%, image-classifier $gotsz%"
[ -n "$wantsz" ] && [ "$gotsz" = "$wantsz" ] || fail "accuracy with the size search's precisions: $gotsz, tuner $wantsz"
for bad in "-search-precisions=fp32,fp16|unknown precision 'fp16'" \
           "-search-precisions=fp32,w4a8|need -objective=size"; do
  flag=${bad%%|*} pattern=${bad#*|}
  out=$(tuner -m=$SENS -objective=accuracy -output-dir="$TMP/bad" $flag 2>&1 >/dev/null)
  if [ $? -ne 0 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "$pattern"; then
    echo "ok   $flag: $out"
  else
    fail "$flag: '$out'"
  fi
done

# 4. Kill and resume: the same files as an uninterrupted run.
R18=(-m=tests/models/resnet18.onnx -group-activations=false)
tuner "${R18[@]}" -output-dir="$TMP/whole" > /dev/null 2>&1 || fail "uninterrupted run"
# (the tool itself in the background, so that the kill reaches it)
"$BIN/precision-tuner" -backend=CPU "${PP[@]}" "${TEST[@]}" "${CAL[@]}" \
  "${R18[@]}" -output-dir="$TMP/killed" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  n=$(grep -c '^M ' "$TMP/killed/checkpoint.txt" 2>/dev/null || true)
  [ "${n:-0}" -ge 12 ] && break
  sleep 0.02
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
n=$(grep -c '^M ' "$TMP/killed/checkpoint.txt")
total=$(grep -c '^M ' "$TMP/whole/checkpoint.txt")
echo "killed after $n of $total measurements"
[ "$n" -lt "$total" ] || fail "the run finished before it was killed"
tuner "${R18[@]}" -output-dir="$TMP/killed" > "$TMP/resume.log" 2>&1 || { cat "$TMP/resume.log"; fail "resumed run"; }
grep "resuming" "$TMP/resume.log" || fail "the restarted run did not resume"
for f in sensitivity.csv sensitivity.json sensitivity.svg search.csv keep-layers.txt; do
  cmp -s "$TMP/whole/$f" "$TMP/killed/$f" || fail "$f differs after kill and resume"
done

# 5. Checkpoints of other settings, and damaged ones, are refused.
expect_refusal() {
  local what=$1 pattern=$2; shift 2
  if out=$(tuner "$@" 2>&1 >/dev/null); then
    fail "$what: accepted"
  elif [ "$(echo "$out" | wc -l)" -ne 1 ] || ! echo "$out" | grep -q "$pattern"; then
    fail "$what: '$out'"
  else
    echo "ok   $what: $out"
  fi
}
expect_refusal "other settings" "written with other settings" "${R18[@]}" -output-dir="$TMP/whole" -quantization-weight-bits=6
cp -r "$TMP/whole" "$TMP/damaged"
sed -i '5s/ 0\.\([0-9]\)/ 0.9\1/' "$TMP/damaged/checkpoint.txt"
expect_refusal "damaged checkpoint" "is corrupt at line 5" "${R18[@]}" -output-dir="$TMP/damaged"
cmp -s "$TMP/whole/profile.yaml" "$TMP/damaged/profile.yaml" || fail "a refused run changed profile.yaml"
# A checkpoint that is a link to a device is refused, not read forever.
rm -rf "$TMP/devlink"; cp -r "$TMP/whole" "$TMP/devlink"
ln -sf /dev/zero "$TMP/devlink/checkpoint.txt"
expect_refusal "checkpoint linked to /dev/zero" "checkpoint '.*': it is a device" \
  "${R18[@]}" -output-dir="$TMP/devlink"
# A forged line whose checksum is right but whose value no measurement gives.
for bad in nan 1e308 -5; do
  rm -rf "$TMP/forged"; cp -r "$TMP/whole" "$TMP/forged"
  python3 - "$TMP/forged/checkpoint.txt" "$bad" <<'PY'
import sys, zlib
path, bad = sys.argv[1:3]
lines = open(path).read().split("\n")
f = lines[4].split(" ")
f[2] = bad
body = " ".join(f[:5])
lines[4] = body + " %08x" % zlib.crc32(body.encode())
open(path, "w").write("\n".join(lines))
PY
  expect_refusal "forged checkpoint accuracy $bad" "corrupt at line 5 (measurement out of range)" \
    "${R18[@]}" -output-dir="$TMP/forged"
done

# 6. Every unit on every image both ways: the same accuracy and SQNR.
for st in fast naive; do
  tuner -m=$SENS -group-activations=false -search=false -subset-images=2000 \
    -strategy=$st -output-dir="$TMP/$st" > "$TMP/$st.log" 2>&1 || { cat "$TMP/$st.log"; fail "tuner -strategy=$st"; }
done
python3 - "$TMP/fast/sensitivity.csv" "$TMP/naive/sensitivity.csv" <<'PY' || fail "fast and naive studies disagree"
import csv, sys
fast, naive = ({r["unit"]: r for r in csv.DictReader(open(p))} for p in sys.argv[1:3])
assert fast.keys() == naive.keys() and len(fast) >= 8, (len(fast), len(naive))
for u in fast:
    for col in ("images", "accuracy", "sqnr_db"):
        assert fast[u][col] == naive[u][col], (u, col, fast[u][col], naive[u][col])
print("fast and naive agree on", len(fast), "units")
PY

echo "precision-tuner: $failures failures"
[ $failures -eq 0 ]
