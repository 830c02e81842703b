#!/usr/bin/env bash
# Uncached search under load (issue 15 item 10): /search?q= over distinct
# queries, so that every answer is made, at c=64 and c=256, for one or more
# paperboy binaries in turn (old and new in the same run: the machine is
# shared and noisy, only figures from one run compare).
#   bench/http/search_load.sh DB QUERIES DURATION BIN [BIN...]
# DB: a store with its index (e.g. the arXiv snapshot: paperboy import
# ../shared/data/arxiv/ && paperboy reindex). QUERIES: one query a line.
set -euo pipefail
DB=$1 Q=$2 D=$3; shift 3
cd "$(dirname "$0")/../.."
PORT=$((20000 + RANDOM % 10000))
T=$(mktemp -d /tmp/pb-search-load.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
# warm-up queries: others than the measured ones (no cache hits later)
head -3000 "$Q" | sed 's/$/ study/' >"$T/warm.txt"
echo "== $(nproc) cores; $(date -u +%FT%TZ); queries: $(wc -l <"$Q") distinct"
for round in 1 2; do
for bin in "$@"; do
  extra=()
  "$bin" serve --help 2>&1 | grep -q -- --per-ip-limit && extra=(--per-ip-limit 0)
  "$bin" serve --db "$DB" --port "$PORT" --access-log off "${extra[@]}" 2>"$T/serve.err" &
  pid=$!
  for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/subscribe" && break; sleep 0.2; done
  # new binaries check the index's postings in the background at start:
  # wait for that, then warm up (page cache, SQLite) unmeasured
  if [ ${#extra[@]} -gt 0 ]; then
    for _ in $(seq 600); do grep -q 'index checked' "$T/serve.err" && break; sleep 0.5; done
    grep 'index checked' "$T/serve.err" || true
  fi
  PB_QUERIES="$T/warm.txt" wrk -t2 -c16 -d10s -s bench/http/search_page.lua "http://127.0.0.1:$PORT" >/dev/null
  for c in 64 256; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    # each concurrency its own part of the list: the c=256 run must not
    # ask what the c=64 run left in the response cache
    PB_QUERY_OFFSET=$((c * 40)) PB_QUERIES="$Q" wrk --latency -t2 -c$c -d"${D}s" --timeout 10s \
      -s bench/http/search_page.lua "http://127.0.0.1:$PORT" >"$T/wrk.out"
    rps=$(awk '/Requests\/sec/{print $2}' "$T/wrk.out")
    p50=$(awk '$1=="50%"{print $2}' "$T/wrk.out")
    p99=$(awk '$1=="99%"{print $2}' "$T/wrk.out")
    errs=$(grep -E 'Socket errors|Non-2xx' "$T/wrk.out" | tr -s ' ' | tr '\n' ';' || true)
    rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
    # CPU the server spent per answer: what a loaded, shared machine does
    # not distort (req/s there mostly measures our share of the cores)
    cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    n=$(awk '/requests in/{print $1}' "$T/wrk.out")
    cpr=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$n" -v hz="$(getconf CLK_TCK)" \
          'BEGIN{printf "%.2f", n ? (b - a) * 1000 / hz / n : 0}')
    printf '%-22s round %d c=%-3d %8s req/s  %6s ms CPU/req  p50 %8s  p99 %8s  load %5s  RSS %s kB  %s\n' \
      "$(basename "$bin")" "$round" "$c" "$rps" "$cpr" "$p50" "$p99" "$load" "$rss" "${errs:-no errors}"
  done
  kill -TERM "$pid"; wait "$pid" || true; pid=
done
done
