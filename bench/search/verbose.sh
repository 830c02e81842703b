#!/usr/bin/env bash
# Long (verbose) queries, docs/BENCHMARKS.md "Long queries":
#  - the query set: bench/search/verbose_queries.py (the first 500 distinct
#    ai_summary lines of ../shared/data/hf-daily/, in file order)
#  - exactness: the pruned top-10 of every query against --exhaustive
#    (and the short hf-keywords queries too), compared with cmp
#  - speed, one run: paperboy (new, and OLD=binary with OLD_DB=its store if
#    given), SQLite FTS5 and Xapian on the same queries (as run.sh builds them)
# usage: bench/search/verbose.sh WORKDIR   (WORKDIR as bench/search/run.sh left
#        it: arxiv.db + .idx, fts.db, xapian/); env DB (the store, default
#        WORKDIR/arxiv.db), PB (the binary, default ./paperboy), OLD, OLD_DB,
#        REPEAT, FTS5_N (FTS5 takes ~1 s a verbose query: default the first
#        100), FTS5_WARM (FTS5 warms up on its first FTS5_WARM queries,
#        default 10), XAPIAN_DB (default WORKDIR/xapian). Timed runs: under
#        flock /work/runs/bench.lock on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
DATA="$(cd .. && pwd)/shared/data"
W="${1:?WORKDIR}"
R="${REPEAT:-1}"
PB="${PB:-$ROOT/paperboy}"
DB="${DB:-$W/arxiv.db}"
XDB="${XAPIAN_DB:-$W/xapian}"
load() { cut -d' ' -f1-3 /proc/loadavg; }
uptime
python3 bench/search/verbose_queries.py "$DATA/hf-daily" 500 > "$W/verbose500.txt"
head -n 2000 "$DATA/queries/hf-keywords.txt" > "$W/q2000.txt"
echo "== exactness (load $(load))"
for q in verbose500 q2000; do
  "$PB" search --db "$DB" --batch "$W/$q.txt" --ids "$W/$q.pruned.ids" >/dev/null
  "$PB" search --db "$DB" --batch "$W/$q.txt" --exhaustive --ids "$W/$q.exh.ids" >/dev/null
  cmp "$W/$q.pruned.ids" "$W/$q.exh.ids" && echo "$q: pruned top-10 = exhaustive top-10 for all $(wc -l < "$W/$q.txt") queries"
done
echo "== speed, one run, warm-up + $R timed passes (load $(load), $(date -u '+%F %H:%M UTC'))"
for q in verbose500 q2000; do
  "$PB" search --db "$DB" --batch "$W/$q.txt" --repeat "$R" | sed "s/^/new $q /"
  if [ -n "${OLD:-}" ]; then
    "$OLD" search --db "${OLD_DB:-$DB}" --batch "$W/$q.txt" --repeat "$R" --ids "$W/$q.old.ids" | sed "s/^/old $q /"
    cmp "$W/$q.old.ids" "$W/$q.pruned.ids" && echo "$q: old and new top-10 identical"
  fi
  echo "(load $(load))"
done
if [ -f "$W/fts.db" ]; then
  echo "== SQLite FTS5 (load $(load), $(date -u '+%H:%M UTC'))"
  cc -O2 -o "$W/fts5_bench" bench/search/fts5_bench.c -lsqlite3
  "$W/fts5_bench" "$W/fts.db" "$W/verbose500.txt" "${FTS5_N:-100}" --limit 10 --repeat 1 --warmup-n "${FTS5_WARM:-10}" --ids "$W/fts5v.ids"
  echo "(load $(load))"
  head -n "${FTS5_N:-100}" "$W/verbose500.txt" > "$W/verbose_fts5n.txt"
  "$PB" search --db "$DB" --batch "$W/verbose_fts5n.txt" --repeat "$R" | sed "s/^/new verbose, FTS5's ${FTS5_N:-100} /"
fi
if [ -d "$XDB" ]; then
  echo "== Xapian 1.4 (load $(load), $(date -u '+%H:%M UTC'))"
  /usr/bin/python3 bench/search/xapian_bench.py "$XDB" "$W/verbose500.txt" 500 --limit 10 --repeat "$R" --ids "$W/xapianv.ids"
  echo "(load $(load))"
fi
uptime
