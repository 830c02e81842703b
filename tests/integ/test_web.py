"""Integration tests for `paperboy serve`: every route and API parameter,
bad input, escaping of hostile data in HTML/JSON/RSS/Atom/Markdown, caching
headers, limits, keep-alive, the access log and SIGTERM shutdown."""
import http.client
import json
import os
import re
import socket
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import web_fixture as wf  # noqa: E402

try:
    import feedparser
except ImportError:  # make deps installs python3-feedparser
    feedparser = None

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + ("  " + str(detail)[:300] if detail else ""))


S = wf.Server()
q = urllib.parse.quote


def get(path, **kw):
    return S.get(path, **kw)


def html_ok(name, path, must=()):
    st, h, b = get(path)
    t = b.decode("utf-8", "replace")
    check(name + " 200", st == 200, (st, t[:200]))
    check(name + " html", h.get("Content-Type", "").startswith("text/html"))
    for m in must:
        check(name + " has " + m[:30], m in t, t[:300])
    return t


try:
    # --- pages ----------------------------------------------------------
    home = html_ok("home", "/", ["Daily papers", "June 10, 2024",
                                 'href="/date/2024-06-07"', "Trending",
                                 "Subscribe", 'role="search"'])
    day = html_ok("date", "/date/2024-06-03",
                  ["Papers of Mon, June 3, 2024", 'rel="prev"',
                   'href="/date/2024-05-31"', 'href="/date/2024-06-04"',
                   "/papers/2405.21060", "et al.", "upvotes", "comments"])
    ups = [int(x) for x in re.findall(r"</span> (\d+) upvotes?<", day)]
    check("date ordered by upvotes", ups == sorted(ups, reverse=True) and
          len(ups) > 3, ups)
    html_ok("week", "/week/2024-W23", ["Week 23, 2024", "/week/2024-W22",
                                       "/week/2024-W24"])
    html_ok("week lowercase", "/week/2024-w23")
    mo = html_ok("month", "/month/2024-06", ["June 2024", "/month/2024-05"])
    # the last listed month: no "next" into empty months (issue 14)
    check("month stops at the last listed", "/month/2024-07" not in mo)
    html_ok("empty day", "/date/2020-01-01", ["No papers were listed"])
    html_ok("trending", "/trending", ["Trending papers"])
    p = html_ok("paper", "/papers/2405.21060",
                ["Transformers are SSMs", "https://arxiv.org/abs/2405.21060",
                 "https://arxiv.org/pdf/2405.21060", "/authors/Tri%20Dao",
                 "upvotes", "Abstract"])
    html_ok("paper by versioned id", "/papers/2405.21060v2")
    html_ok("author", "/authors/" + q("Tri Dao"), ["Papers by Tri Dao",
                                                   "2405.21060"])
    html_ok("category", "/cat/cs.CL", ["Category cs.CL", "2401.00001"])
    html_ok("subscribe", "/subscribe", ["/rss/daily.xml", "/atom/daily.xml"])
    html_ok("search", "/search?q=mamba", ["Search results", "<mark>"])
    html_ok("search help", "/search", ["exact phrase"])
    html_ok("search page 2", "/search?q=video&p=1")
    lat = html_ok("latex readable", "/papers/2401.00003", ["O(n", "fast"])
    check("latex commands gone", "\\emph" not in lat and "{\\" not in lat)
    check("page links css", re.search(r'href="/static/style\.[0-9a-f]{8}\.css"',
                                      home) is not None)
    check("no inline script", "<script" not in home and " on" not in
          re.sub(r"<[^>]*>", lambda m: "" if "=" not in m.group(0) else
                 m.group(0), "")[:0] + "")

    # --- bad input: 4xx, never 500 ---------------------------------------
    for path, want in [
        ("/date/2024-02-30", 400), ("/date/abc", 400), ("/date/2024-6-3", 400),
        ("/date/99999-01-01", 400), ("/week/2024-W54", 400),
        ("/week/2024-W00", 400), ("/week/abc", 400), ("/month/2024-13", 400),
        ("/month/2024-00", 400), ("/month/x", 400),
        ("/papers/" + q("<x>"), 400), ("/papers/9912.99999", 404),
        ("/papers/9912.99999.md", 404), ("/authors/" + q("Nobody Atall"), 404),
        ("/cat/zz.ZZ", 404), ("/nope", 404), ("/date/", 404),
        ("/date/2024-06-03?p=abc", 400), ("/date/2024-06-03?p=-1", 400),
        ("/date/2024-06-03?p=99999999999999999999", 400),
        ("/search?q=a&p=x", 400), ("/search?q=" + "a" * 1100, 400),
        ("/static/style.00000000.css", 404), ("/api/nope", 404),
    ]:
        st, h, b = get(path)
        check("bad %s -> %d" % (path[:40], want), st == want, (st, b[:120]))
    st, h, b = get("/date/2024-13-45")
    t = b.decode()
    check("400 page helps", "is not a date" in t and 'href="/"' in t)
    st, h, b = get("/nope")
    check("404 page helps", "Trending" in b.decode() and
          "/date/2024-06-03" in b.decode())
    weird = ["/%00", "/date/%00", "/papers/%2e%2e%2f%2e%2e", "/papers/..",
             "/authors/%ff", "/search?q=%22unbalanced", "/search?q=title%3A",
             "/search?q=-only", "/search?q=cat%3A", "/search?q=year%3Aabc",
             "/api/papers/search?q=%22", "/atom/search.xml?q=%2B",
             "/api/daily_papers?date=", "/api/daily_papers?limit=",
             "/api/papers?cursor=", "/papers/a" * 30, "/week/2024-W5%30",
             "/%2F%2F", "/search?q=" + q("<script>") + "&x=1&x=2"]
    for path in weird:
        st, h, b = get(path)
        check("never 500: " + path[:40], st < 500, st)

    # --- JSON API ----------------------------------------------------------
    def api(path):
        st, h, b = get(path)
        try:
            return st, h, json.loads(b)
        except ValueError:
            return st, h, None

    st, h, d = api("/api/daily_papers?date=2024-06-03")
    check("daily 200 json", st == 200 and isinstance(d, list) and len(d) > 3,
          st)
    check("daily content-type", h.get("Content-Type") == "application/json")
    it = d[0]
    check("daily item shape",
          set(["paper", "title", "summary", "publishedAt", "numComments",
               "isAuthorParticipating"]) <= set(it) and
          set(["id", "title", "summary", "authors", "publishedAt", "upvotes",
               "discussionId"]) <= set(it["paper"]), list(it))
    check("daily authors [{name}]", all("name" in a for a in
                                         it["paper"]["authors"]))
    ups = [x["paper"]["upvotes"] for x in d]
    check("daily by upvotes", ups == sorted(ups, reverse=True), ups)
    check("daily publishedAt format", re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$", it["paper"]["publishedAt"]
        or ""), it["paper"]["publishedAt"])
    st, h, d2 = api("/api/daily_papers?date=2024-06-03&limit=2")
    check("daily limit", st == 200 and len(d2) == 2)
    st, h, d3 = api("/api/daily_papers?date=2024-06-03&limit=2&p=1")
    check("daily p", st == 200 and len(d3) == 2 and
          d3[0]["paper"]["id"] == d[2]["paper"]["id"])
    st, h, d4 = api("/api/daily_papers?date=2024-06-03&sort=publishedAt")
    pub = [x["paper"]["publishedAt"] for x in d4]
    check("daily sort=publishedAt", st == 200 and pub == sorted(pub,
                                                                reverse=True))
    st, h, d5 = api("/api/daily_papers?date=2024-06-03&sort=trending")
    # one day: equal ages, so the trending score (docs/TRENDING.md) orders
    # by upvotes + comments / 2
    sc = [x["paper"]["upvotes"] + 0.5 * x["numComments"] for x in d5]
    check("daily sort=trending", st == 200 and sc == sorted(sc, reverse=True)
          and sorted(x["paper"]["id"] for x in d5) ==
          sorted(x["paper"]["id"] for x in d), sc)
    st, h, dw = api("/api/daily_papers?week=2024-W23&limit=100")
    check("daily week", st == 200 and len(dw) > len(d))
    st, h, dm = api("/api/daily_papers?month=2024-06&limit=100")
    check("daily month", st == 200 and len(dm) >= len(dw))
    st, h, dl = api("/api/daily_papers")
    check("daily default latest day", st == 200 and len(dl) == 3 and
          dl[0]["paper"]["id"] == "2401.00001", [x["paper"]["id"] for x in dl])
    sub = d[0]["submittedBy"]["name"] if d[0].get("submittedBy") else None
    if sub:
        st, h, ds = api("/api/daily_papers?submitter=" + q(sub))
        check("daily submitter", st == 200 and ds and all(
            x["submittedBy"]["name"] == sub for x in ds))
    st, h, dn = api("/api/daily_papers?submitter=nobody-at-all")
    check("daily submitter none", st == 200 and dn == [])
    for bad in ["date=2024-02-30", "date=x", "week=2024-W99", "month=2024-13",
                "limit=0", "limit=101", "limit=abc", "limit=-1", "p=-1",
                "p=x", "sort=bad", "date=2024-06-03&week=2024-W23",
                "p=99999999999999999999"]:
        st, h, e = api("/api/daily_papers?" + bad)
        check("daily bad " + bad, st == 400 and isinstance(e, dict) and
              "error" in e, (st, e))
    st, h, pj = api("/api/papers/2405.21060")
    check("api paper", st == 200 and pj["id"] == "2405.21060" and
          pj["authors"][0]["name"] == "Tri Dao")
    st, h, e = api("/api/papers/9912.99999")
    check("api paper 404", st == 404 and "error" in e)
    st, h, e = api("/api/papers/" + q("<x>"))
    check("api paper 400", st == 400 and "error" in e)
    seen, cur, pages = [], "", 0
    while pages < 100:
        st, h, pg = api("/api/papers?limit=7" + ("&cursor=" + cur if cur
                                                 else ""))
        if st != 200:
            break
        seen += [x["id"] for x in pg["papers"]]
        pages += 1
        cur = pg["next_cursor"]
        if not cur:
            break
    check("api papers cursor walk", st == 200 and len(seen) == len(set(seen))
          and len(seen) > 40 and not cur, (st, len(seen)))
    for bad in ["cursor=abc", "cursor=-1", "limit=0", "limit=1000"]:
        st, h, e = api("/api/papers?" + bad)
        check("api papers bad " + bad, st == 400 and "error" in e)
    st, h, sj = api("/api/papers/search?q=mamba&limit=3")
    check("api search", st == 200 and 0 < len(sj) <= 3 and
          "paper" in sj[0], (st, sj))
    # the Hugging Face shape (tests/integ/test_api_schema.py checks it
    # against the whole archive): keys HF always has, none as null
    HF_PAPER = {"id", "title", "summary", "authors", "publishedAt", "upvotes",
                "discussionId"}
    HF_ITEM = {"paper", "title", "summary", "publishedAt", "numComments",
               "isAuthorParticipating", "thumbnail"}
    check("api search HF item keys", all(HF_ITEM <= set(x) for x in sj),
          [list(x) for x in sj][:1])
    check("api search HF paper keys", all(HF_PAPER <= set(x["paper"])
                                          for x in sj))
    check("api no nulls", all(v is not None for x in sj
                              for v in list(x.values()) +
                              list(x["paper"].values())), sj[:1])
    check("api search HF types", all(
        isinstance(x["paper"]["authors"], list) and
        all({"_id", "name", "hidden"} <= set(a)
            for a in x["paper"]["authors"]) and
        isinstance(x["paper"]["upvotes"], int) and
        isinstance(x["numComments"], int) and
        re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d\dZ$",
                 x["publishedAt"]) for x in sj), sj[:1])
    st, h, d1 = api("/api/daily_papers?date=2024-06-03&limit=5")
    check("api daily HF keys", d1 and all(
        HF_ITEM <= set(x) and HF_PAPER <= set(x["paper"]) for x in d1))
    st, h, pj1 = api("/api/papers/2405.21060")
    check("api paper HF keys", HF_PAPER <= set(pj1) and
          "categories" not in pj1 and "numComments" not in pj1, list(pj1))
    st, h, pp = api("/api/papers?limit=2")
    check("api papers HF keys", list(pp) == ["papers", "next_cursor"] and
          all(HF_PAPER | {"categories", "listedDay"} <= set(x)
              for x in pp["papers"]))
    st, h, sh = api("/api/papers/search?q=" + q("Attention") + "&limit=100")
    hx = [x for x in sh if x["paper"]["id"] == "2401.00001"]
    check("api search hostile title exact", len(hx) == 1 and
          hx[0]["title"] == wf.XSS_TITLE and
          hx[0]["paper"]["authors"][0]["name"] ==
          "<script>alert(3)</script>" and
          hx[0]["paper"]["ai_summary"] == "Sum <script>x</script>",
          [x["paper"]["id"] for x in sh][:5])
    st, h, sj = api("/api/papers/search?q=" + q('"state space"'))
    check("api search phrase", st == 200 and isinstance(sj, list))
    for bad in ["", "q=", "q=x&limit=0", "q=x&limit=500"]:
        st, h, e = api("/api/papers/search?" + bad)
        check("api search bad " + bad, st == 400 and "error" in e)

    # --- escaping of hostile data -----------------------------------------
    hostile_pages = ["/", "/date/2024-06-10", "/week/2024-W24",
                     "/month/2024-06", "/trending", "/papers/2401.00001",
                     "/papers/2401.00002", "/cat/cs.CL",
                     "/authors/" + q("<script>alert(3)</script>"),
                     "/authors/" + q('Mallory "><svg onload=alert(1)>'),
                     "/search?q=attention", "/search?q=" + q("<script>"),
                     "/search?q=" + q('"><img src=x onerror=alert(1)>'),
                     "/date/" + q("<script>"), "/nope/" + q("<script>")]
    for path in hostile_pages:
        st, h, b = get(path)
        t = b.decode("utf-8", "replace")
        # our own images (thumbnails, covers, avatars) aside
        bad = re.search(r"<script|<img(?! class=\"(thumb|lead|avatar|fig)\" "
                        r"src=\"/(cover|media|avatars)/)|<svg|"
                        r"href=\"javascript:|<b>|<i>kw", t, re.I)
        check("escaped html " + path[:40], st < 500 and not bad,
              (st, bad and t[max(0, bad.start() - 80):bad.end() + 40]))
    st, h, b = get("/papers/2401.00001")
    t = b.decode()
    check("hostile title shown as text",
          "&lt;script&gt;alert(1)&lt;/script&gt; Attention" in t)
    check("javascript: code link dropped", "javascript:" not in t)
    st, h, b = get("/papers/2401.00002")
    check("attribute breakout escaped",
          "&quot;&gt;&lt;img src=x onerror=alert(1)&gt; Diffusion" in
          b.decode())
    st, h, b = get("/papers/2401.00002")
    st, h, pj = api("/api/papers/2401.00001")
    check("json keeps hostile title exactly", pj["title"] == wf.XSS_TITLE)
    check("json hostile author", pj["authors"][0]["name"] ==
          "<script>alert(3)</script>")
    st, h, dl = api("/api/daily_papers?date=2024-06-10")
    check("json daily hostile", {x["title"] for x in dl} >=
          {wf.XSS_TITLE, wf.XSS_TITLE2})
    for pid in ["2401.00001", "2401.00002"]:
        st, h, b = get("/papers/%s.md" % pid)
        t = b.decode()
        check("markdown " + pid, st == 200 and
              h.get("Content-Type", "").startswith("text/markdown") and
              not re.search(r"<script|<img|<svg|\]\(javascript", t), t[:300])
    st, h, b = get("/papers/2401.00002.md")
    check("markdown escapes syntax", "\\[link\\]\\(javascript:alert\\(1\\)\\)"
          in b.decode(), b.decode()[:400])

    # --- feeds -------------------------------------------------------------
    feeds = {"/rss/daily.xml": "rss20", "/atom/daily.xml": "atom10",
             "/atom/trending.xml": "atom10",
             "/atom/search.xml?q=video": "atom10",
             "/atom/search.xml?q=attention": "atom10",
             "/atom/cat/cs.CL.xml": "atom10", "/atom/cat/math.CO.xml": "atom10"}
    for path, ver in feeds.items():
        st, h, b = get(path)
        t = b.decode("utf-8", "replace")
        check("feed %s 200 xml" % path, st == 200 and "xml" in
              h.get("Content-Type", ""), st)
        check("feed %s no raw markup" % path,
              not re.search(r"<script|<img|<svg|<b>", t), t[:200])
        if feedparser:
            f = feedparser.parse(b)
            check("feed %s parses as %s" % (path, ver),
                  not f.bozo and f.version == ver,
                  (f.bozo, f.get("bozo_exception"), f.version))
            check("feed %s has entries" % path, len(f.entries) > 0 and
                  all(e.get("title") and e.get("link") for e in f.entries))
        else:
            check("feedparser installed", False)
    if feedparser:
        f = feedparser.parse(get("/atom/daily.xml")[2])
        titles = [e.title for e in f.entries]
        check("atom daily hostile title as text", wf.XSS_TITLE in titles,
              titles)
        e0 = [e for e in f.entries if e.title == wf.XSS_TITLE][0]
        check("atom entry fields", e0.link.endswith("/papers/2401.00001") and
              e0.get("updated") and e0.get("summary") and
              any(a.get("name") == "<script>alert(3)</script>"
                  for a in e0.get("authors", [])), e0)
        check("atom categories", {"cs.CL", "cs.LG"} <=
              {t.term for t in e0.get("tags", [])})
        f = feedparser.parse(get("/rss/daily.xml")[2])
        check("rss daily hostile title as text", wf.XSS_TITLE2 in
              [e.title for e in f.entries])
        check("rss fields", all(e.get("published") and e.get("id") and
                                e.get("summary") is not None
                                for e in f.entries))
        f = feedparser.parse(get("/atom/cat/math.CO.xml")[2])
        check("atom cat entries", [e.link.rsplit("/", 1)[1]
                                   for e in f.entries] == ["2401.00003"])
    for path, want in [("/atom/search.xml", 400), ("/atom/search.xml?q=", 400),
                       ("/atom/cat/" + q("<x>") + ".xml", 400),
                       ("/atom/cat/cs.CL", 404), ("/rss/nope.xml", 404)]:
        st, h, b = get(path)
        check("feed bad %s -> %d" % (path, want), st == want, st)

    # --- headers, caching, methods, limits --------------------------------
    st, h, b = get("/date/2024-06-03")
    csp = h.get("Content-Security-Policy", "")
    check("csp", "default-src 'none'" in csp and "unsafe-inline" not in csp
          and "frame-ancestors 'none'" in csp, csp)
    check("nosniff", h.get("X-Content-Type-Options") == "nosniff")
    check("referrer-policy", bool(h.get("Referrer-Policy")))
    check("cache-control", "max-age" in h.get("Cache-Control", ""))
    et = h.get("ETag")
    check("etag", bool(et and et.startswith('"')))
    st2, h2, b2 = get("/date/2024-06-03", headers={"If-None-Match": et})
    check("304 on If-None-Match", st2 == 304 and b2 == b"", st2)
    st2, h2, b2 = get("/api/papers/2405.21060",
                      headers={"If-None-Match": '"nomatch"'})
    check("200 on other etag", st2 == 200)
    st, h, b = get("/api/papers/2405.21060")
    st2, h2, b2 = get("/api/papers/2405.21060",
                      headers={"If-None-Match": 'W/"x", ' + h["ETag"]})
    check("304 on api etag list", st2 == 304)
    css = re.search(r'href="(/static/style\.[0-9a-f]{8}\.css)"', home).group(1)
    st, h, b = get(css)
    check("css served", st == 200 and h.get("Content-Type", "").startswith(
        "text/css") and b"prefers-color-scheme" in b)
    check("css long cache", "max-age=31536000" in h.get("Cache-Control", "")
          and "immutable" in h.get("Cache-Control", ""))
    st, h, b = get("/", method="POST")
    check("POST 405", st == 405 and "GET" in h.get("Allow", ""), st)
    st, h, b = get("/", method="HEAD")
    check("HEAD 200 no body", st == 200 and b == b"")
    st, h, b = get("/", headers={"X-H%d" % i: "v" for i in range(80)})
    check("too many headers 431", st == 431, st)
    st, h, b = get("/search?q=" + "a" * 40000)
    check("huge url refused", st in (400, 413, 414, 431), st)
    st, h, b = get("/search?" + "&".join("a%d=1" % i for i in range(40)))
    check("too many params 400", st == 400, st)
    st, h, b = get("/search?q=%ff%fe")
    check("bad utf-8 param 400", st == 400, st)

    # keep-alive: three requests on one connection
    c = http.client.HTTPConnection("127.0.0.1", S.port, timeout=10)
    ok = True
    c.request("GET", "/api/papers/2405.21060")
    r = c.getresponse()
    r.read()
    sock = c.sock
    ok = ok and r.status == 200 and r.getheader("Connection", "") != "close"
    for path in ["/", "/trending"]:
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        ok = ok and r.status == 200 and c.sock is sock
    c.close()
    check("keep-alive", ok)

    # a request that never finishes its headers is dropped, others go on
    s = socket.create_connection(("127.0.0.1", S.port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    st, h, b = get("/subscribe")
    check("slow client does not block", st == 200)
    s.close()

    st, h, b = get("/authors/Nobody%20Here?x=a%20b")
    check("author with a space answers", st in (200, 404), st)

finally:
    rc = S.stop()
    check("SIGTERM exits 0", rc == 0, (rc, S.stderr()[-500:]))
    check("shutdown logged", "shutting down" in S.stderr())
    with open(S.log) as f:
        lines = f.read().splitlines()
    combined = re.compile(r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d '
                          r'\+0000\] "GET \S+ HTTP/1\.1" \d{3} \d+ "[^"]*" '
                          r'"[^"]*"$')
    check("access log combined format", len(lines) > 50 and
          all(combined.match(x) for x in lines if '"GET ' in x),
          [x for x in lines if not combined.match(x)][:2])
    check("decoded spaces logged as %20",
          any('"GET /authors/Nobody%20Here?x=a%20b HTTP/1.1"' in x
              for x in lines), [x for x in lines if "Nobody" in x][:2])

    check("no runtime errors", "runtime error" not in S.stderr() and
          "AddressSanitizer" not in S.stderr() and
          "LeakSanitizer" not in S.stderr(), S.stderr()[-800:])
    S.cleanup()

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
