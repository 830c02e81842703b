#!/usr/bin/env bash
# reindex A/B on one store (docs/BENCHMARKS.md, "The 2.6M store"): two
# binaries alternating, ROUNDS each, under nice -n 19 and measure.py (wall,
# CPU, peak RSS split into heap and mapped files) with PB_REINDEX_TIMES=1;
# each run's index is kept as DB.BINARY.idx for comparing search results.
# usage: reindex_ab.sh DB ROUNDS BASE NEW
set -u
DB=$1; ROUNDS=$2; BASE=$3; NEW=$4
M="$(cd "$(dirname "$0")" && pwd)/measure.py"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for r in $(seq 1 "$ROUNDS"); do
  for b in "$BASE" "$NEW"; do
    l0=$(cut -d' ' -f1-3 /proc/loadavg)
    PB_REINDEX_TIMES=1 nice -n 19 python3 $M $T/rab.time "$b" reindex --db "$DB" > $T/rab.log 2>&1
    read -r e u s m a f < $T/rab.time
    printf '%s %s: %s s wall, %s + %s s CPU, peak RSS %d MB (heap %d + mapped %d) (load %s -> %s, %s) | %s\n' \
      "$(basename "$b")" "$(basename "$DB")" "$e" "$u" "$s" $((m/1024)) $((a/1024)) $((f/1024)) "$l0" \
      "$(cut -d' ' -f1-3 /proc/loadavg)" "$(date -u +%H:%M)" "$(grep '^reindex:' $T/rab.log)"
    cp "$DB.idx" "$DB.$(basename "$b").idx"
  done
done
