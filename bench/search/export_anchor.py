#!/usr/bin/env python3
"""Turn `paperboy export` JSON lines (stdin) into the arXiv-shaped lines the
anchor scripts in shared/anchors read (id, title, abstract, authors as one
string, categories, versions[0].created), so that SQLite FTS5 and Xapian index
exactly the papers of the paperboy store (589,525 after the store merged the
float-mangled repeated ids), not the 706,750 raw records.
usage: paperboy export --db X.db | export_anchor.py | xz -0 -T2 > OUT.jsonl.xz"""
import sys, json
out = sys.stdout
for line in sys.stdin:
    o = json.loads(line)
    a = o.get('authors') or []
    rec = {'id': o['id'], 'title': o.get('title') or '',
           'abstract': o.get('abstract') or '',
           'authors': ', '.join(a) if isinstance(a, list) else (a or ''),
           'categories': o.get('categories') or '',
           'versions': [{'created': o.get('published') or ''}]}
    out.write(json.dumps(rec) + '\n')
