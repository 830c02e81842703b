#!/usr/bin/env bash
# The query sets on two (or more) stores back to back, twice: growth of
# query CPU with the corpus at the same machine load, and with OLD set an
# older binary alternating with the new one on every set and store, their
# top-10 lists compared (docs/BENCHMARKS.md, "A corpus the size of arXiv").
# usage: bench/scale/queries_ab.sh WORKDIR STORE.db...   (WORKDIR holds
#        q2000.txt and verbose500.txt as bench/scale/run.sh leaves them;
#        env PB, the binary, default ./paperboy; OLD, another binary;
#        ROUNDS, default 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
W="${1:?WORKDIR}"; shift
PB="${PB:-$(pwd)/paperboy}"
OLD="${OLD:-}"
load() { cut -d' ' -f1-3 /proc/loadavg; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for round in $(seq 1 "${ROUNDS:-2}"); do
  for q in q2000 verbose500; do
    for s in "$@"; do
      for b in new ${OLD:+old}; do
        bin=$PB; [ "$b" = old ] && bin=$OLD
        echo "== round $round $q $(basename "$s") $b (load $(load), $(date -u +%H:%M:%S))"
        nice -n 5 "$bin" search --db "$s" --batch "$W/$q.txt" --repeat 1 --ids "$T/$b.ids" | grep cpu
      done
      if [ -n "$OLD" ]; then
        cmp -s "$T/new.ids" "$T/old.ids" && echo "   new and old top-10 identical" || echo "   new and old top-10 DIFFER"
      fi
    done
  done
done
echo "== end (load $(load), $(date -u +%H:%M:%S))"
