#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests (tests/run.sh, tests/integ/pbtest.py).
#   tests/pgserver.sh start DIR   initdb in DIR (made, must not exist), start
#                                 on 127.0.0.1 on a free port with its unix
#                                 socket in DIR, trust auth; prints the libpq
#                                 keyword string to stdout
#   tests/pgserver.sh stop DIR    stop it and remove DIR
#   tests/pgserver.sh replica CONNINFO DIR
#                                 a streaming replica (hot standby) of the
#                                 server at CONNINFO (one started here: its
#                                 pg_hba lets 127.0.0.1 replicate), by
#                                 pg_basebackup -R into DIR, started on
#                                 another free port; prints its keyword
#                                 string; `stop DIR` stops it
# initdb refuses to run as root: as root, the server runs as "nobody" and
# DIR is given to it. Exit status 2: PostgreSQL is not installed.
set -euo pipefail
BIN=${PB_PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 64; }
as=()
if [ "$(id -u)" -eq 0 ]; then as=(runuser -u nobody --); fi
case "$cmd" in
start)
  [ -x "$BIN/initdb" ] && [ -x "$BIN/pg_ctl" ] || exit 2
  mkdir -p "$dir"
  [ ${#as[@]} -gt 0 ] && chown nobody "$dir"
  chmod 700 "$dir"
  "${as[@]}" "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # throwaway data: no fsync; small buffers (the machine is shared)
  "${as[@]}" "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "host=127.0.0.1 port=$port user=postgres dbname=postgres"
  ;;
replica)
  # the primary's conninfo comes first here, DIR second
  src=$2; dir=${3:-}
  [ -n "$dir" ] || { echo "usage: $0 replica CONNINFO DIR" >&2; exit 64; }
  [ -x "$BIN/pg_basebackup" ] && [ -x "$BIN/pg_ctl" ] || exit 2
  mkdir -p "$dir"
  [ ${#as[@]} -gt 0 ] && chown nobody "$dir"
  chmod 700 "$dir"
  phost=$(sed -nE 's/.*host=([^ ]+).*/\1/p' <<<"$src")
  pport=$(sed -nE 's/.*port=([0-9]+).*/\1/p' <<<"$src")
  "${as[@]}" "$BIN/pg_basebackup" -h "${phost:-127.0.0.1}" -p "$pport" \
    -U postgres -D "$dir/data" -R -X stream --no-sync --checkpoint=fast \
    >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "${as[@]}" "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c shared_buffers=32MB -c max_connections=200 -c hot_standby=on" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "host=127.0.0.1 port=$port user=postgres dbname=postgres"
  ;;
stop)
  if [ -d "$dir/data" ]; then
    "${as[@]}" "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  # the server's last processes may still be closing files: try again
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    rm -rf "$dir" 2>/dev/null; [ -e "$dir" ] || break; sleep 0.5
  done
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
esac
