#!/usr/bin/env bash
# Run every test: unit binaries (ASan+UBSan), fuzz corpus replays, and the
# integration scripts. Each prints "N passed, N failed" last (or "N passed,
# N failed, K skipped" when some tests need the corpora of ../shared/data and
# it is missing); this sums them and ends with "N passed, N failed, K skipped"
# for the whole suite.
set -u
cd "$(dirname "$0")/.."
ASAN=build/asan
OUT=build/test-output
mkdir -p "$OUT"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export PAPERBOY_BIN="$PWD/$ASAN/paperboy"
export PAPERBOY_DATA="${PAPERBOY_DATA:-$(cd .. && pwd)/shared/data}"
export PB_TEST_OUT="$PWD/$OUT"
only="${1:-}"
# One throwaway PostgreSQL for the whole run (tests/pgserver.sh); suites
# make their own databases on it. Without PostgreSQL the PG variants skip.
if [ -z "${PB_TEST_PG:-}" ]; then
  pgdir=$(mktemp -d -u /tmp/pb-test-pg.XXXXXX)
  trap 'tests/pgserver.sh stop "$pgdir"' EXIT
  trap 'exit 130' INT TERM
  if url=$(tests/pgserver.sh start "$pgdir" 2>"$OUT/pgserver.log"); then
    export PB_TEST_PG="$url"
  else
    echo "PostgreSQL not started (see $OUT/pgserver.log): its tests skip"
  fi
fi
total_pass=0 total_fail=0 total_skip=0
failed_suites=()

run_suite() {  # name, command...
  local name="$1"; shift
  [ -n "$only" ] && [[ "$name" != *"$only"* ]] && return
  local log="$OUT/${name//\//_}.log"
  local t0=$(date +%s)
  "$@" >"$log" 2>&1
  local rc=$?
  local line p f k=0
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    if [[ "$line" =~ ,\ ([0-9]+)\ skipped ]]; then k=${BASH_REMATCH[1]}; fi
  else
    p=0 f=1
  fi
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + k))
  local sk=""
  [ "$k" -gt 0 ] && sk=", $k skipped"
  local dt=$(( $(date +%s) - t0 ))
  if [ "$f" -eq 0 ]; then
    printf 'PASS %-28s %4d passed%s (%ds)\n' "$name" "$p" "$sk" "$dt"
  else
    printf 'FAIL %-28s %4d passed, %d failed (%ds) - see %s\n' "$name" "$p" "$f" "$dt" "$log"
    grep -E '^(FAIL|  )' "$log" | head -n 20 | sed 's/^/     /'
    failed_suites+=("$name")
  fi
}

for t in "$ASAN"/unit/test_*; do
  [ -x "$t" ] || continue
  run_suite "unit/$(basename "$t")" "$t"
done
for t in "$ASAN"/fuzz/fuzz_*; do
  [ -x "$t" ] || continue
  n=$(basename "$t")
  run_suite "fuzz/$n" "$t" "tests/fuzz/corpus/${n#fuzz_}"
done
for t in tests/integ/test_*.sh tests/integ/test_*.py; do
  [ -f "$t" ] || continue
  case "$t" in
    *.py) run_suite "integ/$(basename "$t")" /usr/bin/python3 "$t" ;;
    *)    run_suite "integ/$(basename "$t")" bash "$t" ;;
  esac
done
echo
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
