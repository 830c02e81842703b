#!/usr/bin/python3
"""Build the Xapian 1.4 database of the store's export for the speed
comparison, as shared/anchors/xapian_anchor.py builds it (English stemmer;
title, abstract and authors; document data = the paper id) but without
positions: BM25 over an OR query reads only postings, document lengths and
wdf, which are the same with or without positions, so the top-10 equals the
anchor's; the build is several times faster (the anchor's took 1,285 s at
load 3-10 and did not finish in 30 minutes at load 13). Commits every
XAPIAN_FLUSH_THRESHOLD documents (Xapian's variable; set here to 100,000
unless given).
usage: /usr/bin/python3 bench/search/xapian_build.py DBDIR EXPORT.jsonl[.xz]
(EXPORT as bench/search/run.sh makes it: paperboy export | export_anchor.py)"""
import json, lzma, os, sys, time
os.environ.setdefault('XAPIAN_FLUSH_THRESHOLD', '100000')
import xapian

dbdir, src = sys.argv[1], sys.argv[2]
db = xapian.WritableDatabase(dbdir, xapian.DB_CREATE_OR_OVERWRITE)
tg = xapian.TermGenerator()
tg.set_stemmer(xapian.Stem('en'))
t0, c0, n = time.time(), time.process_time(), 0
fh = lzma.open(src, 'rt') if src.endswith('.xz') else open(src)
for line in fh:
    o = json.loads(line)
    doc = xapian.Document()
    tg.set_document(doc)
    tg.index_text_without_positions(o['title']); tg.increase_termpos()
    tg.index_text_without_positions(o['abstract']); tg.increase_termpos()
    tg.index_text_without_positions(o['authors'])
    doc.set_data(o['id'])
    db.add_document(doc)
    n += 1
db.commit()
print('xapian build papers=%d wall_s=%.1f cpu_s=%.1f' % (n, time.time() - t0, time.process_time() - c0))
