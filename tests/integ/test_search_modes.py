"""Integration tests for mode=keyword|semantic|hybrid (docs/SEMANTIC.md) on
/search, /api/papers/search and `paperboy search --mode`: a small hand-made
store whose word and paper vectors are built by the real commands
(`paperboy train-vectors`, `paperboy embed`), where "car" and "automobile"
appear in the same contexts but never in one paper. Semantic search for
"car" must find the automobile papers (no word in common with the query);
keyword search must not."""
import json
import os
import random
import re
import shutil
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as t  # noqa: E402
import web_fixture as wf  # noqa: E402

VEH = ("engine fuel wheel road driver brake tire gear highway traffic speed "
       "steering garage parking").split()
BIO = ("protein enzyme cell gene membrane receptor molecule tissue mutation "
       "antibody sequence genome").split()
FILL = ("we study a new method for the problem and show results on data "
        "with improved performance").split()


def corpus():
    """25 papers with "car", 12 with "automobile" (never "car"), 35 on
    biology; abstracts drawn from each topic's words with a fixed seed."""
    r = random.Random(7)
    papers = []

    def doc(topic, special):
        words = []
        for _ in range(60):
            x = r.random()
            if special and x < 0.15:
                words.append(special)
            elif x < 0.75:
                words.append(r.choice(topic))
            else:
                words.append(r.choice(FILL))
        return " ".join(words)

    def add(title, abstract):
        n = len(papers) + 1
        papers.append({"id": "2401.%05d" % n, "title": title,
                       "abstract": abstract, "authors": ["A. Author"],
                       "categories": "cs.XX", "listed_day": "2024-01-%02d" %
                       (1 + n % 28)})

    for _ in range(25):
        add("On the car " + r.choice(VEH), doc(VEH, "car"))
    for _ in range(12):
        add("Automobile " + r.choice(VEH) + " study", doc(VEH, "automobile"))
    for _ in range(35):
        add("The %s of %s" % (r.choice(BIO), r.choice(BIO)),
            doc(BIO, r.choice(["cell", None])))
    return papers


PAPERS = corpus()
CAR = {p["id"] for p in PAPERS if " car " in " %s %s " % (p["title"],
                                                           p["abstract"])}
AUTO = {p["id"] for p in PAPERS if "automobile" in p["abstract"]}
VEHICLE = CAR | AUTO
assert len(CAR) == 25 and len(AUTO) == 12 and not CAR & AUTO


def make_store(vectors):
    d = t.Tmp.path("vec" if vectors else "novec")
    os.makedirs(d, exist_ok=True)
    db = os.path.join(d, "t.db")
    jl = os.path.join(d, "p.jsonl")
    with open(jl, "w") as f:
        for p in PAPERS:
            f.write(json.dumps(p) + "\n")
    for args in (["import", "--db", db, jl], ["reindex", "--db", db]) + ((
            ["train-vectors", "--db", db, "--min-count", "2", "--epochs",
             "20", "--dim", "32"], ["embed", "--db", db]) if vectors else ()):
        rc, out, err = t.run(*args)
        t.eq(rc, 0, "%s: %s" % (args[0], err))
    return db


DB = make_store(True)
DB_NOVEC = make_store(False)


class Serve(wf.Server):
    """web_fixture's server on a database made here."""

    def __init__(self, db):  # noqa: super().__init__ imports its own slice
        import subprocess
        import time
        import urllib.request
        self.dir = os.path.dirname(db)
        self.db = db
        self.port = wf.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.err = open(os.path.join(self.dir, "serve.err"), "w+")
        self.proc = subprocess.Popen(
            [t.BIN, "serve", "--db", db, "--port", str(self.port),
             "--threads", "2", "--access-log", "off"],
            stdout=subprocess.DEVNULL, stderr=self.err)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/subscribe", timeout=2)
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.stderr())


def api(s, q, **args):
    path = "/api/papers/search?q=" + urllib.parse.quote(q) + "".join(
        "&%s=%s" % kv for kv in args.items())
    st, h, b = s.get(path)
    return st, h, json.loads(b)


def ids(items):
    return [x["paper"]["id"] for x in items]


S = Serve(DB)
N = Serve(DB_NOVEC)


