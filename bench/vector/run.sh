#!/usr/bin/env bash
# Semantic benchmarks (docs/BENCHMARKS.md, Semantic): SciFact relevance by
# mode, and the ANN graph beside Debian's hnswlib on the same vectors, in
# one run. Needs an arXiv store with vectors:
#   ./paperboy import --db DB ../shared/data/arxiv/ && ./paperboy reindex --db DB
#   scripts/fetch-glove.sh data/glove-100d.wv
#   ./paperboy embed --db DB --words data/glove-100d.wv
#   bench/vector/run.sh DB [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
DB="${1:-${PAPERBOY_BENCH_DB:-/tmp/arxiv.db}}"
OUT="${2:-/tmp/pb-vector-bench}"
DATA="${PAPERBOY_DATA:-../shared/data}"
if [ ! -f "$DB.vec" ]; then
  echo "bench/vector: no $DB.vec (see the comment at the top); skipped"
  exit 0
fi
mkdir -p "$OUT/papers" "$OUT/phrases"
if [ ! -f "$OUT/sf.wv" ]; then
  ./paperboy train-vectors --corpus "$DATA/scifact/corpus.jsonl" --stems \
    --min-count 3 --out "$OUT/sf.wv"   # epochs by corpus size: 40 here
fi
./paperboy eval "$DATA/scifact" --mode all --words "$OUT/sf.wv"
./paperboy vbench --db "$DB" --paper-queries --n 1000 --dump "$OUT/papers"
./paperboy vbench --db "$DB" --queries "$DATA/queries/hf-keywords.txt" \
  --n 1000 --dump "$OUT/phrases"
/usr/bin/python3 bench/vector/hnswlib_bench.py "$OUT/papers" "$OUT/phrases"
