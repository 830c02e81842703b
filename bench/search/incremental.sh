#!/usr/bin/env bash
# A day's new papers, indexed incrementally (docs/BENCHMARKS.md, "Search"):
# on a copy of an indexed arXiv store, import N papers that are not in it
# (the first N of the Daily Papers archive, 2024+; the arXiv corpus ends in
# 2019) and time the index catching up with the store, which is what a
# starting `serve` or `search` does (pb_index_open_synced) and what a
# running server does after each import (pb_index_sync). The first change
# also builds the pid -> docid map, so it is counted. Then one of the new
# papers is searched by its title and must come first.
# usage: bench/search/incremental.sh ARXIV_DB [N] [WORKDIR]
#   ARXIV_DB: a store with its .idx (bench/search/run.sh leaves one in
#   /tmp/pb-search-bench/arxiv.db)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="$(cd .. && pwd)/shared/data"
SRC="$1"; N="${2:-1000}"; W="${3:-/tmp/pb-incremental-bench}"
# PB: the binary to time (default ./paperboy, built first)
if [ -z "${PB:-}" ]; then
  make -s paperboy
  PB="$(pwd)/paperboy"
fi
mkdir -p "$W"
rm -f "$W"/a.db*
echo "== $(nproc) cores, $(date -u '+%F %H:%M UTC'), load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -f "$W/hf.db" ]; then
  "$PB" import --db "$W/hf.db" "$DATA/hf-daily/" >/dev/null 2>&1 || true
fi
"$PB" export --db "$W/hf.db" > "$W/all.jsonl"
head -n "$N" "$W/all.jsonl" > "$W/day.jsonl"
cp "$SRC" "$W/a.db"
cp "$SRC.idx" "$W/a.db.idx"
# the index must be in step with the copy before the day arrives
PB_REINDEX_TIMES=1 "$PB" search --db "$W/a.db" "warm up" --limit 1 2>&1 >/dev/null | grep "index sync"
"$PB" import --db "$W/a.db" "$W/day.jsonl"
for i in 1 2 3; do
  # each run starts from the file again: the delta lives in memory
  PB_REINDEX_TIMES=1 /usr/bin/time -f "search process wall_s=%e user_s=%U sys_s=%S max_rss_kb=%M" \
    "$PB" search --db "$W/a.db" "warm up" --limit 1 2>&1 >/dev/null | grep -E "index sync|wall_s"
done
line=$(sed -n "$((N / 2))p" "$W/day.jsonl")
id=$(printf '%s' "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
title=$(printf '%s' "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["title"])')
top=$("$PB" search --db "$W/a.db" --json --limit 1 "$title" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"][0]["id"])')
echo "new paper $id found first by its title: $([ "$top" = "$id" ] && echo yes || echo "no (got $top)")"
