#!/usr/bin/env python3
"""The verbose query set: each Daily Papers entry's `paper.ai_summary` (the
one-sentence summary, about 24 words), in file order (the files are named by
day, 2024-05-27 first) and entry order within a file, whitespace collapsed to
single spaces, repeats dropped (a paper listed on several days), the first N
(default 500; 0 = all 5,712). Entries that are not JSON objects (the ~300
Python-repr strings of 2024-12/2025-01) and entries without an ai_summary
(early files) are skipped. One query a line on stdout.
usage: verbose_queries.py [HF_DAILY_DIR] [N] > verbose.txt"""
import glob, json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '../../../shared/data/hf-daily')
n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
seen, out = set(), []
for f in sorted(glob.glob(os.path.join(d, '*.json'))):
    with open(f, encoding='utf-8') as fh:
        doc = json.load(fh)
    if isinstance(doc, dict):  # 2025-01-10.json wraps the list
        doc = doc.get('data') or []
    for e in doc:
        if not isinstance(e, dict):
            continue
        s = (e.get('paper') or {}).get('ai_summary')
        if not isinstance(s, str):
            continue
        s = ' '.join(s.split())
        if not s or s in seen:
            continue
        seen.add(s)
        out.append(s)
if n:
    out = out[:n]
sys.stdout.write(''.join(s + '\n' for s in out))
