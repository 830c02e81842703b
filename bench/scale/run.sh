#!/usr/bin/env bash
# The arXiv-size measurements of docs/BENCHMARKS.md ("A corpus the size of
# arXiv"): one store, each step timed with /usr/bin/time (wall, user, sys,
# peak RSS) and the load average printed beside it.
# usage: bench/scale/run.sh WORKDIR NAME INPUT...
#   makes WORKDIR/NAME.db from INPUT (files or directories paperboy import
#   reads), then runs the steps in $STEPS (default: all, in this order):
#   import reindex size serve short verbose incremental train embed similar
#   env: PB (binary, default ./paperboy), WORDS (a .wv to link instead of
#   training: embed --words), TRAIN_LIMIT (train-vectors --limit, 150000),
#   REPEAT (search --batch --repeat, 1)
# Long steps run under nice -n $NICE (default 19: a shared machine). Example (docs/BENCHMARKS.md):
#   bench/scale/make_corpus.py ../shared/data/arxiv /tmp/pb-arxivsize/gen
#   bench/scale/run.sh /tmp/pb-arxivsize a574k ../shared/data/arxiv/
#   WORDS=/tmp/pb-arxivsize/a574k.db.wv bench/scale/run.sh /tmp/pb-arxivsize \
#       a2600k ../shared/data/arxiv/ /tmp/pb-arxivsize/gen/
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
DATA="$(cd .. && pwd)/shared/data"
W="${1:?WORKDIR}"; NAME="${2:?NAME}"; shift 2
export PB="${PB:-$ROOT/paperboy}"
DB="$W/$NAME.db"
STEPS="${STEPS:-import reindex size serve short verbose incremental train embed similar}"
R="${REPEAT:-1}"
NICE="${NICE:-19}"
mkdir -p "$W"
load() { cut -d' ' -f1-3 /proc/loadavg; }
T() { # T LABEL LOG CMD...: run CMD under nice and bench/scale/measure.py,
      # its output to LOG
  local label=$1 log=$2; shift 2
  local l0; l0=$(load)
  local rc=0
  nice -n "$NICE" python3 "$ROOT/bench/scale/measure.py" "$W/.time" "$@" > "$log" 2>&1 || rc=$?
  read -r e u s m a f < "$W/.time"
  printf '%s %s: %s s wall, %s s user + %s s sys CPU, peak RSS %d MB (heap %d MB + mapped files %d MB) (load %s -> %s, %s)%s\n' \
    "$NAME" "$label" "$e" "$u" "$s" $((m / 1024)) $((a / 1024)) $((f / 1024)) "$l0" "$(load)" "$(date -u +%H:%M)" \
    "$([ $rc = 0 ] || echo " exit $rc")"
}
has() { case " $STEPS " in *" $1 "*) return 0;; esac; return 1; }
echo "== $NAME: $(nproc) cores, $(date -u '+%F %H:%M UTC'), load $(load), $PB"
if has import; then
  rm -f "$DB" "$DB"-* "$DB".*
  T import "$W/$NAME.import.log" "$PB" import --db "$DB" "$@"
  tail -n 3 "$W/$NAME.import.log"
fi
if has reindex; then
  T reindex "$W/$NAME.reindex.log" env PB_REINDEX_TIMES=1 "$PB" reindex --db "$DB"
  grep -v '^$' "$W/$NAME.reindex.log" | tail -n 8
fi
if has size; then
  echo "$NAME size: papers $("$PB" stats --db "$DB" 2>/dev/null | grep -i -m1 papers | tr -s ' '), store $(du -m "$DB" | cut -f1) MB, index $(du -m "$DB.idx" | cut -f1) MB"
fi
if has serve; then
  echo "$NAME serve start (load $(load)):"
  nice -n "$NICE" python3 bench/scale/serve_ready.py "$PB" "$DB" 3
fi
if has short; then
  head -n 2000 "$DATA/queries/hf-keywords.txt" > "$W/q2000.txt"
  echo "$NAME short queries, 2,000 hf-keywords, --repeat $R (load $(load), $(date -u +%H:%M)):"
  nice -n "$NICE" "$PB" search --db "$DB" --batch "$W/q2000.txt" --repeat "$R" --ids "$W/$NAME.q2000.ids"
fi
if has verbose; then
  python3 bench/search/verbose_queries.py "$DATA/hf-daily" 500 > "$W/verbose500.txt"
  echo "$NAME verbose queries, 500 ai_summary lines (md5 $(md5sum < "$W/verbose500.txt" | cut -c1-8)), --repeat $R (load $(load), $(date -u +%H:%M)):"
  nice -n "$NICE" "$PB" search --db "$DB" --batch "$W/verbose500.txt" --repeat "$R" --ids "$W/$NAME.v500.ids"
  echo "(load $(load))"
fi
if has incremental; then
  echo "$NAME incremental, 1,000 new papers:"
  nice -n "$NICE" bench/search/incremental.sh "$DB" 1000 "$W/inc-$NAME" 2>&1 | grep -v '^  LD\|^make'
  rm -f "$W/inc-$NAME"/a.db*
fi
if has train; then
  if [ -z "${WORDS:-}" ]; then
    T train-vectors "$W/$NAME.train.log" "$PB" train-vectors --db "$DB" --epochs 1 \
      --stems --threads 2 --limit "${TRAIN_LIMIT:-150000}"
    tail -n 3 "$W/$NAME.train.log"
  fi
fi
if has embed; then
  if [ -n "${WORDS:-}" ]; then
    T embed "$W/$NAME.embed.log" "$PB" embed --db "$DB" --words "$WORDS" --rebuild
  else
    T embed "$W/$NAME.embed.log" "$PB" embed --db "$DB" --rebuild
  fi
  tail -n 4 "$W/$NAME.embed.log"
  echo "$NAME vector files: $(du -m "$DB.vec" "$DB.hnsw" | tr '\n\t' '  ')"
fi
if has similar; then
  python3 - "$DB" 600 > "$W/$NAME.ids" <<'PY'
import sqlite3, sys
c = sqlite3.connect('file:%s?mode=ro' % sys.argv[1], uri=True)
n = c.execute('select count(*) from papers').fetchone()[0]
k = int(sys.argv[2]); step = max(1, n // k)
for (i,) in c.execute('select id from papers where rowid %% %d = 7 order by rowid limit %d' % (step, k)):
    print(i)
PY
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  nice -n "$NICE" "$PB" serve --db "$DB" --port "$port" --access-log off --no-cache >/dev/null 2>&1 &
  spid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
  curl -s "http://127.0.0.1:$port/api/papers/$(head -n1 "$W/$NAME.ids")/similar" >/dev/null  # opens the semantic index
  echo "$NAME similar papers, 300 + 300 distinct papers (load $(load), $(date -u +%H:%M)):"
  python3 bench/vector/similar_latency.py "$port" "$W/$NAME.ids" 300
  kill "$spid"; wait "$spid" 2>/dev/null || true
fi
echo "== $NAME done $(date -u '+%H:%M UTC'), load $(load)"