@t.test
def api_keyword_finds_only_the_word():
    for args in ({}, {"mode": "keyword"}):
        st, h, a = api(S, "car", limit=100, **args)
        t.eq(st, 200)
        t.eq(h.get("X-Search-Mode"), "keyword")
        t.eq(set(ids(a)), CAR, args)


@t.test
def api_semantic_finds_papers_without_the_word():
    st, h, a = api(S, "car", limit=37, mode="semantic")
    t.eq(st, 200)
    t.eq(h.get("X-Search-Mode"), "semantic")
    # the 37 vehicle papers rank above all 35 biology papers, among them
    # the 12 that never say "car"
    t.eq(set(ids(a)), VEHICLE)
    t.check(AUTO <= set(ids(a)))
    # the HF shape is the same in every mode
    t.check({"isAuthorParticipating", "numComments", "paper", "publishedAt",
             "summary", "thumbnail", "title"} <= set(a[0].keys()), sorted(a[0].keys()))
    st, h, a = api(S, "automobile", limit=37, mode="semantic")
    t.eq(set(ids(a)), VEHICLE)
    st, h, a = api(S, "automobile", limit=100)
    t.eq(set(ids(a)), AUTO)


@t.test
def api_hybrid():
    st, h, a = api(S, "car", limit=37, mode="hybrid")
    t.eq(st, 200)
    t.eq(h.get("X-Search-Mode"), "hybrid")
    t.eq(set(ids(a)), VEHICLE)
    t.check(ids(a)[0] in CAR, ids(a)[:3])
    # the fused list is at most PB_HYBRID_DEPTH (100) long
    st, h, a = api(S, "car", limit=100, mode="hybrid")
    t.eq(len(a), len(PAPERS))


@t.test
def api_bad_mode_is_400():
    for bad in ["bogus", "", "KEYWORD", "semantic%20", "hybrid&mode=x"]:
        st, h, e = S.get("/api/papers/search?q=car&mode=" + bad)[:3]
        body = json.loads(e)
        if bad in ("", "hybrid&mode=x"):  # empty is the default; the first
            t.eq(st, 200, bad)           # value counts
            continue
        t.eq(st, 400, bad)
        t.eq(body, {"error": "mode must be keyword, semantic or hybrid",
                    "status": 400}, bad)


@t.test
def api_without_vectors_falls_back_to_keyword():
    st, h, a = api(N, "car", limit=100, mode="semantic")
    t.eq(st, 200)
    t.eq(h.get("X-Search-Mode"), "keyword")
    t.eq(set(ids(a)), CAR)
    st, h, a = api(N, "car", mode="bogus")
    t.eq(st, 400)


def page(s, path):
    st, h, b = s.get(path)
    return st, b.decode()


def page_ids(html):
    return re.findall(r'href="/papers/(2401\.\d{5})"', html)


@t.test
def page_modes_and_paging():
    st, html = page(S, "/search?q=car")
    t.eq(st, 200)
    t.eq(len(set(page_ids(html))), 20)
    t.check(set(page_ids(html)) <= CAR, "keyword page shows automobile")
    t.check('<option value="keyword" selected>' in html, html[:2000])
    t.check("25 papers for" in html)
    st, html = page(S, "/search?q=car&mode=semantic")
    t.eq(st, 200)
    first = page_ids(html)
    t.eq(len(set(first)), 20)
    t.check(set(first) <= VEHICLE)
    t.check('<option value="semantic" selected>' in html)
    t.check("Top 72 papers for" in html, re.findall(r"\d+ papers? for", html))
    # the header's search box keeps the mode; paging keeps it
    t.check('<input type="hidden" name="mode" value="semantic">' in html)
    t.check('href="/search?q=car&amp;mode=semantic&amp;p=1"' in html)
    st, html = page(S, "/search?q=car&mode=semantic&p=1")
    second = page_ids(html)
    t.eq(len(second), 20)
    t.check(not set(first) & set(second))
    # pages 0 and 1 hold 40 papers: all 37 vehicle ones first
    t.eq(set(first + second[:17]), VEHICLE)
    t.check('href="/search?q=car&amp;mode=semantic"' in html)  # previous
    st, html = page(S, "/search?q=car&mode=hybrid")
    t.check('<option value="hybrid" selected>' in html)
    t.check(set(page_ids(html)) <= VEHICLE)
    t.check("Note:" not in html)
    st, html = page(S, "/search?q=car&mode=bogus")
    t.eq(st, 400)


