"""Issue 14, the data side, on hand-made inputs: a paper on each of its days,
Python repr entries, arXiv ids by the rules (float-mangled snapshot ids
merged, impossible ones rejected with a reason), organizations (cards, page,
API), searching a bare arXiv id, the search Atom feed newest first, author
pages in any case, plurals and whose comment count, /subscribe without
SMTP, and search facets that follow the ranked results."""
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as t  # noqa: E402
import web_fixture as wf  # noqa: E402

ORG = {"_id": "67d1140985ea0644e2f14b99", "name": "ByteDance-Seed",
       "fullname": "ByteDance Seed", "avatar": "https://example.org/a.png"}


def entry(pid, title, day, org=None, stars=None, comments=0, authors=None,
          user="ann"):
    p = {"id": pid, "authors": [{"_id": "a%s%d" % (pid, i), "name": n,
                                 "hidden": False}
                                for i, n in enumerate(authors or ["A B"])],
         "publishedAt": "2026-08-17T00:00:00.000Z",
         "submittedOnDailyAt": day + "T08:00:00.000Z", "title": title,
         "summary": "About " + title + ".", "upvotes": 5,
         "discussionId": "d" + pid}
    if stars is not None:
        p["githubRepo"] = "https://github.com/o/" + pid
        p["githubStars"] = stars
    e = {"paper": p, "publishedAt": "2026-08-16T20:00:00.000Z",
         "title": title, "numComments": comments,
         "submittedBy": {"_id": "u" + user, "avatarUrl": "/avatars/x.svg",
                         "fullname": user, "name": user, "type": "user",
                         "isPro": False, "isHf": False, "isMod": False}}
    if org:
        e["organization"] = org
        p["organization"] = org
    return e


def pyrepr(v):
    """Python's repr of JSON-like data, as the December 2024 files hold."""
    if isinstance(v, dict):
        return "{" + ", ".join(pyrepr(k) + ": " + pyrepr(x)
                               for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(pyrepr(x) for x in v) + "]"
    return repr(v)


def make_data(d, jl):
    day18 = [entry("2608.13558", "Relisted paper", "2026-08-18", user="bob"),
             entry("2608.10001", "Org paper old", "2026-08-18", org=ORG)]
    day20 = [entry("2608.16590", "Zetta harness", "2026-08-20", org=ORG,
                   stars=1, comments=1, authors=["Yunjie Tian", "Xin Ding"]),
             entry("2608.13558", "Relisted paper", "2026-08-20", user="cy")]
    repr_entry = pyrepr(entry("2608.20001", "Repr paper \u03b6 it's",
                              "2026-08-20", org=ORG))
    with open(os.path.join(d, "2026-08-18.json"), "w") as f:
        json.dump(day18, f)
    with open(os.path.join(d, "2026-08-20.json"), "w") as f:
        f.write(json.dumps(day20)[:-1] + ", " + json.dumps(repr_entry) + "]")
    lines = [{"id": "0704.0002", "title": "Sparsity-certifying graph "
              "decompositions", "authors": ["Ileana Streinu"],
              "published": "2007-03-31T00:00:00Z", "categories": "math.CO"}]
    # facets: 150 papers saying "zebra" once (math.AA), 60 with it in the
    # title three times (cs.BB): the top 100 are mostly cs.BB
    for i in range(150):
        lines.append({"id": "2401.%05d" % (i + 1), "title": "Weak %d" % i,
                      "abstract": "A long text about many things " * 20 +
                      " and one zebra.", "categories": "math.AA",
                      "published": "2024-01-02T00:00:00Z"})
    for i in range(60):
        lines.append({"id": "2402.%05d" % (i + 1),
                      "title": "Zebra zebra zebra %d" % i,
                      "abstract": "Zebra.", "categories": "cs.BB",
                      "published": "2024-02-02T00:00:00Z"})
    # the Atom search feed: relevance and dates disagree
    for i, (title, day) in enumerate([("Quasar quasar quasar", "2010-05-01"),
                                      ("Quasar light", "2026-08-01"),
                                      ("A quasar", "2020-01-01")]):
        lines.append({"id": "2403.%05d" % (i + 1), "title": title,
                      "abstract": "Sky.", "published": day + "T00:00:00Z"})
    with open(jl, "w") as f:
        for x in lines:
            f.write(json.dumps(x) + "\n")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(base, path, data=None):
    req = urllib.request.Request(
        base + path, data=urllib.parse.urlencode(data).encode()
        if data is not None else None)
    try:
        with OPENER.open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


class Srv:
    def __init__(self):
        self.dir = t.Tmp.path("dd")
        os.makedirs(self.dir, exist_ok=True)
        self.db = os.path.join(self.dir, "t.db")
        hf = os.path.join(self.dir, "hf")
        os.makedirs(hf, exist_ok=True)
        jl = os.path.join(self.dir, "local.jsonl")
        make_data(hf, jl)
        rc, out, err = t.run("import", "--db", self.db, hf)
        t.eq(rc, 0, err)
        self.import_out = out
        rc, out, err = t.run("import", "--db", self.db, jl)
        t.eq(rc, 0, err)
        rc, out, err = t.run("reindex", "--db", self.db)
        t.eq(rc, 0, err)
        self.port = wf.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.err = open(os.path.join(self.dir, "serve.err"), "w+")
        self.proc = subprocess.Popen(
            [t.BIN, "serve", "--db", self.db, "--port", str(self.port),
             "--bind", "127.0.0.1", "--threads", "2"],
            stdout=subprocess.DEVNULL, stderr=self.err)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/api/daily_papers",
                                       timeout=2)
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=15)
        self.err.seek(0)
        return self.err.read()


