#!/usr/bin/env bash
# Search benchmarks (docs/BENCHMARKS.md, "Search"):
#  1. relevance on SciFact (test split): paperboy eval (+ the FTS5 anchor)
#  2. the arXiv corpus: import, reindex (wall and CPU time, RSS, index size)
#  3. the same papers for SQLite FTS5 and Xapian: the store is exported
#     (589,525 papers; the raw 706,750 records repeat 117,225 papers under
#     float-mangled ids) into the arXiv-shaped lines the anchor scripts read,
#     and indexed by shared/anchors/anchor_import.py and xapian_anchor.py
#  4. one run, back to back, same 2,000 hf-keywords queries, top-10, one
#     thread, warm: paperboy search --batch, bench/search/fts5_bench (C) and
#     bench/search/xapian_bench.py, each with a warm-up pass and R timed
#     passes (a query's latency is its fastest pass); ratios at p50 and p99;
#     top-10 overlap of paperboy with each
# usage: bench/search/run.sh [WORKDIR]   (default /tmp/pb-search-bench)
# Env: REPEAT (timed passes, default 1); SKIP_XAPIAN=1 / SKIP_FTS5=1 skip an
# engine (the Xapian build takes 10-20 minutes, FTS5's about 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
DATA="$(cd .. && pwd)/shared/data"
ANCHORS="$(cd .. && pwd)/shared/anchors"
W="${1:-/tmp/pb-search-bench}"
R="${REPEAT:-1}"
mkdir -p "$W"
make -s paperboy
cc -O2 -Wall -Wextra -o "$W/fts5_bench" bench/search/fts5_bench.c -lsqlite3
PB="$ROOT/paperboy"
echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/Model name: *//p'), $(date -u '+%F %H:%M UTC'), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== SciFact (test)"
"$PB" eval "$DATA/scifact"
python3 "$ANCHORS/fts5_beir.py" "$DATA/scifact" test || true

echo "== arXiv import"
if [ ! -f "$W/arxiv.db" ]; then
  /usr/bin/time -f "import wall_s=%e" "$PB" import --db "$W/arxiv.db" "$DATA/arxiv/"
fi
echo "== reindex (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
PB_REINDEX_TIMES=1 /usr/bin/time -f "reindex wall_s=%e user_s=%U sys_s=%S max_rss_kb=%M" \
  "$PB" reindex --db "$W/arxiv.db"
echo "index_bytes=$(stat -c %s "$W/arxiv.db.idx")"
[ -f "$W/raw_bytes" ] || xz -dc "$DATA"/arxiv/*.jsonl.xz | wc -c > "$W/raw_bytes"
echo "raw_jsonl_bytes=$(cat "$W/raw_bytes")"

echo "== the same papers for the other engines"
if [ ! -f "$W/export.jsonl.xz" ]; then
  "$PB" export --db "$W/arxiv.db" | python3 bench/search/export_anchor.py |
    xz -0 -T2 > "$W/export.jsonl.xz"
fi
echo "exported_papers=$(xz -dc "$W/export.jsonl.xz" | wc -l)"
if [ -z "${SKIP_FTS5:-}" ] && [ ! -f "$W/fts.db" ]; then
  /usr/bin/time -f "fts5 import wall_s=%e max_rss_kb=%M" \
    python3 "$ANCHORS/anchor_import.py" "$W/fts.db" "$W/export.jsonl.xz"
  sqlite3 "$W/fts.db" "pragma wal_checkpoint(truncate)" >/dev/null
fi
[ -f "$W/fts.db" ] && echo "fts5_db_bytes=$(stat -c %s "$W/fts.db")"
if [ -z "${SKIP_XAPIAN:-}" ] && [ ! -d "$W/xapian" ]; then
  /usr/bin/time -f "xapian build wall_s=%e max_rss_kb=%M" \
    /usr/bin/python3 "$ANCHORS/xapian_anchor.py" build "$W/xapian" "$W/export.jsonl.xz"
fi
[ -d "$W/xapian" ] && echo "xapian_db_bytes=$(du -sb "$W/xapian" | cut -f1)"

head -n 2000 "$DATA/queries/hf-keywords.txt" > "$W/q2000.txt"
echo "== one run: 2,000 queries, top-10, warm-up + $R timed passes each (load: $(cut -d' ' -f1-3 /proc/loadavg))"
/usr/bin/time -f "paperboy search max_rss_kb=%M" \
  "$PB" search --db "$W/arxiv.db" --batch "$W/q2000.txt" --limit 10 \
  --repeat "$R" --ids "$W/pb.ids" | sed 's/^/paperboy /' | tee "$W/pb.out"
if [ -f "$W/fts.db" ] && [ -z "${SKIP_FTS5:-}" ]; then
  /usr/bin/time -f "fts5 max_rss_kb=%M" "$W/fts5_bench" "$W/fts.db" "$W/q2000.txt" 2000 \
    --limit 10 --repeat "$R" --ids "$W/fts5.ids" | tee "$W/fts5.out"
fi
if [ -d "$W/xapian" ] && [ -z "${SKIP_XAPIAN:-}" ]; then
  /usr/bin/python3 bench/search/xapian_bench.py "$W/xapian" "$W/q2000.txt" 2000 \
    --limit 10 --repeat "$R" --ids "$W/xapian.ids" | tee "$W/xapian.out"
fi
echo "== ratios (other engine / paperboy) and top-10 overlap"
p() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1"; }
for e in fts5 xapian; do
  [ -f "$W/$e.out" ] || continue
  awk -v e=$e -v a50="$(p "$W/$e.out" p50_ms)" -v b50="$(p "$W/pb.out" p50_ms)" \
      -v a99="$(p "$W/$e.out" p99_ms)" -v b99="$(p "$W/pb.out" p99_ms)" \
      'BEGIN { printf "%s/paperboy: p50 %.1fx, p99 %.1fx\n", e, a50 / b50, a99 / b99 }'
  echo -n "top-10 overlap, paperboy vs $e: "
  python3 bench/search/overlap.py "$W/pb.ids" "$W/$e.ids"
done

echo "== a day's 1,000 new papers, indexed incrementally"
bench/search/incremental.sh "$W/arxiv.db" 1000 "$W/incremental"
