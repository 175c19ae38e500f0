#!/usr/bin/env bash
# Runs model-runner -onnx-test-dir on every ONNX backend test listed in
# tests/onnx-conformance-tests.txt (node tests by name, the pytorch-converted
# and pytorch-operator suites as SUITE/NAME); fails if any listed test fails.
# Usage: onnx_conformance.sh [BACKEND]   (default Interpreter)
set -u
BIN=${GLOW_BIN:-build/bin}
BACKEND=${1:-Interpreter}
DATA=/usr/share/libonnx-testdata/data
LIST=tests/onnx-conformance-tests.txt
if [ ! -d "$DATA/node" ]; then
  echo "SKIP: $DATA not found (install libonnx-testdata)"
  exit 77
fi
source tests/scripts/require_backend.sh
require_backend "$BACKEND"
ran=0; passed=0; failed=()
while read -r t; do
  case "$t" in ''|'#'*) continue ;; esac
  ran=$((ran + 1))
  case "$t" in */*) dir="$DATA/$t" ;; *) dir="$DATA/node/$t" ;; esac
  if out=$("$BIN/model-runner" -backend="$BACKEND" -onnx-test-dir="$dir" 2>&1); then
    passed=$((passed + 1))
  else
    failed+=("$t")
    echo "FAILED $t:"; echo "$out" | grep -v '^PASS' | head -5
  fi
done < "$LIST"
echo "ONNX conformance on $BACKEND: ran $ran listed tests, $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
