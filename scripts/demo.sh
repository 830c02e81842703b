#!/usr/bin/env bash
# demo.sh - the second half of `make demo` (the Makefile installs the
# packages and builds ./paperboy first): import the bundled sample into a
# fresh database, try a small live harvest, train word vectors and embed the
# papers (similar papers, search by meaning), index, and serve.
#   DEMO_DB     the database (default demo.db; removed first)
#   DEMO_PORT   the port (default 8080), on 127.0.0.1
#   DEMO_SMOKE  non-empty: start the server, fetch / once, print the time
#               since DEMO_T0 (else since this script started), stop, exit 0
#               when the page came back 200 (1 otherwise)
#   DEMO_T0     start time in seconds since the epoch (the Makefile's)
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DEMO_DB:-demo.db}
PORT=${DEMO_PORT:-8080}
T0=${DEMO_T0:-$(date +%s.%N)}
BIN=./paperboy
rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.idx" "$DB.vec" "$DB.hnsw" "$DB.wv"
# exit 3: some records rejected (the sample has none; a live harvest may)
"$BIN" import --db "$DB" data/sample/daily-sample.jsonl data/sample/hf-daily data/sample/arxiv || [ $? -eq 3 ]
DEMO_DB="$DB" scripts/demo-harvest.sh
"$BIN" reindex --db "$DB"
"$BIN" train-vectors --db "$DB" 2>&1 | grep -v ' epoch [0-9]* of [0-9]* done$'
"$BIN" embed --db "$DB"
"$BIN" stats --db "$DB"
if [ -z "${DEMO_SMOKE:-}" ]; then
  echo "paperboy: open http://127.0.0.1:$PORT/ (Ctrl-C stops the server)"
  exec "$BIN" serve --db "$DB" --port "$PORT" --bind 127.0.0.1
fi
"$BIN" serve --db "$DB" --port "$PORT" --bind 127.0.0.1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
page=$(mktemp)
code=000
for _ in $(seq 1 300); do
  code=$(curl -s -o "$page" -w '%{http_code}' "http://127.0.0.1:$PORT/" || true)
  [ "$code" = 200 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.2
done
secs=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
cards=$(grep -o 'href="/papers/' "$page" | wc -l || true)
rm -f "$page"
if [ "$code" = 200 ]; then
  echo "demo smoke: first page (HTTP 200, $cards paper links) after ${secs} s"
  exit 0
fi
echo "demo smoke: no first page (HTTP $code) after ${secs} s" >&2
exit 1
