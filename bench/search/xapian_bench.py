#!/usr/bin/python3
"""Xapian 1.4 top-k latency, measured the way paperboy's `search --batch`
measures itself, for side-by-side ratios in one run. The query is built as in
shared/anchors/xapian_anchor.py (BM25 k1 1.2 b 0.75, English stemmer,
STEM_SOME, OR of the query's \\w+ words); the database is the one
`xapian_anchor.py build` made. One warm-up pass, then R timed passes; a
query's latency is its fastest pass (the machine is shared); printed as wall
time, then thread CPU time.
usage: xapian_bench.py DBDIR QUERIES N [--limit K] [--repeat R] [--ids OUT]
Run with Debian's /usr/bin/python3 (python3-xapian)."""
import re, statistics, sys, time, resource
import xapian

args = sys.argv[1:]
dbdir, qfile, nq = args[0], args[1], int(args[2])
opt = dict(zip(args[3::2], args[4::2]))
limit = int(opt.get('--limit', 10)); repeat = max(1, int(opt.get('--repeat', 1)))
db = xapian.Database(dbdir)
enq = xapian.Enquire(db)
enq.set_weighting_scheme(xapian.BM25Weight(1.2, 0, 1, 0.75, 0))
qp = xapian.QueryParser(); qp.set_stemmer(xapian.Stem('en'))
qp.set_stemming_strategy(qp.STEM_SOME); qp.set_default_op(xapian.Query.OP_OR)
qs = []
for l in open(qfile):
    l = l.strip()
    if not l:
        continue
    if len(qs) == nq:
        break
    terms = ' '.join(re.findall(r'\w+', l.lower()))
    if terms:
        qs.append(terms)
lat = [None] * len(qs); cpu = [None] * len(qs); res = [[] for _ in qs]
for p in range(repeat + 1):
    for i, q in enumerate(qs):
        c = time.thread_time(); t = time.perf_counter()
        enq.set_query(qp.parse_query(q)); m = enq.get_mset(0, limit)
        docs = [x.docid for x in m]
        ms = (time.perf_counter() - t) * 1000
        cms = (time.thread_time() - c) * 1000
        if p >= 1 and (lat[i] is None or ms < lat[i]):
            lat[i] = ms
        if p >= 1 and (cpu[i] is None or cms < cpu[i]):
            cpu[i] = cms
        res[i] = docs
if '--ids' in opt:
    with open(opt['--ids'], 'w') as f:
        for docs in res:
            f.write(' '.join(db.get_document(d).get_data().decode() for d in docs) + '\n')
hits = sum(1 for r in res if r); n = len(lat)
for what, v in (('', lat), ('cpu ', cpu)):
    v.sort()
    print(f'xapian {what}queries={n} with_hits={hits} p50_ms={v[n//2]:.3f} '
          f'p90_ms={v[int(n*.9)]:.3f} p99_ms={v[int(n*.99)]:.3f} max_ms={v[-1]:.3f} '
          f'mean_ms={statistics.mean(v):.3f}')
print(f'xapian max_rss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}')
