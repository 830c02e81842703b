#!/usr/bin/env bash
# HTTP benchmark of `paperboy serve` with the whole Daily Papers archive
# loaded, wrk on loopback, nginx `return 200` beside it as the ceiling.
#   bench/http/run.sh [DURATION_SECONDS] [SOAK_SECONDS]
# Needs wrk and nginx (make deps). Prints wrk's output and a summary.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=${1:-10}
SOAK=${2:-60}
DATA=${PAPERBOY_DATA:-../shared/data}
T=$(mktemp -d /tmp/pb-http-bench.XXXXXX)
PB_PORT=$((20000 + RANDOM % 10000))
NG_PORT=$((PB_PORT + 1))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.5; rm -rf "$T"; }
trap cleanup EXIT
[ -x ./paperboy ] || make paperboy
echo "== machine: $(nproc) cores, $(grep 'model name' /proc/cpuinfo | head -1 | cut -d: -f2 | xargs); $(date -u +%F)"
echo "== load: $(cut -d' ' -f1-3 /proc/loadavg) (other engineers share this machine)"
t0=$(date +%s.%N)
./paperboy import --db "$T/hf.db" "$DATA/hf-daily/" >"$T/import.log" 2>&1 || true
echo "== import: $(tail -1 "$T/import.log") in $(echo "$(date +%s.%N) - $t0" | bc) s"
# as a deployment has it (make demo does the same): the index on disk, mapped
./paperboy reindex --db "$T/hf.db" >"$T/reindex.log" 2>&1
echo "== $(tail -1 "$T/reindex.log")"
head -3000 "$DATA/queries/hf-keywords.txt" | sort -u >"$T/queries.txt"

mkdir -p "$T/nginx"
cat >"$T/nginx.conf" <<NG
worker_processes 2;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $T/nginx; proxy_temp_path $T/nginx;
  fastcgi_temp_path $T/nginx; uwsgi_temp_path $T/nginx; scgi_temp_path $T/nginx;
  server { listen 127.0.0.1:$NG_PORT; location / { return 200 "ok\n"; } }
}
NG
# wait until a server answers: started in the background, nginx may not
# have bound its port yet when wrk connects (wrk then gives up at once with
# "unable to connect ... Connection refused"; seen on a cold page cache)
wait_http() {  # url, pid, logs...
  for _ in $(seq 100); do
    curl -sf -o /dev/null "$1" && return
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "no answer from $1:"; cat "${@:3}" 2>/dev/null; exit 1
}
nginx -c "$T/nginx.conf" -p "$T/nginx" 2>"$T/nginx.err" & NG_PID=$!; pids+=($NG_PID)
wait_http "http://127.0.0.1:$NG_PORT/" "$NG_PID" "$T/nginx/error.log" "$T/nginx.err"

start_pb() {  # extra args...
  ./paperboy serve --db "$T/hf.db" --port "$PB_PORT" --access-log "$T/access.log" "$@" 2>"$T/serve.err" &
  PB_PID=$!; pids+=($PB_PID)
  wait_http "http://127.0.0.1:$PB_PORT/subscribe" "$PB_PID" "$T/serve.err"
}
stop_pb() { kill -TERM "$PB_PID"; wait "$PB_PID" || true; }
run() {  # label, wrk args...
  local label=$1; shift
  echo; echo "== $label"
  wrk --latency "$@" | tee "$T/wrk.out" | grep -E 'Requests/sec|Latency  |  99%|  50%|Non-2xx|Socket errors|requests in'
}
run "nginx return 200 (ceiling)" -t2 -c64 -d"${D}s" "http://127.0.0.1:$NG_PORT/"

start_pb
DAY=2024-06-03
run "/api/daily_papers?date=$DAY (cached)" -t2 -c64 -d"${D}s" "http://127.0.0.1:$PB_PORT/api/daily_papers?date=$DAY"
run "/ (cached)" -t2 -c64 -d"${D}s" "http://127.0.0.1:$PB_PORT/"
export PB_QUERIES="$T/queries.txt"
run "/api/papers/search?q= distinct queries" -t2 -c64 -d"${D}s" \
  -s bench/http/queries.lua "http://127.0.0.1:$PB_PORT"
stop_pb

start_pb --no-cache
run "/api/daily_papers?date=$DAY (--no-cache)" -t2 -c64 -d"${D}s" "http://127.0.0.1:$PB_PORT/api/daily_papers?date=$DAY"
run "/ (--no-cache)" -t2 -c64 -d"${D}s" "http://127.0.0.1:$PB_PORT/"
# 2,977 queries in turn: with the cache on, the first ~1,900 answers fit in
# it and are served again on later rounds; without it every answer is made
run "/api/papers/search?q= distinct queries (--no-cache)" -t2 -c64 -d"${D}s" \
  -s bench/http/queries.lua "http://127.0.0.1:$PB_PORT"
stop_pb

start_pb
rss() { awk '/VmRSS/{print $2}' "/proc/$PB_PID/status"; }
curl -s "http://127.0.0.1:$PB_PORT/" >/dev/null
echo; echo "== soak: ${SOAK}s c=256 mixed routes; RSS (kB) every 10 s:"
: >"$T/rss.txt"
( for _ in $(seq $((SOAK / 10 + 1))); do rss >>"$T/rss.txt" 2>/dev/null || break; sleep 10; done ) &
sampler=$!
wrk --latency -t2 -c256 -d"${SOAK}s" --timeout 10s -s bench/http/mixed.lua "http://127.0.0.1:$PB_PORT" | tee "$T/soak.out" \
  | grep -E 'Requests/sec|Latency  |  99%|  50%|Non-2xx|Socket errors|requests in'
wait $sampler || true
echo "RSS kB: $(tr '\n' ' ' <"$T/rss.txt")"
echo "5xx in access log: $(awk '$9 ~ /^5/' "$T/access.log" | wc -l) of $(wc -l <"$T/access.log") lines"
stop_pb
