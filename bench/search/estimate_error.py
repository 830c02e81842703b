#!/usr/bin/env python3
"""How far the search page's estimated totals are from the exact ones.

    bench/search/estimate_error.py PAPERBOY DB QUERIES N

For each of the first N queries of QUERIES (one a line) runs
`PAPERBOY search --db DB --json --estimate` and, when the total was
estimated, the same without --estimate (exact); prints how many were
estimated and the median, 90th percentile and worst of
|estimated - exact| / exact (docs/BENCHMARKS.md, session 6). One process a
query: N of a few hundred takes minutes on the 2.6M store."""
import json, subprocess, sys
pb, db, qf, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
qs = [l.strip() for l in open(qf) if l.strip()][:n]
errs = []
for q in qs:
    def run(*extra):
        out = subprocess.run([pb, "search", "--db", db, "--json", "--limit", "1", *extra, q],
                             capture_output=True, text=True).stdout
        return json.loads(out)
    e = run("--estimate")
    if not e.get("total_estimated"):
        continue
    x = run()
    errs.append(abs(e["total"] - x["total"]) / max(1, x["total"]))
errs.sort()
if errs:
    print("%s: %d estimated of %d; |error| median %.3f, p90 %.3f, max %.3f" % (
        db, len(errs), len(qs), errs[len(errs)//2], errs[int(len(errs)*0.9)], errs[-1]))