@t.test
def page_without_vectors_says_so():
    st, html = page(N, "/search?q=car&mode=semantic")
    t.eq(st, 200)
    t.check("Semantic search needs paper vectors" in html, html[-3000:])
    t.eq(set(page_ids(html)) - CAR, set())
    t.check("25 papers for" in html)
    # the choice stays: the control and the paging links keep semantic
    t.check('<option value="semantic" selected>' in html)
    st, html = page(N, "/search?q=car&mode=hybrid")
    t.check("Hybrid search needs paper vectors" in html)
    st, html = page(N, "/search?q=car")
    t.check("needs paper vectors" not in html)


@t.test
def cli_modes():
    rc, out, err = t.run("search", "car", "--db", DB, "--mode", "semantic",
                         "--limit", "37", "--json")
    t.eq(rc, 0, err)
    j = json.loads(out)
    t.eq(j["mode"], "semantic")
    t.eq({h["id"] for h in j["hits"]}, VEHICLE)
    t.eq(j["total"], 37)
    rc, out, err = t.run("search", "car", "--db", DB, "--limit", "100",
                         "--json")
    j = json.loads(out)
    t.eq((rc, j["mode"]), (0, "keyword"))
    t.eq({h["id"] for h in j["hits"]}, CAR)
    rc, out, err = t.run("search", "car", "--db", DB, "--mode", "hybrid",
                         "--limit", "37")
    t.eq(rc, 0, err)
    t.check(out.startswith("mode hybrid: the top 100 by words and meaning"),
            out[:200])
    got = set(re.findall(r"^ *\d+\. (2401\.\d{5})", out, re.M))
    t.eq(got, VEHICLE)
    rc, out, err = t.run("search", "car", "--db", DB, "--mode", "bogus")
    t.eq(rc, 2)
    t.check("--mode wants keyword, semantic or hybrid" in err, err)
    rc, out, err = t.run("search", "car", "--db", DB_NOVEC, "--mode",
                         "semantic")
    t.eq(rc, 1)
    t.check("no paper vectors" in err and "paperboy embed" in err, err)
    rc, out, err = t.run("search", "car", "--db", DB, "--mode", "semantic",
                         "--explain")
    t.eq(rc, 2)


@t.test
def train_vectors_dump_words():
    """--dump-words writes what training reads, one paper a line, trains
    nothing: the analyser's words (stems with --stems, stop words gone)."""
    out_txt = os.path.join(os.path.dirname(DB), "words.txt")
    wv = os.path.join(os.path.dirname(DB), "dump-only.wv")
    for stems in (False, True):
        rc, out, err = t.run("train-vectors", "--db", DB, "--dump-words",
                             out_txt, "--out", wv, *(["--stems"] if stems
                                                     else []))
        t.eq(rc, 0, err)
        t.check("72 documents' words" in out, out)
        t.check(not os.path.exists(wv), "a .wv was written")
        lines = open(out_txt).read().split("\n")
        t.eq(len(lines), 73)  # 72 papers and the empty tail
        t.eq(lines[-1], "")
        words = [ln.split() for ln in lines[:-1]]
        t.check(all(w for w in words), "an empty paper")
        flat = {x for w in words for x in w}
        t.check("automobile" in flat if not stems else "automobil" in flat,
                sorted(flat)[:20])
        t.check("the" not in flat and "of" not in flat, "stop words kept")
        # papers in store order; a line starts with its title's words
        # ("On the car ..." -> "car", the stop words gone)
        t.eq(words[0][0], "car")
        if not stems:
            t.eq(words[-1][:2], [x.lower() for x in
                                 PAPERS[-1]["title"].split()[1::2]])
    rc, out, err = t.run("train-vectors", "--db", DB, "--dump-words",
                         "/nonexistent/dir/w.txt")
    t.eq(rc, 1)
    t.check("/nonexistent/dir/w.txt" in err, err)


try:
    t.main()
finally:
    S.stop()
    N.stop()
