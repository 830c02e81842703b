#!/usr/bin/env bash
# Instructions per uncached /search?q= request (issue 15 item 10): each
# binary serves DB with one worker thread under callgrind, collecting only
# inside on_request (the background index check and start-up are not
# counted), and is asked each query of QUERIES once, one after the other.
# Load does not change instruction counts: the figure to compare on a
# shared machine. Prints instructions per request; keeps the callgrind
# files in OUTDIR (callgrind_annotate them for where the time goes).
#   bench/http/search_callgrind.sh DB QUERIES OUTDIR BIN [BIN...]
set -euo pipefail
DB=$1 Q=$2 OUT=$3; shift 3
mkdir -p "$OUT"
PORT=$((30000 + RANDOM % 10000))
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; }
trap cleanup EXIT
# the queries URL-encoded once (one interpreter start, not one a query)
python3 -c 'import sys, urllib.parse
for l in open(sys.argv[1], encoding="utf-8"):
    print(urllib.parse.quote(l.rstrip("\n"), safe=""))' "$Q" >"$OUT/queries.enc"
for bin in "$@"; do
  name=$(basename "$bin")
  extra=()
  "$bin" serve --help 2>&1 | grep -q -- --per-ip-limit && extra=(--per-ip-limit 0)
  valgrind --tool=callgrind --toggle-collect=on_request \
    --callgrind-out-file="$OUT/callgrind.$name" \
    "$bin" serve --db "$DB" --port "$PORT" --threads 1 --access-log off \
    "${extra[@]}" 2>"$OUT/serve.$name.err" &
  pid=$!
  for _ in $(seq 3000); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/subscribe" && break; sleep 0.5; done
  for _ in $(seq 1200); do grep -q 'index checked' "$OUT/serve.$name.err" && break; sleep 0.5; done
  n=0
  while IFS= read -r q; do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/search?q=$q"
    n=$((n + 1))
  done <"$OUT/queries.enc"
  kill -TERM "$pid"; wait "$pid" || true; pid=
  # the /subscribe probes before the queries are requests too (a few
  # thousand instructions each): left in
  tot=$(callgrind_annotate "$OUT/callgrind.$name" 2>/dev/null | awk '/PROGRAM TOTALS/ && !t {gsub(",","",$1); t = $1} END {print t}')
  printf '%-22s %d queries  %s instructions  %.2f M / request\n' "$name" "$n" "$tot" \
    "$(awk -v t="$tot" -v n="$n" 'BEGIN{print t / n / 1e6}')"
done