S = None


def srv():
    global S
    if S is None:
        S = Srv()
    return S


def api(path):
    st, h, body = get(srv().base, path)
    t.eq(st, 200, body[:300])
    return json.loads(body)


@t.test
def every_paper_on_every_day():
    s = srv()
    day20 = {x["paper"]["id"] for x in api("/api/daily_papers?date=2026-08-20")}
    t.eq(day20, {"2608.16590", "2608.13558", "2608.20001"})
    day18 = {x["paper"]["id"] for x in api("/api/daily_papers?date=2026-08-18")}
    t.eq(day18, {"2608.13558", "2608.10001"})
    # the submitter of that day's listing
    by = {x["paper"]["id"]: x["submittedBy"]["name"]
          for x in api("/api/daily_papers?date=2026-08-20")}
    t.eq(by["2608.13558"], "cy")
    by = {x["paper"]["id"]: x["submittedBy"]["name"]
          for x in api("/api/daily_papers?date=2026-08-18")}
    t.eq(by["2608.13558"], "bob")
    # the week: once
    wk = [x["paper"]["id"] for x in api("/api/daily_papers?week=2026-W34")]
    t.eq(sorted(wk), sorted(set(wk)))
    st, h, page = get(s.base, "/date/2026-08-18")
    t.check("Relisted paper" in page)
    st = t.stats(s.db)
    t.eq(st["listings"], 5)
    t.eq(st["days_listed"], 2)


@t.test
def python_repr_entries_imported():
    x = [p for p in api("/api/daily_papers?date=2026-08-20")
         if p["paper"]["id"] == "2608.20001"]
    t.eq(len(x), 1)
    t.eq(x[0]["title"], "Repr paper \u03b6 it's")
    t.eq(x[0]["organization"], ORG)
    t.check("rejected 0" in srv().import_out, srv().import_out)


@t.test
def snapshot_ids_by_the_rules():
    d = t.Tmp.path("ax")
    os.makedirs(d, exist_ok=True)
    lines = [("1704.0162", "Same paper"), ("1704.01620", "Same paper"),
             ("704.0002", "Old new-style"), ("0704.0002", "Old new-style"),
             ("1501.0003199999999", "Float noise"), ("1713.0001", "Month 13"),
             ("1412.12345", "Five digits in 2014"), ("hep-th/9901001", "Old")]
    f = os.path.join(d, "arxiv.jsonl")
    with open(f, "w") as fh:
        for pid, title in lines:
            fh.write(json.dumps({
                "id": pid, "submitter": None, "authors": "A B",
                "title": title, "abstract": "x", "categories": "cs.LG",
                "versions": [{"version": "v1",
                              "created": "Mon, 3 Apr 2017 10:00:00 GMT"}],
                "update_date": "2017-04-05"}) + "\n")
    db = os.path.join(d, "a.db")
    rc, out, err = t.run("import", "--db", db, f)
    t.eq(rc, 3, err)            # some rejected
    t.check("rejected 2" in out, out)
    t.check("1713 is no month" in err, err)
    t.check("5 digits after the dot, arXiv used 4 in 1412" in err, err)
    t.eq(t.stats(db)["papers"], 4)
    rc, out, err = t.run("show", "--db", db, "--json", "1704.01620")
    t.eq(rc, 0, err)
    rc, out, err = t.run("show", "--db", db, "--json", "1501.00032")
    t.eq(rc, 0, err)


