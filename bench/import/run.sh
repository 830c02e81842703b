#!/usr/bin/env bash
# bench/import: the whole arXiv snapshot (8 chunks, 706,750 records) into a
# fresh store, paperboy beside a plain Python loader (py_loader.py), in one
# run on the same machine: the Python loader, `paperboy import --threads 1`
# (one thread reads and parses, one writes) and `paperboy import` (default:
# two readers, two parsers, one writer), and the floor: the chunks only
# decompressed (`xz -dc` to /dev/null, two at a time, largest first: each
# chunk is one xz block, so no decoder splits it further). Prints wall
# time, user+sys CPU, peak RSS (/usr/bin/time) and the load average
# before each run, then the median ratios; at the end checks that the
# serial and the parallel store export the same bytes (CHECK=0 skips
# that).
# usage: bench/import/run.sh [ROUNDS]   (BASE=path/to/other/paperboy adds
# a run of that binary, e.g. a build of main, in each round; SCRATCH=DIR
# puts the stores there instead of /tmp; every run under nice -n $NICE,
# default 19: a shared machine)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="${PAPERBOY_DATA:-$(cd .. && pwd)/shared/data}"
ROUNDS="${1:-3}"
CHECK="${CHECK:-1}"
BASE="${BASE:-}"
NICE="${NICE:-19}"
TMP="$(mktemp -d "${SCRATCH:-/tmp}/pb-bench-import.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
make -s paperboy >/dev/null
CHUNKS=("$DATA"/arxiv/*.jsonl.xz)
measure() {  # label, command...
  local label="$1"; shift
  local load; load="$(cut -d' ' -f1 /proc/loadavg)"
  nice -n "$NICE" /usr/bin/time -f "%e %U %S %M" -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err" || true
  read -r wall user sys rss <"$TMP/time"
  local cpu; cpu="$(echo "$user + $sys" | bc)"
  printf '%-16s wall %6.2f s  cpu %6.2f s  peak RSS %4d MB  load %5s  %s\n' "$label" "$wall" \
    "$cpu" $((rss / 1024)) "$load" "$(tail -n 1 "$TMP/out")"
  echo "$wall" >"$TMP/$label.wall.$round"
  echo "$cpu" >"$TMP/$label.cpu.$round"
}
median() {  # label, wall|cpu
  sort -n "$TMP"/"$1"."$2".* | sed -n "$(( (ROUNDS + 1) / 2 ))p"
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
# largest first: the two-job schedule that ends soonest
ls -S "${CHUNKS[@]}" | tr '\n' '\0' >"$TMP/bysize"
labels=(python serial parallel xz-only)
[ -n "$BASE" ] && labels+=(base)
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round"
  rm -f "$TMP"/*.db*
  measure python python3 bench/import/py_loader.py "$TMP/py.db" "${CHUNKS[@]}"
  measure serial ./paperboy import --threads 1 --db "$TMP/serial.db" "${CHUNKS[@]}"
  measure parallel ./paperboy import --db "$TMP/parallel.db" "${CHUNKS[@]}"
  measure xz-only xargs -0 -a "$TMP/bysize" -P 2 -n 1 sh -c 'xz -dc "$0" >/dev/null'
  [ -n "$BASE" ] && measure base "$BASE" import --db "$TMP/base.db" "${CHUNKS[@]}"
done
py=$(median python wall)
for l in "${labels[@]}"; do
  w=$(median "$l" wall); c=$(median "$l" cpu)
  printf 'median %-10s wall %6.2f s  cpu %6.2f s  python/this wall %sx\n' "$l" "$w" "$c" \
    "$(echo "scale=2; $py / $w" | bc)"
done
if [ "$CHECK" = 1 ]; then
  ./paperboy export --db "$TMP/serial.db" | md5sum >"$TMP/serial.md5"
  ./paperboy export --db "$TMP/parallel.db" | md5sum >"$TMP/parallel.md5"
  if cmp -s "$TMP/serial.md5" "$TMP/parallel.md5"; then
    echo "export: serial and parallel stores identical ($(cut -c1-12 "$TMP/serial.md5"))"
  else
    echo "export: serial and parallel stores DIFFER"; exit 1
  fi
fi
