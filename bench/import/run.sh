#!/usr/bin/env bash
# bench/import: the whole arXiv snapshot (8 chunks, 706,750 records) into a
# fresh store, paperboy beside a plain Python loader (py_loader.py), in one
# run on the same machine. Prints wall time, CPU time and peak RSS of each,
# then the ratio. usage: bench/import/run.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="${PAPERBOY_DATA:-$(cd .. && pwd)/shared/data}"
ROUNDS="${1:-3}"
TMP="$(mktemp -d /tmp/pb-bench-import.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
make -s paperboy >/dev/null
CHUNKS=("$DATA"/arxiv/*.jsonl.xz)
measure() {  # label, command...
  local label="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err" || true
  read -r wall user sys rss <"$TMP/time"
  printf '%-10s wall %6.2f s  cpu %6.2f s  peak RSS %4d MB  %s\n' "$label" "$wall" \
    "$(echo "$user + $sys" | bc)" $((rss / 1024)) "$(tail -n 1 "$TMP/out")"
  echo "$wall" >"$TMP/$label.wall.$round"
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  rm -f "$TMP"/*.db*
  measure python python3 bench/import/py_loader.py "$TMP/py.db" "${CHUNKS[@]}"
  measure paperboy ./paperboy import --db "$TMP/pb.db" "${CHUNKS[@]}"
done
py=$(sort -n "$TMP"/python.wall.* | sed -n "$(( (ROUNDS + 1) / 2 ))p")
pb=$(sort -n "$TMP"/paperboy.wall.* | sed -n "$(( (ROUNDS + 1) / 2 ))p")
echo "median wall: python ${py} s, paperboy ${pb} s, paperboy is $(echo "scale=2; $py / $pb" | bc)x faster"
