#!/usr/bin/env bash
# The tools behave like Glow's: -help lists the flags, per-image lines have
# Glow's format, -expected-labels makes the exit status the number of
# mismatches, -dump-graph-DOT writes the optimized graph, model-runner prints
# the outputs for given input tensors.
set -u
BIN=${GLOW_BIN:-build/bin}
MODEL=tests/models/resnet18.onnx
PP="-image-mode=0to1 -mean=72.93 -stddev=0.353"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0; checks=0
check() { # check NAME CONDITION-STATUS
  checks=$((checks + 1))
  if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi
}

"$BIN/image-classifier" -help > "$TMP/help" 2>&1
grep -q -- "-image-mode" "$TMP/help" && grep -q -- "-minibatch" "$TMP/help" &&
  grep -q -- "-input-dataset" "$TMP/help" && grep -q -- "-backend" "$TMP/help" &&
  grep -q -- "-dump-graph-DOT" "$TMP/help" && grep -q -- "-model-input" "$TMP/help"
check "image-classifier -help lists its flags" $?
"$BIN/model-runner" -help > "$TMP/help" 2>&1
grep -q -- "-onnx-test-dir" "$TMP/help" && grep -q -- "-backend" "$TMP/help"
check "model-runner -help lists its flags" $?

# Three images whose labels are in their names; expected labels that are
# wrong for exactly two of them (the label in the name is right: see the
# reference test) make the exit status 2.
imgs=(tests/images/fashion/fmnist_0000_9.png tests/images/fashion/fmnist_0101_6.png
      tests/images/fashion/fmnist_0202_2.png)
"$BIN/image-classifier" -m=$MODEL $PP -topk=2 -compute-softmax "${imgs[@]}" > "$TMP/out"
check "image-classifier exits 0 without -expected-labels" $?
# Glow's line: " File: PATH<TAB>Label-K1: IDX (probability: P)", K2 on its own line.
[ "$(grep -c -P '^ File: tests/images/fashion/fmnist_\d{4}_\d\.png\tLabel-K1: \d+ \(probability: [01]\.\d{4}\)$' "$TMP/out")" -eq 3 ]
check "per-image lines have Glow's format" $?
[ "$(grep -c -P '^\tLabel-K2: \d+ \(probability: [01]\.\d{4}\)$' "$TMP/out")" -eq 3 ]
check "top-2 lines have Glow's format" $?
grep -q -P '^Summary: 3 images, top-1 accuracy [0-9.]+% \(\d/3\), top-5 accuracy [0-9.]+%, [0-9.]+ s, [0-9.]+ images/s' "$TMP/out"
check "summary line" $?
top1=$(grep -o 'Label-K1: [0-9]*' "$TMP/out" | cut -d' ' -f2 | paste -sd,)
"$BIN/image-classifier" -m=$MODEL $PP -expected-labels="$top1" "${imgs[@]}" > /dev/null
check "exit status 0 when every expected label is predicted" $?
wrong=$(echo "$top1" | awk -F, '{ printf "%d,%d,%d", ($1+1)%10, ($2+1)%10, $3 }')
"$BIN/image-classifier" -m=$MODEL $PP -expected-labels="$wrong" "${imgs[@]}" > /dev/null
[ $? -eq 2 ]
check "exit status is the number of mismatches (2)" $?

"$BIN/image-classifier" -m=$MODEL $PP -dump-graph-DOT="$TMP/g.dot" "${imgs[0]}" > /dev/null
grep -q '^digraph' "$TMP/g.dot" && grep -q '/conv1/Conv' "$TMP/g.dot" &&
  grep -q '/fc/Gemm' "$TMP/g.dot" && ! grep -q 'BatchNormalization' "$TMP/g.dot"
check "-dump-graph-DOT writes the optimized graph (BatchNorm folded)" $?
[ "$(grep -c 'label="{Convolution|' "$TMP/g.dot")" -eq 20 ]
check "DOT shows the 20 convolutions" $?

# Precision: profile on a few sample images, keep two layers FP32 (one of
# them from a file with a comment), list the layers.
"$BIN/image-classifier" -m=$MODEL $PP -dump-profile="$TMP/p.yaml" "${imgs[@]}" > /dev/null
printf '# first layer\n/conv1/Conv\n\n/fc/Gemm   # classifier\n' > "$TMP/keep.txt"
"$BIN/model-compiler" -m=$MODEL -load-profile="$TMP/p.yaml" \
  -keep-original-precision-for-layers=@"$TMP/keep.txt" -list-layers \
  -dump-graph-DOT="$TMP/q.dot" > "$TMP/layers"
[ "$(grep -c -v '^#' "$TMP/layers")" -eq 48 ] &&
  grep -q -E '^/conv1/Conv +Convolution +\[1, 16, 28, 28\] +FP32$' "$TMP/layers" &&
  grep -q -E '^/fc/Gemm +FullyConnected +\[1, 10\] +FP32$' "$TMP/layers" &&
  grep -q -E '^/relu/Relu +Relu +\[1, 16, 28, 28\] +INT8$' "$TMP/layers" &&
  grep -q '^# 48 layers: 46 INT8, 2 FP32; 2 precision conversions$' "$TMP/layers"
check "-list-layers with a keep-list file: 46 INT8, 2 FP32" $?
grep -q 'fillcolor="#b3de69".*Relu|/relu/Relu' "$TMP/q.dot" &&
  grep -q 'fillcolor="#80b1d3".*Convolution|/conv1/Conv|' "$TMP/q.dot" &&
  grep -q 'i8\[S:' "$TMP/q.dot"
check "DOT colours INT8 and FP32 layers differently and shows scale/offset" $?

# Profiles written by the first release still load: the fixture was dumped
# by release 1 (commit 1e44406) from tests/images/fashion with 16 histogram
# bins; INT8 with it classifies like INT8 with the profile this build dumps
# from the same images (same ranges, same scales).
fashion=(tests/images/fashion/*.png)
"$BIN/image-classifier" -m=$MODEL $PP -dump-profile="$TMP/r2.yaml" \
  -num-histogram-bins=16 "${fashion[@]}" > /dev/null &&
  "$BIN/image-classifier" -m=$MODEL $PP -load-profile="$TMP/r2.yaml" \
    "${fashion[@]}" | grep -v '^Summary' > "$TMP/r2.out" &&
  "$BIN/image-classifier" -m=$MODEL $PP \
    -load-profile=tests/models/resnet18.profile-r1.yaml "${fashion[@]}" |
  grep -v '^Summary' > "$TMP/r1.out" && [ -s "$TMP/r1.out" ] &&
  cmp -s "$TMP/r1.out" "$TMP/r2.out"
check "a profile written by release 1 loads and gives the same INT8 results" $?

D=/usr/share/libonnx-testdata/data/node/test_relu
if [ -d "$D" ]; then
  "$BIN/model-runner" -m="$D/model.onnx" -input-tensor="$D/test_data_set_0/input_0.pb" > "$TMP/out"
  grep -q '^y: float<3 x 4 x 5>' "$TMP/out" && ! grep -q -- '-[0-9]' "$TMP/out"
  check "model-runner prints Relu's output (no negative values)" $?
fi
echo "tools smoke: $checks checks, $((checks - failures)) passed, $failures failed"
[ $failures -eq 0 ]
