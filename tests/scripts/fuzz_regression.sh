#!/usr/bin/env bash
# Replays every input of tests/fuzz/regressions/TARGET/ (crash reproducers
# found by utils/run-fuzz.sh, kept so that the bugs stay fixed) and the
# repository's own sample files through each fuzz target once, with the
# replay_<target> drivers of tests/fuzz (libFuzzer-free; under the
# sanitizer build of utils/run-sanitizers.sh they run with ASan+UBSan).
# A crash, an abort, a sanitizer report or a hang fails the test.
# Usage: fuzz_regression.sh [BIN_DIR] (default $GLOW_BIN or build/bin).
set -u
BIN=${1:-${GLOW_BIN:-build/bin}}
R=tests/fuzz/regressions
shopt -s nullglob
failures=0
# Under the sanitizer builds: stop at the first error (leaks included).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

replay() {
  local target=$1; shift
  local exe=$BIN/replay_$target
  if [ ! -x "$exe" ]; then
    echo "FAIL $target: $exe not built"; failures=$((failures + 1)); return
  fi
  local inputs=("$R/fuzz_$target" "$@")
  local log; log=$(mktemp)
  timeout 300 "$exe" "${inputs[@]}" > "$log" 2>&1
  local status=$?
  local ran; ran=$(grep -c '^Running: ' "$log")
  if [ $status -ne 0 ]; then
    echo "FAIL $target: exit status $status after $ran inputs; last lines:"
    tail -n 30 "$log"
    failures=$((failures + 1))
  else
    echo "ok   $target: $ran inputs"
  fi
  rm -f "$log"
}

replay onnx_loader tests/models/*.onnx
replay profile
replay png tests/images
replay jpeg tests/images
replay idx
replay keep_list examples/bundles/keep-layers.txt
replay checkpoint

[ $failures -eq 0 ] || { echo "$failures fuzz target(s) failed"; exit 1; }
echo "FuzzRegression: all targets replayed cleanly"
