"""Integration test for `paperboy eval DIR --mode hybrid --study A.wv
--dump FILE` (src/cli/veval_study.c) on a tiny BEIR-layout set whose word
vectors come from the real `paperboy train-vectors --corpus`. Queries
q1-q3 have words in exactly one document, their only relevant one, so the
keyword list holds that document alone (min-max scaled to 1, every other
candidate 0): wherever alpha outweighs what the other terms can add up to,
it ranks first (nDCG@10 1). q4's one word is in no document and has no
vector: every score is 0, ties go by corpus order, and its relevant d3
ranks third everywhere (nDCG@10 1 / log2(4) = 0.5). So those cells read
(1 + 1 + 1 + 0.5) / 4 = 0.875."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as t  # noqa: E402

DOCS = [
    ("d1", "Protein folding kinetics", "Chaperones assist protein folding. "
     "Misfolded chains aggregate in the cell."),
    ("d2", "Gene expression in yeast", "Transcription factors regulate gene "
     "expression. Yeast cells respond to stress!"),
    ("d3", "Graphene conductivity", "Graphene sheets conduct electrons. "
     "Defects lower the mobility of carriers."),
    ("d4", "Telescope optics", "Mirrors focus starlight in a telescope. "
     "Adaptive optics correct turbulence?"),
    ("d5", "Protein gene interplay", "Cells fold protein and express gene "
     "products. Stress changes both."),
    ("d6", "Carrier mobility in metals", "Electrons scatter on defects. "
     "Cold metals conduct better."),
    ("d7", "Starlight spectra", "Spectra of starlight reveal composition. "
     "Mirrors and lenses disperse light."),
    ("d8", "Cell stress responses", "Heat stress unfolds protein chains. "
     "Cells answer with chaperones."),
]
QUERIES = [("q1", "misfolded aggregate"),
           ("q2", "transcription factors yeast"),
           ("q3", "adaptive turbulence telescope"), ("q4", "zyzzyva")]
QRELS = [("q1", "d1", 1), ("q2", "d2", 1), ("q3", "d4", 1), ("q4", "d3", 1)]


def make_set():
    d = t.Tmp.path("beir")
    os.makedirs(os.path.join(d, "qrels"), exist_ok=True)
    with open(os.path.join(d, "corpus.jsonl"), "w") as f:
        for i, ti, tx in DOCS:
            f.write(json.dumps({"_id": i, "title": ti, "text": tx}) + "\n")
    with open(os.path.join(d, "queries.jsonl"), "w") as f:
        for i, tx in QUERIES:
            f.write(json.dumps({"_id": i, "text": tx}) + "\n")
    with open(os.path.join(d, "qrels", "test.tsv"), "w") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for q, doc, g in QRELS:
            f.write("%s\t%s\t%d\n" % (q, doc, g))
    wv = os.path.join(d, "tiny.wv")
    rc, out, err = t.run("train-vectors", "--corpus",
                         os.path.join(d, "corpus.jsonl"), "--epochs", "2",
                         "--min-count", "1", "--dim", "16", "--out", wv)
    t.eq(rc, 0, "train-vectors: " + err)
    return d, wv


DIR, WV = make_set()


def tables(out):
    """{header: [(alpha, [values])]} of the study's tables"""
    tabs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"study (.*): rows alpha, cols (gamma|beta)", line)
        if m:
            cur = tabs.setdefault(m.group(1), [])
            continue
        m = re.match(r"  alpha (\d\.\d\d):((?: \d\.\d{4})+)$", line)
        if m and cur is not None:
            cur.append((m.group(1), [float(x) for x in m.group(2).split()]))
        else:
            cur = None
    return tabs


@t.test
def study_tables_and_dump():
    dump = t.Tmp.path("dump.tsv")
    rc, out, err = t.run("eval", DIR, "--mode", "hybrid", "--words", WV,
                         "--study", WV, "--study", WV, "--dump", dump,
                         timeout=60)
    t.eq(rc, 0, err)
    t.check("study models=2 queries=4" in out, out)
    m = re.search(r"study semantic \(ensemble cosine, exact\) "
                  r"nDCG@10=(\d\.\d{4})", out)
    t.check(m and 0 <= float(m.group(1)) <= 1, out)
    tabs = tables(out)
    feats = ["sentence", "title", "max(sentence,title)"]
    norms = ["minmax-kwlist", "maxnorm", "zscore", "minmax-cands",
             "maxnorm-sq"]
    want = ["norm=%s feature=%s" % (n, f) for f in feats for n in norms] + [
        "neighbours k=%d norm=minmax-kwlist gamma=0" % k for k in
        (1, 3, 5, 10)]
    t.eq(sorted(tabs), sorted(want))
    for name, rows in tabs.items():
        t.eq([a for a, _ in rows],
             ["0.45", "0.50", "0.55", "0.60", "0.65", "0.70", "0.75"], name)
        for a, vals in rows:
            t.eq(len(vals), 6, name)
            t.check(all(0 <= v <= 1 for v in vals), (name, a, vals))
    # keyword 1 vs at most 1 - alpha for the others from alpha 0.55 on;
    # with neighbours (beta up to 0.25) from 0.75 on
    for f in feats:
        for a, vals in tabs["norm=minmax-kwlist feature=" + f][2:]:
            t.eq(vals, [0.875] * 6, (f, a))
    for k in (1, 3, 5, 10):
        a, vals = tabs["neighbours k=%d norm=minmax-kwlist gamma=0" % k][-1]
        t.eq(vals, [0.875] * 6, (k, a))
    rows = [line.split("\t") for line in open(dump).read().splitlines()]
    t.eq([r[0] for r in rows], ["q1", "q2", "q3", "q4"])
    for r, (qid, text), (_, doc, _) in zip(rows, QUERIES, QRELS):
        t.eq(len(r), 8, r)
        t.check(0 <= float(r[1]) <= 1, r)
        # the keyword list is that document alone (q4: empty)
        t.eq(r[2], "-1" if qid == "q4" else "0", r)
        t.check(all(-1 <= int(x) < 100 for x in r[3:5]), r)
        t.eq((r[5], r[7]), (doc, text))


@t.test
def keyword_eval_exact():
    """`eval DIR` without --mode (cmd_eval.c): q1-q3 find their one
    relevant document first, q4 finds nothing: 3 / 4 on every measure."""
    rc, out, err = t.run("eval", DIR, timeout=60)
    t.eq(rc, 0, err)
    t.check("docs=8 queries=4 " in out, out)
    t.check("nDCG@10=0.7500 recall@100=0.7500 MRR@10=0.7500 " in out, out)


@t.test
def study_bad_vectors_refused():
    rc, out, err = t.run("eval", DIR, "--mode", "hybrid", "--words", WV,
                         "--study", t.Tmp.path("missing.wv"), timeout=60)
    t.eq(rc, 1, out + err)
    t.check("--study" in err, err)


if __name__ == "__main__":
    t.main()
