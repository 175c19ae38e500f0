#!/usr/bin/env bash
# Bad input must give a one-line error on stderr and a non-zero exit status,
# never a crash (signal), a hang, or a result on stdout.
set -u
BIN=${GLOW_BIN:-build/bin}
MODEL=tests/models/resnet18.onnx
IMG=tests/images/fashion/fmnist_0000_9.png
PP="-image-mode=0to1 -mean=72.93 -stddev=0.353"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
head -c 100000 "$MODEL" > "$TMP/truncated.onnx"
head -c 4096 /dev/urandom > "$TMP/garbage.onnx"
printf 'not an image\n' > "$TMP/text.png"
source tests/scripts/expect_error.sh

expect_error "truncated model" "not a valid ONNX model" \
  "$BIN/image-classifier" -m="$TMP/truncated.onnx" $PP "$IMG"
expect_error "garbage model" "not a valid ONNX model" \
  "$BIN/image-classifier" -m="$TMP/garbage.onnx" $PP "$IMG"
expect_error "missing model" "cannot open" \
  "$BIN/image-classifier" -m="$TMP/none.onnx" $PP "$IMG"
expect_error "unsupported operator" "unsupported ONNX operator 'NonZero' in node 'find_nonzero'" \
  "$BIN/model-runner" -m=tests/models/unsupported_op.onnx
expect_error "wrong input shape" "Convolution filter .* does not match input channels" \
  "$BIN/image-classifier" -m="$MODEL" $PP -model-input=input,float,[1,3,28,28] "$IMG"
expect_error "missing image" "cannot open image '$TMP/none.png'" \
  "$BIN/image-classifier" -m="$MODEL" $PP "$TMP/none.png"
expect_error "non-image file" "is neither a PNG nor a JPEG file" \
  "$BIN/image-classifier" -m="$MODEL" $PP "$TMP/text.png"
expect_error "image of the wrong size" "image is 32x32 but the model input expects 28x28" \
  "$BIN/image-classifier" -m="$MODEL" $PP tests/images/bad/gray_32x32_3.png
expect_error "unknown backend" "unknown backend 'Nope'" \
  "$BIN/image-classifier" -m="$MODEL" $PP -backend=Nope "$IMG"
expect_error "bad -model-input" "bad -model-input" \
  "$BIN/image-classifier" -m="$MODEL" $PP -model-input=input,float,1x28 "$IMG"
expect_error "bad data set" "not an unsigned-byte IDX file" \
  "$BIN/image-classifier" -m="$MODEL" $PP -input-dataset=idx:"$TMP/text.png","$TMP/text.png"
expect_error "missing test dir" "no test_data_set_" \
  "$BIN/model-runner" -onnx-test-dir="$TMP"

# Quantization input. A profile of the reference model from 5 sample images,
# and one of the unsupported-op model (another graph).
"$BIN/image-classifier" -m="$MODEL" $PP -dump-profile="$TMP/p.yaml" \
  tests/images/fashion/fmnist_000*.png tests/images/fashion/fmnist_01*.png > /dev/null
printf -- '---\nGlowToolsVersion: x\n---\nGraphPreLowerHash: 1\n---\n[]\n' > "$TMP/other.yaml"
printf 'not: [yaml\n' > "$TMP/broken.yaml"
sed 's/^  Min: .*/  Min:             1000/' "$TMP/p.yaml" > "$TMP/minmax.yaml"
expect_error "profile of another graph" "profile was taken on another graph" \
  "$BIN/model-compiler" -m="$MODEL" -load-profile="$TMP/other.yaml" -list-layers
expect_error "malformed profile" "is malformed" \
  "$BIN/model-compiler" -m="$MODEL" -load-profile="$TMP/broken.yaml"
expect_error "profile with Min > Max" "has Min > Max" \
  "$BIN/model-compiler" -m="$MODEL" -load-profile="$TMP/minmax.yaml"
expect_error "missing profile" "cannot open profile" \
  "$BIN/image-classifier" -m="$MODEL" $PP -load-profile="$TMP/none.yaml" "$IMG"
expect_error "unknown layer name" "unknown layer '/conv1/Cnv'.*closest layers: '/conv1/Conv'" \
  "$BIN/model-compiler" -m="$MODEL" -load-profile="$TMP/p.yaml" \
  -keep-original-precision-for-layers=/conv1/Cnv -list-layers
expect_error "unknown node kind" "unknown node kind 'Convolutoin'" \
  "$BIN/model-compiler" -m="$MODEL" -load-profile="$TMP/p.yaml" \
  -keep-original-precision-for-nodes=Convolutoin
