# Sourced by the bad-input script tests. Needs TMP (a scratch directory)
# and counts into `checks` and `failures`.
checks=${checks:-0}
failures=${failures:-0}

# expect_error NAME PATTERN COMMAND...: the command must exit with 1..123,
# print exactly one line on stderr matching PATTERN and nothing on stdout,
# within 60 s (a hang is a failure, as is a signal).
expect_error() {
  local name=$1 pattern=$2; shift 2
  checks=$((checks + 1))
  timeout 60 "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
  local status=$?
  local lines; lines=$(wc -l < "$TMP/err")
  if [ $status -eq 0 ] || [ $status -ge 124 ]; then
    echo "FAIL $name: exit status $status"; head -c 600 "$TMP/err"
    failures=$((failures + 1))
  elif [ "$lines" -ne 1 ]; then
    echo "FAIL $name: $lines lines on stderr:"; head -c 600 "$TMP/err"
    failures=$((failures + 1))
  elif ! grep -q -E -e "$pattern" "$TMP/err"; then
    echo "FAIL $name: stderr does not match '$pattern':"; cat "$TMP/err"
    failures=$((failures + 1))
  elif [ -s "$TMP/out" ]; then
    echo "FAIL $name: printed a result:"; head -c 600 "$TMP/out"
    failures=$((failures + 1))
  else
    echo "ok   $name (exit $status): $(cat "$TMP/err")"
  fi
}
