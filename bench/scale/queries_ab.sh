#!/usr/bin/env bash
# The query sets on two (or more) stores back to back, twice, one binary:
# growth of query CPU with the corpus at the same machine load
# (docs/BENCHMARKS.md, "A corpus the size of arXiv").
# usage: bench/scale/queries_ab.sh WORKDIR STORE.db...   (WORKDIR holds
#        q2000.txt and verbose500.txt as bench/scale/run.sh leaves them;
#        env PB, the binary, default ./paperboy)
set -euo pipefail
cd "$(dirname "$0")/../.."
W="${1:?WORKDIR}"; shift
PB="${PB:-$(pwd)/paperboy}"
load() { cut -d' ' -f1-3 /proc/loadavg; }
for round in 1 2; do
  for q in q2000 verbose500; do
    for s in "$@"; do
      echo "== round $round $q $s (load $(load), $(date -u +%H:%M:%S))"
      nice -n 5 "$PB" search --db "$s" --batch "$W/$q.txt" --repeat 1 | grep cpu
    done
  done
done
echo "== end (load $(load), $(date -u +%H:%M:%S))"