expect_error "keep list without a profile" "need -load-profile" \
  "$BIN/image-classifier" -m="$MODEL" $PP -keep-original-precision-for-layers=/conv1/Conv "$IMG"
expect_error "missing keep-list file" "cannot open layer list" \
  "$BIN/model-compiler" -m="$MODEL" -load-profile="$TMP/p.yaml" \
  -keep-original-precision-for-layers=@"$TMP/none.txt"

printf '/conv1/Conv int4\n' > "$TMP/lp-bad.txt"
expect_error "unknown layer precision" "line 1 of .*unknown precision 'int4' \\(fp32, int8, w4a8\\)" \
  "$BIN/model-compiler" -m="$MODEL" -load-profile="$TMP/p.yaml" \
  -layer-precision=@"$TMP/lp-bad.txt"
printf '/conv1/Conv\n' > "$TMP/lp-short.txt"
expect_error "layer precision line without a precision" "expected 'LAYER fp32\\|int8\\|w4a8'" \
  "$BIN/image-classifier" -m="$MODEL" $PP -load-profile="$TMP/p.yaml" \
  -layer-precision=@"$TMP/lp-short.txt" "$IMG"
printf '/conv1/Cnv w4a8\n' > "$TMP/lp-unknown.txt"
expect_error "unknown layer in -layer-precision" "unknown layer '/conv1/Cnv' in -layer-precision" \
  "$BIN/model-compiler" -m="$MODEL" -load-profile="$TMP/p.yaml" \
  -layer-precision=@"$TMP/lp-unknown.txt"
expect_error "layer precision without @" "takes @FILE" \
  "$BIN/model-compiler" -m="$MODEL" -load-profile="$TMP/p.yaml" \
  -layer-precision=/conv1/Conv

expect_error "bad bit width" "take 2 to 8, got 9" \
  "$BIN/model-compiler" -m="$MODEL" -load-profile="$TMP/p.yaml" -quantization-weight-bits=9

# CPU backend and bundles.
expect_error "bundle on the Interpreter" "add -backend=CPU" \
  "$BIN/model-compiler" -m="$MODEL" -emit-bundle="$TMP/b"
expect_error "bundle name not a C identifier" "is not a C identifier" \
  "$BIN/model-compiler" -m="$MODEL" -backend=CPU -emit-bundle="$TMP/b" -network-name=my-net
expect_error "unknown target CPU" "unknown -mcpu 'pentium9'" \
  "$BIN/model-compiler" -m="$MODEL" -backend=CPU -emit-bundle="$TMP/b" -mcpu=pentium9
expect_error "bundle flags without -emit-bundle" "need -emit-bundle" \
  "$BIN/model-compiler" -m="$MODEL" -backend=CPU -network-name=net
expect_error "unknown backend" "unknown backend 'GPU'" \
  "$BIN/image-classifier" -m="$MODEL" $PP -backend=GPU "$IMG"
expect_error "unknown CPU kernel variant" "unknown kernel variant 'sse9'" \
  env GLOW_CPU_KERNELS=sse9 "$BIN/image-classifier" -m="$MODEL" $PP -backend=CPU "$IMG"

if "$BIN/model-compiler" -m="$MODEL" -backend=OpenCL > /dev/null 2>&1; then
  expect_error "OpenCL platform out of range" "opencl-platform=7: there are" \
    "$BIN/image-classifier" -m="$MODEL" $PP -backend=OpenCL -opencl-platform=7 "$IMG"
fi

# Diagnostics: -v=N takes a level 0..9; -v=1 logs the phases, -v=0 nothing.
expect_error "verbosity not a number" "-v: 'x' is not a verbosity level" \
  "$BIN/model-compiler" -m="$MODEL" -v=x
checks=$((checks + 1))
"$BIN/model-compiler" -m="$MODEL" -backend=CPU -v=1 > /dev/null 2> "$TMP/v1"
"$BIN/model-compiler" -m="$MODEL" -backend=CPU > /dev/null 2> "$TMP/v0"
if grep -q "CPU: kernel planning: " "$TMP/v1" && grep -q "graph optimizer: " "$TMP/v1" \
   && grep -q "backend compile (CPU" "$TMP/v1" && [ ! -s "$TMP/v0" ]; then
  echo "ok   -v=1 logs the compile phases, no flag logs nothing"
else
  echo "FAIL -v=1 logging:"; head -c 600 "$TMP/v1"; head -c 300 "$TMP/v0"
  failures=$((failures + 1))
fi

echo "bad input: $checks checks, $((checks - failures)) passed, $failures failed"
[ $failures -eq 0 ]
