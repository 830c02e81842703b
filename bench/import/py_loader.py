#!/usr/bin/env python3
"""The loader a user would otherwise write: json + sqlite3 executemany, one
row per record, into a table with the paper's fields. Same shape as
../../../shared/anchors/anchor_import.py without its FTS5 step.
usage: py_loader.py OUT.db CHUNK.jsonl.xz..."""
import json, lzma, sqlite3, sys, time

db = sqlite3.connect(sys.argv[1])
db.executescript("""pragma journal_mode=wal; pragma synchronous=normal;
create table if not exists papers(id text primary key, title text, authors text,
  abstract text, categories text, created text);""")
t0 = time.time()
n = 0
for f in sys.argv[2:]:
    rows = []
    for line in lzma.open(f, 'rt'):
        o = json.loads(line)
        rows.append((o['id'], o['title'], o['authors'], o['abstract'], o['categories'],
                     (o['versions'][0]['created'] if o['versions'] else None)))
    with db:
        db.executemany('insert or replace into papers values(?,?,?,?,?,?)', rows)
    n += len(rows)
print('records=%d load_s=%.2f' % (n, time.time() - t0))
