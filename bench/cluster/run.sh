#!/usr/bin/env bash
# bench/cluster/run.sh - SQLite against PostgreSQL, and one node against
# three behind nginx (issue 16), in one run on this machine:
#   1. `paperboy import` of one arXiv snapshot file into a SQLite file and
#      into a PostgreSQL database (wall, CPU, peak RSS; then reindex);
#   2. wrk on /api/daily_papers, /api/papers/search (the same query: the
#      response cache's figure) and vote POSTs (one member, papers in turn,
#      up and down: every request a write) against one node on SQLite, one
#      node on PostgreSQL, and three nodes on PostgreSQL behind nginx.
# Usage: bench/cluster/run.sh [SNAPSHOT_FILE] [SECONDS]
# PostgreSQL is the tests' throwaway server (tests/pgserver.sh: fsync off,
# synchronous_commit off); SQLite runs as shipped (WAL, synchronous=NORMAL).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SNAP=${1:-../shared/data/arxiv/arxiv-000.jsonl.xz}
SECS=${2:-10}
PB=$ROOT/paperboy
[ -x "$PB" ] || make -s paperboy
W=$(mktemp -d /tmp/pb-bench-cluster.XXXXXX)
PGD=/tmp/pb-bench-pg-$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null || true
  tests/pgserver.sh stop "$PGD" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
timed() { # label, command...: wall, user+sys, peak RSS
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$W/time" "$@" >"$W/out" 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
  read -r e u s m <"$W/time"
  printf '%-34s wall %7.2f s  CPU %7.2f s  peak RSS %6d MB  (%s)\n' "$label" "$e" \
    "$(echo "$u + $s" | bc)" $((m / 1024)) "$(tail -1 "$W/out")"
}
echo "== $(nproc) cores; $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg); $SNAP"
ADMIN=$(tests/pgserver.sh start "$PGD")
psql "$ADMIN" -qXc "CREATE DATABASE bench" >/dev/null
PG=${ADMIN/dbname=postgres/dbname=bench}
LITE=$W/bench.db
export PAPERBOY_LOCAL_DIR=$W
timed "import, SQLite" "$PB" import --db "$LITE" "$SNAP"
timed "import, PostgreSQL" "$PB" import --db "$PG" "$SNAP"
timed "reindex, SQLite" "$PB" reindex --db "$LITE"
timed "reindex, PostgreSQL" "$PB" reindex --db "$PG"
cmp <("$PB" export --db "$LITE") <("$PB" export --db "$PG") &&
  echo "export: identical on both stores"

# one member with a session, for the vote POSTs
echo "correct horse battery" | "$PB" user add bench --email b@x.org --db "$LITE" >/dev/null
echo "correct horse battery" | "$PB" user add bench --email b@x.org --db "$PG" >/dev/null
TOK=$(python3 -c 'import os,base64; print(base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode())')
HASH=$(python3 -c 'import sys,base64,hashlib; t=sys.argv[1]; r=base64.urlsafe_b64decode(t+"="*(-len(t)%4)); print(hashlib.blake2b(r,digest_size=32).hexdigest())' "$TOK")
NOW=$(date +%s)
sqlite3 "$LITE" "INSERT INTO sessions(hash, member, created, expires) SELECT X'$HASH', id, $NOW, $NOW+86400 FROM members WHERE name='bench'"
psql "$PG" -qXc "INSERT INTO sessions(hash, member, created, expires) SELECT '\\x$HASH', id, $NOW, $NOW+86400 FROM members WHERE name='bench'" >/dev/null
IDS=$(sqlite3 "$LITE" "SELECT id FROM papers ORDER BY pid LIMIT 200" | tr '\n' ' ')
DAY=$(sqlite3 "$LITE" "SELECT substr(date(max(published),'unixepoch'),1,10) FROM papers")
cat >"$W/vote.lua" <<LUA
local ids = {}
for id in string.gmatch("$IDS", "%S+") do ids[#ids + 1] = id end
local n = 0
request = function()
  n = n + 1
  local id = ids[(n % #ids) + 1]
  local v = (math.floor(n / #ids) % 2 == 0) and "1" or "0"
  return wrk.format("POST", "/api/vote/" .. id,
    {["Cookie"] = "pb_session=$TOK", ["X-CSRF-Token"] = CSRF,
     ["Content-Type"] = "application/x-www-form-urlencoded"}, "v=" .. v)
end
LUA

start_node() { # db, port, dir
  mkdir -p "$3"
  "$PB" serve --db "$1" --port "$2" --threads 2 --access-log off --local-dir "$3" \
    --no-fetch-unknown 2>"$3/serve.err" &
  pids+=($!)
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.1; done
  cat "$3/serve.err" >&2; exit 1
}
bench_front() { # label, port
  local csrf
  csrf=$(curl -s -H "Cookie: pb_session=$TOK" "http://127.0.0.1:$2/api/me" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
  sed "s/CSRF)/\"$csrf\")/; s/= CSRF,/= \"$csrf\",/" "$W/vote.lua" >"$W/vote-$2.lua"
  for route in "daily:/api/daily_papers?date=$DAY" "search:/api/papers/search?q=quantum%20gravity"; do
    r=$(wrk -t2 -c64 -d"${SECS}s" --latency "http://127.0.0.1:$2${route#*:}" | awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} /^ +50%/ {p50=$2} /Non-2xx/ {bad=$NF} END {printf "%9.0f req/s  p50 %8s  p99 %8s  non-2xx %s", rps, p50, p99, bad+0}')
    printf '%-30s %-7s %s  load %s\n' "$1" "${route%%:*}" "$r" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  r=$(wrk -t2 -c16 -d"${SECS}s" --latency -s "$W/vote-$2.lua" "http://127.0.0.1:$2" | awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} /^ +50%/ {p50=$2} /Non-2xx/ {bad=$NF} END {printf "%9.0f req/s  p50 %8s  p99 %8s  non-2xx %s", rps, p50, p99, bad+0}')
  printf '%-30s %-7s %s  load %s\n' "$1" "vote" "$r" "$(cut -d' ' -f1 /proc/loadavg)"
}
P1=$(free_port); start_node "$LITE" "$P1" "$W/n-lite"
bench_front "1 node, SQLite" "$P1"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
P2=$(free_port); start_node "$PG" "$P2" "$W/n1"
bench_front "1 node, PostgreSQL" "$P2"
P3=$(free_port); start_node "$PG" "$P3" "$W/n2"
P4=$(free_port); start_node "$PG" "$P4" "$W/n3"
PN=$(free_port)
mkdir -p "$W/ngx/tmp"
cat >"$W/nginx.conf" <<NGX
worker_processes 2;
pid $W/nginx.pid;
error_log $W/nginx.err;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $W/ngx/tmp/b; proxy_temp_path $W/ngx/tmp/p;
  fastcgi_temp_path $W/ngx/tmp/f; uwsgi_temp_path $W/ngx/tmp/u; scgi_temp_path $W/ngx/tmp/s;
  upstream pb { server 127.0.0.1:$P2; server 127.0.0.1:$P3; server 127.0.0.1:$P4; keepalive 64; }
  server { listen 127.0.0.1:$PN;
    location / { proxy_pass http://pb; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
NGX
nginx -p "$W" -c "$W/nginx.conf"
sleep 0.5
bench_front "3 nodes, PostgreSQL, nginx" "$PN"
