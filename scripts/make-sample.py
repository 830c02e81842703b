#!/usr/bin/env python3
"""make-sample.py - regenerate the bundled sample in data/sample/ from the
real corpora in ../shared/data (see data/sample/README.md).

    scripts/make-sample.py [--data ../shared/data] [--out data/sample]

Writes, deterministically (the same input gives the same bytes):
  daily-sample.jsonl    the 72 seed papers (seed/seed-papers.jsonl) as
                        paperboy JSON lines: title and abstract, no day
  hf-daily/DAY.json     Daily Papers listings of FIRST..LAST, copied byte
                        for byte (authors, arXiv ids, upvotes, comments)
  arxiv/arxiv-sample.jsonl  arXiv metadata records (authors, categories)
                        of 2018-2019 papers written by authors who also
                        appear in those listings, at most ARXIV_MAX of them
"""
import argparse
import glob
import json
import lzma
import os
import shutil

FIRST, LAST = "2024-05-27", "2024-06-14"   # three weeks across a month end
ARXIV_CHUNK = "arxiv-005.jsonl.xz"         # ids 1811.x to 1912.x
ARXIV_MAX = 400


def hf_entries(path):
    d = json.load(open(path, encoding="utf-8"))
    if isinstance(d, dict):
        d = d.get("data", [])
    return [e for e in d if isinstance(e, dict)]


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(root), "shared", "data"))
    ap.add_argument("--out", default=os.path.join(root, "data", "sample"))
    a = ap.parse_args()

    # the seed: 72 papers, title and abstract only
    seed = [json.loads(l) for l in open(os.path.join(a.data, "seed", "seed-papers.jsonl"),
                                         encoding="utf-8") if l.strip()]
    with open(os.path.join(a.out, "daily-sample.jsonl"), "w", encoding="utf-8") as f:
        for s in seed:
            f.write(json.dumps({"title": s["title"], "abstract": s["abstract"]},
                               ensure_ascii=False) + "\n")

    # Daily Papers: whole days, unchanged
    hf_out = os.path.join(a.out, "hf-daily")
    shutil.rmtree(hf_out, ignore_errors=True)
    os.makedirs(hf_out)
    authors = {}
    days = [p for p in sorted(glob.glob(os.path.join(a.data, "hf-daily", "*.json")))
            if FIRST <= os.path.basename(p)[:10] <= LAST]
    for p in days:
        shutil.copyfile(p, os.path.join(hf_out, os.path.basename(p)))
        for e in hf_entries(p):
            for au in e.get("paper", {}).get("authors", []):
                n = au.get("name", "").strip()
                if n:
                    authors[n] = authors.get(n, 0) + 1

    # arXiv: earlier papers by the same people, so that author pages reach
    # back and category pages have papers
    ax_out = os.path.join(a.out, "arxiv")
    shutil.rmtree(ax_out, ignore_errors=True)
    os.makedirs(ax_out)
    picked = []
    with lzma.open(os.path.join(a.data, "arxiv", ARXIV_CHUNK), "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            names = [n.strip() for n in (r.get("authors") or "").split(",")]
            if any(n in authors for n in names) and r.get("categories"):
                picked.append(line if line.endswith("\n") else line + "\n")
                if len(picked) >= ARXIV_MAX:
                    break
    with open(os.path.join(ax_out, "arxiv-sample.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(picked)
    print("sample: %d seed papers, %d days (%s to %s), %d arXiv records"
          % (len(seed), len(days), FIRST, LAST, len(picked)))


if __name__ == "__main__":
    main()
