#!/usr/bin/env bash
# bench/cluster/votes.sh - vote POSTs per second on PostgreSQL, one node and
# three behind nginx, for one or more paperboy binaries in one run (the
# write lock's scope, issue 16): every request a write transaction.
# Usage: bench/cluster/votes.sh [SECONDS] [BIN...]   (default ./paperboy)
#   PG_DURABLE=1  the server syncs every commit (fsync=on,
#                 synchronous_commit=on), as a production one does; else
#                 the tests' throwaway settings (tests/pgserver.sh: neither)
#   MEMBERS=N     members voting, each its own session (default 16)
# wrk -t2 -c16 -d SECONDS; the members vote in turn on 200 papers, each
# request toggling one (member, paper) vote.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SECS=${1:-10}
shift || true
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=("$ROOT/paperboy")
MEMBERS=${MEMBERS:-16}
SNAP=${SNAP:-../shared/data/arxiv/arxiv-000.jsonl.xz}
W=$(mktemp -d /tmp/pb-bench-votes.XXXXXX)
chmod 755 "$W" # the server may run as another user (pgserver.sh)
PGD=$W/pg
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null || true
  tests/pgserver.sh stop "$PGD" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
echo "== $(nproc) cores; $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg); ${MEMBERS} members; durable=${PG_DURABLE:-0}"
ADMIN=$(tests/pgserver.sh start "$PGD")
if [ "${PG_DURABLE:-0}" = 1 ]; then
  # the command line of tests/pgserver.sh says fsync=off: restart without
  as=(); [ "$(id -u)" -eq 0 ] && as=(runuser -u nobody --)
  port=$(echo "$ADMIN" | sed -E 's/.*port=([0-9]+).*/\1/')
  "${as[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$PGD/data" -w stop >/dev/null
  "${as[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$PGD/data" -l "$PGD/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PGD -c fsync=on -c synchronous_commit=on -c shared_buffers=32MB -c max_connections=200" \
    start >/dev/null
fi
psql "$ADMIN" -qXc "CREATE DATABASE bench" >/dev/null
PG=${ADMIN/dbname=postgres/dbname=bench}
export PAPERBOY_LOCAL_DIR=$W
{ xz -dc "$SNAP" || true; } | head -n 2000 >"$W/papers.jsonl"
"${BINS[0]}" import --db "$PG" "$W/papers.jsonl" >/dev/null 2>&1
NOW=$(date +%s)
for i in $(seq "$MEMBERS"); do
  echo "correct horse battery" | "${BINS[0]}" user add "m$i" --email "m$i@x.org" --db "$PG" >/dev/null
done
# a session per member: token, and its hash in the store
: >"$W/tokens"
for i in $(seq "$MEMBERS"); do
  TOK=$(python3 -c 'import os,base64; print(base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode())')
  HASH=$(python3 -c 'import sys,base64,hashlib; t=sys.argv[1]; r=base64.urlsafe_b64decode(t+"="*(-len(t)%4)); print(hashlib.blake2b(r,digest_size=32).hexdigest())' "$TOK")
  psql "$PG" -qXc "INSERT INTO sessions(hash, member, created, expires) SELECT '\\x$HASH', id, $NOW, $NOW+86400 FROM members WHERE name='m$i'" >/dev/null
  echo "$TOK" >>"$W/tokens"
done
IDS=$(psql "$PG" -qXAtc "SELECT id FROM papers ORDER BY pid LIMIT 200" | tr '\n' ' ')

start_node() { # bin, port, dir
  mkdir -p "$3"
  "$1" serve --db "$PG" --port "$2" --threads 2 --access-log off --local-dir "$3" \
    --no-fetch-unknown 2>"$3/serve.err" &
  pids+=($!)
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.1; done
  cat "$3/serve.err" >&2; exit 1
}
stop_nodes() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}
vote_lua() { # port -> lua script with every member's cookie and CSRF token
  local toks="" csrfs="" t c
  while read -r t; do
    c=$(curl -s -H "Cookie: pb_session=$t" "http://127.0.0.1:$1/api/me" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
    toks="$toks \"$t\","; csrfs="$csrfs \"$c\","
  done <"$W/tokens"
  cat >"$W/vote-$1.lua" <<LUA
local toks = {$toks}
local csrfs = {$csrfs}
local ids = {}
for id in string.gmatch("$IDS", "%S+") do ids[#ids + 1] = id end
local n = 0
local salt = 0
setup = function(thread) salt = salt + 1; thread:set("salt", salt) end
request = function()
  n = n + 1
  local m = ((n + (salt or 0) * 7) % #toks) + 1
  local id = ids[((n * 13 + m) % #ids) + 1]
  return wrk.format("POST", "/api/vote/" .. id,
    {["Cookie"] = "pb_session=" .. toks[m], ["X-CSRF-Token"] = csrfs[m],
     ["Content-Type"] = "application/x-www-form-urlencoded"}, "")
end
LUA
}
bench_votes() { # label, port
  vote_lua "$2"
  r=$(wrk -t2 -c16 -d"${SECS}s" --latency -s "$W/vote-$2.lua" "http://127.0.0.1:$2" | awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} /^ +50%/ {p50=$2} /Non-2xx/ {bad=$NF} END {printf "%7.0f votes/s  p50 %8s  p99 %8s  non-2xx %s", rps, p50, p99, bad+0}')
  printf '%-44s %s  load %s\n' "$1" "$r" "$(cut -d' ' -f1 /proc/loadavg)"
}
check_counts() { # every count equals its rows
  psql "$PG" -qXAtc "SELECT count(*) FROM paper_stats s FULL JOIN (SELECT pid, count(*) AS n FROM votes GROUP BY pid) v ON v.pid = s.pid WHERE coalesce(s.votes, 0) <> coalesce(v.n, 0)"
}
for b in "${BINS[@]}"; do
  tag=$(cd "$(dirname "$b")" && git rev-parse --short HEAD 2>/dev/null || echo "$b")
  P1=$(free_port); start_node "$b" "$P1" "$W/n1"
  bench_votes "1 node   ($tag)" "$P1"
  P2=$(free_port); start_node "$b" "$P2" "$W/n2"
  P3=$(free_port); start_node "$b" "$P3" "$W/n3"
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
  upstream pb { server 127.0.0.1:$P1; server 127.0.0.1:$P2; server 127.0.0.1:$P3; keepalive 64; }
  server { listen 127.0.0.1:$PN;
    location / { proxy_pass http://pb; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
NGX
  nginx -p "$W" -c "$W/nginx.conf"
  sleep 0.5
  bench_votes "3 nodes, nginx ($tag)" "$PN"
  kill "$(cat "$W/nginx.pid")"; rm -f "$W/nginx.pid"
  stop_nodes
  echo "counts that differ from their rows: $(check_counts)"
done
