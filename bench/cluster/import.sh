#!/usr/bin/env bash
# bench/cluster/import.sh - `paperboy import` of the whole arXiv snapshot
# (8 files, 706,750 records) into a SQLite file and into a PostgreSQL
# database, in one run (issue 16): wall time, CPU of paperboy, CPU of the
# PostgreSQL server (every process of it, the backends that exited
# included), peak RSS of paperboy, and the load average before and after.
# Usage: bench/cluster/import.sh [BIN] [FILES...]
#   (default ./paperboy and ../shared/data/arxiv/*.jsonl.xz)
# PostgreSQL is the tests' throwaway server (tests/pgserver.sh: fsync off,
# synchronous_commit off, 32 MB shared buffers); SQLite as shipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PB=${1:-$ROOT/paperboy}
shift || true
FILES=("$@")
[ ${#FILES[@]} -gt 0 ] || FILES=(../shared/data/arxiv/*.jsonl.xz)
W=$(mktemp -d "${SCRATCH:-/tmp}/pb-bench-import.XXXXXX")
chmod 755 "$W" # the server may run as another user (pgserver.sh)
PGD=$W/pg
cleanup() {
  tests/pgserver.sh stop "$PGD" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
# CPU seconds of the server: its live processes, and the children the
# postmaster has reaped (backends of closed connections)
pg_cpu() {
  local pm tck=$(getconf CLK_TCK) sum=0 p f
  pm=$(head -1 "$PGD/data/postmaster.pid")
  for p in "$pm" $(pgrep -P "$pm"); do
    f=$(cut -d')' -f2 "/proc/$p/stat" 2>/dev/null) || continue
    set -- $f
    # fields after the name: state=1 ... utime=12 stime=13 cutime=14 cstime=15
    sum=$((sum + ${12} + ${13}))
    [ "$p" = "$pm" ] && sum=$((sum + ${14} + ${15}))
  done
  echo "scale=2; $sum / $tck" | bc
}
timed() { # label, command...
  local label=$1 l0 c0 c1; shift
  l0=$(load)
  [ -n "${PG_ON:-}" ] && c0=$(pg_cpu)
  /usr/bin/time -f "%e %U %S %M" -o "$W/time" "$@" >"$W/out" 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
  [ -n "${PG_ON:-}" ] && c1=$(pg_cpu)
  read -r e u s m <"$W/time"
  printf '%-20s wall %7.1f s  paperboy CPU %6.1f s  peak RSS %5d MB' "$label" "$e" \
    "$(echo "$u + $s" | bc)" $((m / 1024))
  [ -n "${PG_ON:-}" ] && printf '  server CPU %6.1f s' "$(echo "$c1 - $c0" | bc)"
  printf '  load %s -> %s\n' "$l0" "$(load)"
  printf '%20s %s\n' "" "$(tail -1 "$W/out")"
}
echo "== $(nproc) cores; $(date -u +%FT%TZ); ${#FILES[@]} files; $(cd "$(dirname "$PB")" && git rev-parse --short HEAD 2>/dev/null || echo "$PB")"
ADMIN=$(tests/pgserver.sh start "$PGD")
psql "$ADMIN" -qXc "CREATE DATABASE bench" >/dev/null
PG=${ADMIN/dbname=postgres/dbname=bench}
export PAPERBOY_LOCAL_DIR=$W
timed "import, SQLite" "$PB" import --db "$W/bench.db" "${FILES[@]}"
echo "$(du -sh "$W/bench.db" | cut -f1) SQLite file"
PG_ON=1 timed "import, PostgreSQL" "$PB" import --db "$PG" "${FILES[@]}"
echo "$(psql "$PG" -qXAtc "SELECT pg_size_pretty(pg_database_size('bench'))") PostgreSQL database"
psql "$PG" -qXAtc "SELECT count(*), count(DISTINCT seq), max(seq) FROM papers" | sed 's/^/papers, distinct seqs, max seq (PostgreSQL): /'
