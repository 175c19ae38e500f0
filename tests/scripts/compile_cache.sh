#!/usr/bin/env bash
# -compile-cache (CPU backend): image-classifier on the bundled ResNet-18,
# FP32 and INT8, prints the same results with no cache, with a cold cache,
# a warm one (every part read back, said at -v=1), a cache whose every file
# was damaged (all parts compiled again, files replaced, then read back
# again), and a cache folder that cannot be created (compiled as usual).
set -u
BIN=${GLOW_BIN:-build/bin}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
IMGS=(tests/images/fashion/*.png)
PP=(-m=tests/models/resnet18.onnx -backend=CPU -num-threads=1 -image-mode=0to1
  -mean=72.93 -stddev=0.353 -minibatch=10 -topk=3)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for mode in fp32 int8; do
  extra=()
  [ $mode = int8 ] && extra=(-load-profile=tests/models/resnet18.profile-r1.yaml)
  run() { # run NAME [flags...]: stdout without the timing summary
    local name=$1; shift
    "$BIN/image-classifier" "${PP[@]}" "${extra[@]}" -v=1 "$@" "${IMGS[@]}" \
      > "$TMP/$mode.$name.out" 2> "$TMP/$mode.$name.err" || fail "$mode $name: exit $?"
    sed -i 's/, [0-9.]* s, [0-9.]* images\/s/, T/' "$TMP/$mode.$name.out"
    grep -o "[0-9]* of [0-9]* parts from the compile cache" "$TMP/$mode.$name.err" | head -1
  }
  C="$TMP/cache-$mode"
  run none > /dev/null
  cold=$(run cold -compile-cache="$C")
  warm=$(run warm -compile-cache="$C")
  for f in "$C"/*.o; do
    printf 'XXXXXXXX' | dd of="$f" bs=1 seek=200 conv=notrunc status=none
  done
  damaged=$(run damaged -compile-cache="$C")
  again=$(run again -compile-cache="$C")
  run nodir -compile-cache=/dev/null/cache > /dev/null
  echo "$mode: cold '$cold', warm '$warm', damaged '$damaged', again '$again'"
  n=$(ls "$C"/*.o | wc -l)
  [ "$n" -gt 0 ] || fail "$mode: nothing in the cache"
  [ "$cold" = "0 of $n parts from the compile cache" ] || fail "$mode: cold run read '$cold'"
  [ "$warm" = "$n of $n parts from the compile cache" ] || fail "$mode: warm run read '$warm'"
  [ "$damaged" = "0 of $n parts from the compile cache" ] || fail "$mode: damaged files were used: '$damaged'"
  [ "$again" = "$n of $n parts from the compile cache" ] || fail "$mode: damaged files were not replaced: '$again'"
  for name in cold warm damaged again nodir; do
    cmp -s "$TMP/$mode.none.out" "$TMP/$mode.$name.out" || fail "$mode: results differ with the $name cache"
  done
  grep -q "Summary: 100 images" "$TMP/$mode.none.out" || fail "$mode: no summary"
done
echo "compile cache: $failures failures"
[ $failures -eq 0 ]
