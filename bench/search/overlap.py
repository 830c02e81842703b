#!/usr/bin/env python3
"""Top-k overlap between two engines' hit lists (one line per query, ids
separated by spaces, as `paperboy search --batch --ids`, fts5_bench --ids and
xapian_bench.py --ids write them; the query files must be the same lines).
usage: overlap.py A.ids B.ids  -> mean |A & B| / |B| over queries where B has
hits, and how many queries have identical top-k sets."""
import sys
a = [l.split() for l in open(sys.argv[1])]
b = [l.split() for l in open(sys.argv[2])]
if len(a) != len(b):
    sys.exit(f'{sys.argv[1]}: {len(a)} lines, {sys.argv[2]}: {len(b)}')
pairs = [(set(x), set(y)) for x, y in zip(a, b) if y]
ov = sum(len(x & y) / len(y) for x, y in pairs) / max(1, len(pairs))
print(f'queries={len(a)} compared={len(pairs)} overlap={ov:.3f} '
      f'identical_sets={sum(x == y for x, y in pairs)}')