@t.test
def organizations():
    s = srv()
    st, h, page = get(s.base, "/orgs/ByteDance-Seed")
    t.eq(st, 200, page[:300])
    t.check("ByteDance Seed" in page)
    order = [m for m in re.findall(r'href="/papers/([0-9.]+)"', page)]
    seen = []
    for m in order:
        if m not in seen:
            seen.append(m)
    t.eq(seen, ["2608.20001", "2608.16590", "2608.10001"])
    st, h, page = get(s.base, "/date/2026-08-20")
    t.check('href="/orgs/ByteDance-Seed"' in page, page[:2000])
    st, h, page = get(s.base, "/orgs/Nobody-Here")
    t.eq(st, 404)
    x = [p for p in api("/api/daily_papers?date=2026-08-18")
         if p["paper"]["id"] == "2608.10001"][0]
    t.eq(x["organization"]["fullname"], "ByteDance Seed")
    t.eq(api("/api/papers/2608.10001")["organization"]["name"],
         "ByteDance-Seed")


@t.test
def search_a_bare_arxiv_id():
    s = srv()
    for q in ["2608.16590", "arXiv:2608.16590v2",
              "https://arxiv.org/abs/2608.16590",
              "https://arxiv.org/pdf/2608.16590v1"]:
        st, h, body = get(s.base, "/search?q=" + urllib.parse.quote(q))
        t.check(st in (301, 302, 303), (q, st))
        t.eq(h.get("Location"), "/papers/2608.16590", q)
    st, h, body = get(s.base, "/search?q=0704.0002")
    t.eq(h.get("Location"), "/papers/0704.0002")
    t.eq(api("/api/papers/search?q=2608.16590")[0]["paper"]["id"],
         "2608.16590")
    t.eq(api("/api/papers/search?q=0704.0002&limit=1")[0]["paper"]["id"],
         "0704.0002")
    # an id the store lacks is an ordinary search
    st, h, body = get(s.base, "/search?q=2608.99999")
    t.eq(st, 200)


@t.test
def atom_search_newest_first():
    st, h, body = get(srv().base, "/atom/search.xml?q=quasar")
    t.eq(st, 200, body[:300])
    ids = re.findall(r"<id>[^<]*/papers/([0-9.]+)</id>", body)
    t.eq(ids, ["2403.00002", "2403.00003", "2403.00001"], body[:1500])
    # the page keeps relevance
    st, h, page = get(srv().base, "/search?q=quasar")
    first = re.search(r'href="/papers/(2403\.[0-9]+)"', page).group(1)
    t.eq(first, "2403.00001")


@t.test
def author_pages_any_case():
    s = srv()
    st, h, page = get(s.base, "/authors/Yunjie%20Tian")
    t.eq(st, 200)
    st, h, page = get(s.base, "/authors/yunjie%20tian")
    t.check(st in (301, 302, 303), st)
    t.eq(h.get("Location"), "/authors/Yunjie%20Tian")
    st, h, page = get(s.base, "/authors/nobody%20at%20all")
    t.eq(st, 404)


@t.test
def plurals_and_whose_comments():
    s = srv()
    st, h, page = get(s.base, "/date/2026-08-20")
    t.check("1 star<" in page or "1 star " in page, page[:3000])
    t.check("1 stars" not in page)
    t.check("1 comments" not in page)
    st, h, page = get(s.base, "/papers/2608.16590")
    t.check("1 comment on Hugging Face" in page, page[:3000])
    t.check("0 comments here" in page)
    t.check("1 comments" not in page and "1 stars" not in page)


@t.test
def subscribe_without_smtp():
    s = srv()
    st, h, page = get(s.base, "/subscribe")
    t.eq(st, 200)
    t.check("does not send mail" in page)
    t.check("/atom/daily.xml" in page)
    st, h, page = get(s.base, "/subscribe", {"email": "a@example.org"})
    t.eq(st, 200, page[:300])
    t.check("does not send mail" in page)
    t.check("Check your inbox" not in page)
    import sqlite3
    c = sqlite3.connect(s.db)
    t.eq(c.execute("SELECT count(*) FROM subscribers").fetchone()[0], 0)
    c.close()


@t.test
def facets_follow_ranked_results():
    st, h, page = get(srv().base, "/search?q=zebra")
    t.eq(st, 200)
    m = re.search(r"Categories: (.*?)</li>", page)
    t.check(m, page[:3000])
    cats = re.findall(r">([a-zA-Z.-]+)</a> \((\d+)\)", m.group(1))
    t.eq(cats[0], ("cs.BB", "60"), cats)
    t.eq(cats[1], ("math.AA", "40"), cats)


@t.test
def serve_warns_without_smtp():
    err = srv().stop()
    t.check("no --smtp" in err and "sends no mail" in err, err[-500:])


if __name__ == "__main__":
    t.main()
