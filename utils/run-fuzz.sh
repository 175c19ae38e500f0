#!/usr/bin/env bash
# Fuzzes every target of tests/fuzz for SECONDS each (default 60):
#   utils/run-fuzz.sh [SECONDS]
# - configures build-fuzz (clang-15, RelWithDebInfo, GLOW_FUZZ=ON: ASan +
#   UBSan + libFuzzer) if needed and builds the fuzz targets;
# - makes the seed corpora (tests/fuzz/make_seeds.sh; a profile seed is
#   dumped with image-classifier from $GLOW_BIN, default build/bin, when
#   it is there);
# - runs each target with libFuzzer in fork mode (-fork=1 -ignore_crashes
#   -ignore_timeouts -ignore_ooms, so one bug does not end the run) on its
#   working corpus build-fuzz/corpus/TARGET (kept between runs, grows);
# - copies every crash, timeout, OOM or leak input into
#   tests/fuzz/regressions/TARGET/ (replayed by ctest FuzzRegression) and
#   prints one summary line per target.
# Exits 1 if any target produced a crash, leak, timeout or OOM input (the
# loaders work within a memory budget, so an OOM is a bug too).
# Environment: JOBS (ninja parallelism, default 2), FUZZ_TARGETS (default:
# all), FUZZ_FLAGS (extra libFuzzer flags), GLOW_BIN, FUZZ_REUSE_SEEDS=1
# (keep build-fuzz/seeds as it is: for several runs in parallel, each on
# its own targets).
set -uo pipefail
T=${1:-60}
cd "$(dirname "$0")/.."
ROOT=$PWD
B=$ROOT/build-fuzz
JOBS=${JOBS:-2}
TARGETS=${FUZZ_TARGETS:-"onnx_loader profile png jpeg idx keep_list checkpoint"}

if [ ! -f "$B/build.ninja" ]; then
  mkdir -p "$B"
  CC=clang-15 CXX=clang++-15 cmake -S . -B "$B" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGLOW_FUZZ=ON > "$B/configure.log" 2>&1 ||
    { cat "$B/configure.log"; echo "run-fuzz.sh: configure failed" >&2; exit 2; }
fi
start=$SECONDS
ninja -C "$B" -j"$JOBS" fuzz-targets fuzz-replay ||
  { echo "run-fuzz.sh: build failed" >&2; exit 2; }
echo "build-fuzz: fuzz targets built in $((SECONDS - start)) s"

if [ -z "${FUZZ_REUSE_SEEDS:-}" ] || [ ! -d "$B/seeds" ]; then
  bash tests/fuzz/make_seeds.sh "$B/seeds" "${GLOW_BIN:-$ROOT/build/bin}"
fi

# UBSan errors abort (the build uses -fno-sanitize-recover); the stack goes
# into the log. Leaks are reported per input by libFuzzer itself.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
status=0
summary=()
for t in $TARGETS; do
  exe=$B/bin/fuzz_$t
  corpus=$B/corpus/fuzz_$t
  art=$B/artifacts/fuzz_$t
  reg=tests/fuzz/regressions/fuzz_$t
  log=$B/fuzz_$t.log
  mkdir -p "$corpus" "$art" "$reg"
  rm -f "$art"/*
  echo "=== fuzz_$t: $T s (log: $log)"
  "$exe" -max_total_time="$T" -rss_limit_mb=2048 -timeout=20 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$art/" ${FUZZ_FLAGS:-} \
    "$corpus" "$B/seeds/fuzz_$t" > "$log" 2>&1
  rc=$?
  # Fork mode's status lines: "#RUNS: cov: C ft: F corp: N exec/s: E
  # oom/timeout/crash: O/T/C time: Ss job: J ...".
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -n 1)
  runs=$(sed -E 's/^#([0-9]+):.*/\1/' <<< "$last")
  cov=$(sed -E 's/.* cov: ([0-9]+) .*/\1/' <<< "$last")
  corp=$(sed -E 's/.* corp: ([0-9]+) .*/\1/' <<< "$last")
  files=$(find "$corpus" -type f | wc -l)
  crashes=0; others=0; names=""
  for a in "$art"/*; do
    [ -f "$a" ] || continue
    base=$(basename "$a")
    case "$base" in
      crash-*|leak-*|timeout-*|oom-*) ;;
      *) continue ;;
    esac
    cp -n "$a" "$reg/$base"
    case "$base" in crash-*|leak-*) crashes=$((crashes + 1)) ;; *) others=$((others + 1)) ;; esac
    names+=" $base"
  done
  if [ -z "$last" ] && [ $rc -ne 0 ]; then
    # libFuzzer did not even start fuzzing (bad seed crashes at start-up ...).
    crashes=$((crashes + 1))
    names+=" (fuzzer exited $rc before fuzzing; see $log)"
  fi
  line=$(printf 'fuzz_%-12s runs: %-9s cov: %-6s corpus: %-5s (%s files in corpus/) crashes/leaks: %s timeouts/ooms: %s%s' \
         "$t" "${runs:-?}" "${cov:-?}" "${corp:-?}" "$files" "$crashes" "$others" "$names")
  echo "$line"
  summary+=("$line")
  [ $((crashes + others)) -eq 0 ] || status=1
done
echo
echo "=== Summary (${T} s per target; new inputs copied to tests/fuzz/regressions/)"
printf '%s\n' "${summary[@]}"
exit $status
