#!/usr/bin/env bash
# precision-tuner under mpirun (Open MPI, ranks on this machine only):
# - one process, and mpirun with 1, 2 and 3 ranks, write the same files,
#   byte for byte (the tables, the figure, the keep lists, the profile and
#   the checkpoint), with a minibatch that leaves a short last block;
# - the size search (-objective=size) too, with 1 and 2 ranks;
# - a rank killed with SIGKILL half way ends the whole run with a non-zero
#   exit and mpirun's message naming the rank; the run resumed from the
#   checkpoint with another number of ranks (3) writes the same files as
#   the uninterrupted one.
# Usage: precision_tuner_mpi.sh WITH_MPI (ON/OFF, from CMake). Skipped
# (77) when the build has no MPI, mpirun is missing or Fashion-MNIST is.
set -u
BIN=${GLOW_BIN:-build/bin}
if [ "${1:-OFF}" != ON ]; then
  echo "SKIP: built without MPI (apt-get install openmpi-bin libopenmpi-dev, then reconfigure)"; exit 77
fi
if ! command -v mpirun > /dev/null; then
  echo "SKIP: mpirun not found (apt-get install openmpi-bin)"; exit 77
fi
D=/usr/share/datasets/fashion-mnist
if [ ! -f "$D/t10k-images-idx3-ubyte.gz" ]; then
  echo "SKIP: $D not found (install dataset-fashion-mnist)"; exit 77
fi
# Open MPI refuses root unless told; CI runs as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ARGS=(-backend=CPU -num-threads=1 -quiet -image-mode=0to1 -mean=72.93 -stddev=0.353
  -input-dataset=idx:$D/t10k-images-idx3-ubyte.gz,$D/t10k-labels-idx1-ubyte.gz
  -calibration-dataset=idx:$D/train-images-idx3-ubyte.gz,$D/train-labels-idx1-ubyte.gz
  -calibration-limit=300)
MPI=(mpirun --oversubscribe --bind-to none)

