#!/usr/bin/env bash
# Search benchmarks (docs/BENCHMARKS.md, "Search"):
#  1. relevance on SciFact (test split): paperboy eval
#  2. the arXiv corpus: import, reindex (time, RSS, index size), then the
#     first 2,000 hf-keywords queries, top-10, one thread, warm
#  3. the SQLite FTS5 anchor on the same data and queries (anchor scripts)
# usage: bench/search/run.sh [WORKDIR]   (default /tmp/pb-search-bench)
# Set SKIP_FTS5=1 to skip the anchor (it takes a few minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="$(cd .. && pwd)/shared/data"
ANCHORS="$(cd .. && pwd)/shared/anchors"
W="${1:-/tmp/pb-search-bench}"
mkdir -p "$W"
make -s paperboy
echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/Model name: *//p'), $(date -u +%F)"
echo "== SciFact (test)"
./paperboy eval "$DATA/scifact"
python3 "$ANCHORS/fts5_beir.py" "$DATA/scifact" test || true
echo "== arXiv import"
if [ ! -f "$W/arxiv.db" ]; then
  ./paperboy import --db "$W/arxiv.db" "$DATA/arxiv/"
fi
echo "== reindex"
/usr/bin/time -f "reindex wall_s=%e max_rss_kb=%M" ./paperboy reindex --db "$W/arxiv.db"
ls -l "$W/arxiv.db.idx"
xz -dc "$DATA"/arxiv/*.jsonl.xz | wc -c | sed 's/^/raw_jsonl_bytes=/'
head -n 2000 "$DATA/queries/hf-keywords.txt" > "$W/q2000.txt"
echo "== paperboy: 2,000 queries, top-10 (warm-up pass, then timed)"
/usr/bin/time -f "search batch wall_s=%e max_rss_kb=%M" \
  ./paperboy search --db "$W/arxiv.db" --batch "$W/q2000.txt" --limit 10
if [ -z "${SKIP_FTS5:-}" ]; then
  echo "== SQLite FTS5 anchor"
  [ -f "$W/fts.db" ] || python3 "$ANCHORS/anchor_import.py" "$W/fts.db" "$DATA"/arxiv/*.jsonl.xz
  python3 "$ANCHORS/fts5_query_bench.py" "$W/fts.db" "$W/q2000.txt" 2000
fi