same_files() { # same_files DIR_A DIR_B WHAT
  local n=0
  for f in "$1"/*; do
    n=$((n + 1))
    cmp -s "$f" "$2/$(basename "$f")" || fail "$3: $(basename "$f") differs"
  done
  [ "$(ls "$1" | wc -l)" = "$(ls "$2" | wc -l)" ] || fail "$3: other files"
  echo "$3: $n files compared"
}

# 1. Ranks 1, 2, 3 against one process.
SENS=(-m=tests/models/sensitive_cnn.onnx -dataset-limit=1000 -minibatch=64)
"$BIN/precision-tuner" "${ARGS[@]}" "${SENS[@]}" -output-dir="$TMP/p1" > "$TMP/p1.log" 2>&1 ||
  { cat "$TMP/p1.log"; fail "one process"; }
tail -n 1 "$TMP/p1.log"
for np in 1 2 3; do
  "${MPI[@]}" -np $np "$BIN/precision-tuner" "${ARGS[@]}" "${SENS[@]}" \
    -output-dir="$TMP/r$np" > "$TMP/r$np.log" 2>&1 || { cat "$TMP/r$np.log"; fail "mpirun -np $np"; }
  tail -n 1 "$TMP/r$np.log"
  same_files "$TMP/p1" "$TMP/r$np" "mpirun -np $np"
done
[ "$np" = 3 ] && grep -q ", 3 ranks" "$TMP/r3.log" || fail "the 3-rank run does not say it ran on 3 ranks"

# 2. The size search, 1 process against 2 ranks.
SIZE=(-m=tests/models/sensitive_cnn.onnx -dataset-limit=300 -minibatch=50 -objective=size
  -search-precisions=fp32,int8,w4a8 -search=true -max-accuracy-drop=0.5)
"$BIN/precision-tuner" "${ARGS[@]}" "${SIZE[@]}" -output-dir="$TMP/s1" > "$TMP/s1.log" 2>&1 ||
  { cat "$TMP/s1.log"; fail "size search, one process"; }
"${MPI[@]}" -np 2 "$BIN/precision-tuner" "${ARGS[@]}" "${SIZE[@]}" -output-dir="$TMP/s2" > "$TMP/s2.log" 2>&1 ||
  { cat "$TMP/s2.log"; fail "size search, 2 ranks"; }
grep "size search:" "$TMP/s2.log"
same_files "$TMP/s1" "$TMP/s2" "size search, 2 ranks"

# 3. Kill rank 1 half way, resume with 3 ranks.
BIG=(-m=tests/models/resnet18.onnx -dataset-limit=2000 -minibatch=100)
"$BIN/precision-tuner" "${ARGS[@]}" "${BIG[@]}" -output-dir="$TMP/whole" > "$TMP/whole.log" 2>&1 ||
  { cat "$TMP/whole.log"; fail "uninterrupted run"; }
"${MPI[@]}" -np 2 "$BIN/precision-tuner" "${ARGS[@]}" "${BIG[@]}" -output-dir="$TMP/killed" > "$TMP/killed.log" 2>&1 &
MP=$!
lines=0
for _ in $(seq 600); do
  lines=$(grep -c "^M " "$TMP/killed/checkpoint.txt" 2> /dev/null || true)
  [ "${lines:-0}" -ge 8 ] && break
  sleep 0.1
done
killed=no
for p in $(pgrep -P $MP); do
  if tr '\0' '\n' < /proc/$p/environ 2> /dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1"; then
    kill -9 "$p" && killed=yes
  fi
done
timeout 120 tail --pid=$MP -f /dev/null
wait $MP
status=$?
echo "killed rank 1 after $lines measurements: exit $status; $(grep -m1 'noticed that process rank' "$TMP/killed.log")"
[ $killed = yes ] || fail "found no rank 1 to kill"
[ $status -ne 0 ] || fail "the run with a killed rank exited 0"
grep -q "process rank 1 .* exited on signal 9" "$TMP/killed.log" || fail "no message naming the killed rank"
"${MPI[@]}" -np 3 "$BIN/precision-tuner" "${ARGS[@]}" "${BIG[@]}" -output-dir="$TMP/killed" > "$TMP/resumed.log" 2>&1 ||
  { cat "$TMP/resumed.log"; fail "resumed run"; }
grep "resuming:" "$TMP/resumed.log" || fail "the resumed run read no checkpoint"
same_files "$TMP/whole" "$TMP/killed" "killed and resumed with 3 ranks"

# -help and a bad flag under mpirun end every rank before MPI starts, as a
# program without MPI would: the usage or our error, printed once (by rank
# 0, not interleaved copies), no complaint from mpirun about a rank that
# left without finalizing MPI, no wait.
"${MPI[@]}" -np 2 "$BIN/precision-tuner" -help > "$TMP/help.log" 2>&1 ||
  fail "mpirun precision-tuner -help did not exit 0"
grep -q "^OVERVIEW: Measure the INT8 sensitivity" "$TMP/help.log" || fail "-help under mpirun printed no usage"
if "${MPI[@]}" -np 2 "$BIN/precision-tuner" -no-such-flag > "$TMP/flag.log" 2>&1; then
  fail "a bad flag under mpirun exited 0"
fi
grep -q "Unknown command line argument '-no-such-flag'" "$TMP/flag.log" || fail "a bad flag under mpirun: no error naming it"
[ "$(grep -c OVERVIEW "$TMP/help.log")" = 1 ] || fail "-help under mpirun: not exactly one usage"
[ "$(grep -c "no-such-flag" "$TMP/flag.log")" = 1 ] || fail "a bad flag under mpirun: not exactly one error"
# An error every rank meets after MPI started: rank 0's one message.
if "${MPI[@]}" -np 2 "$BIN/precision-tuner" "${ARGS[@]}" "${SENS[@]}" > "$TMP/noout.log" 2>&1; then
  fail "no -output-dir under mpirun exited 0"
fi
[ "$(grep -c "error: give -output-dir" "$TMP/noout.log")" = 1 ] || fail "no -output-dir under mpirun: not exactly one error"
if grep -q "exiting improperly" "$TMP/help.log" "$TMP/flag.log"; then
  fail "mpirun says a rank ended without finalizing MPI"
fi
echo "-help and a bad flag under mpirun: $(grep -c OVERVIEW "$TMP/help.log") usage(s), exit codes as without MPI"

echo "precision-tuner on MPI: $failures failures"
[ $failures -eq 0 ]
