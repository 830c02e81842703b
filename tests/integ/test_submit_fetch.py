"""Submitting a paper the store does not know: `paperboy serve` (with
--fetch-unknown, the default) asks the arXiv API for it by id_list, adds it,
then applies the usual rules. The "arXiv API" is a server of this process on
127.0.0.1 replaying hand-written Atom; no traffic goes anywhere else.

The fetcher keeps arXiv's 3 s between requests (no PAPERBOY_HARVEST_DELAY_MS
here), and one test measures it."""
import re, datetime
import http.server
import os
import socketserver
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import community_fixture as cf  # noqa: E402
from pbtest import check, eq, test, main  # noqa: E402

for _k in list(os.environ):
    if _k.lower() in ("http_proxy", "https_proxy", "all_proxy"):
        del os.environ[_k]
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "*"
os.environ.pop("PAPERBOY_HARVEST_DELAY_MS", None)
os.environ["PAPERBOY_CONTACT"] = "submit-test@example.org"

NOW = datetime.datetime.now(datetime.timezone.utc)
NEW = "2611.04242"        # arXiv knows it, the store does not
NEW_OLD = "2611.04243"    # arXiv knows it, 40 days old
UNKNOWN = "2611.09999"    # arXiv answers an empty feed
ERRID = "2611.09998"      # arXiv answers an error entry
TITLE = "Fetched on demand: a <b>test</b> paper"
PW = "correct horse battery"


def iso(days_ago):
    return (NOW - datetime.timedelta(days=days_ago)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def feed(entries):
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom">\n'
            '  <title type="html">ArXiv Query: id_list</title>\n'
            '  <id>http://arxiv.org/api/x</id>\n'
            '  <updated>%s</updated>\n'
            '  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/'
            'spec/opensearch/1.1/">%d</opensearch:totalResults>\n'
            % (iso(0), len(entries)))
    return head + "".join(entries) + "</feed>\n"


def entry(aid, title, authors, published):
    a = "".join("    <author><name>%s</name></author>\n" % esc(n)
                for n in authors)
    return ("  <entry>\n    <id>http://arxiv.org/abs/%sv2</id>\n"
            "    <updated>%s</updated>\n    <published>%s</published>\n"
            "    <title>%s</title>\n    <summary>An abstract of %s.</summary>\n"
            "%s"
            '    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas'
            '/atom" term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>\n'
            '    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"'
            '/>\n  </entry>\n'
            % (aid, published, published, esc(title), aid, a))


ERROR_ENTRY = ("  <entry>\n    <id>http://arxiv.org/api/errors#incorrect_id_"
               "format_for_%s</id>\n    <title>Error</title>\n    <summary>"
               "incorrect id format for %s</summary>\n    <updated>%s"
               "</updated>\n    <author><name>arXiv api core</name></author>\n"
               "  </entry>\n" % (ERRID, ERRID, iso(0)))

ANSWERS = {
    NEW: feed([entry(NEW, TITLE, ["Grace Hopper", "Alan Turing"], iso(1))]),
    NEW_OLD: feed([entry(NEW_OLD, "An old one", ["Old Author"], iso(40))]),
    UNKNOWN: feed([]),
    ERRID: feed([ERROR_ENTRY]),
}


class Api:
    """The arXiv API on 127.0.0.1: /api/query?id_list=... from ANSWERS;
    mode 'ok', '500', or 'slow' (answers after 9 s)."""

    def __init__(self):
        self.log, self.mode = [], "ok"
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                u = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                outer.log.append({"t": time.monotonic(), "path": u.path,
                                  "q": q,
                                  "ua": self.headers.get("User-Agent", "")})
                if outer.mode == "slow":
                    time.sleep(9)
                if outer.mode == "500" or u.path != "/api/query":
                    body, st = b"oops", 500
                else:
                    body = ANSWERS.get(q.get("id_list", ""), feed([])).encode()
                    st = 200
                try:
                    self.send_response(st)
                    self.send_header("Content-Type", "application/atom+xml")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (the slow mode)

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.httpd = S(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


API = Api()
S = cf.Server(["--fetch-unknown", "--arxiv-api-url", API.url])
for _name in ("alice", "bob"):
    cf.user_add(S.db, _name, PW)
A = cf.Client(S)
A.login("alice", PW)
A.get("/submit")


STATUSES = []


def submit(client, paper):
    client.get("/submit")
    r = client.post("/submit", {"paper": paper})
    STATUSES.append(r[0])
    return r


@test
def an_unknown_paper_is_fetched_and_listed():
    st, h, t, _ = submit(A, "https://arxiv.org/abs/%sv2" % NEW)
    eq(st, 303, t[:300])
    eq(h.get("Location"), "/papers/" + NEW)
    eq(len(API.log), 1)
    r = API.log[0]
    eq(r["path"], "/api/query")
    eq(r["q"].get("id_list"), NEW)
    check(r["ua"].startswith("paperboy/") and "submit-test@example.org"
          in r["ua"], r["ua"])
    st, _, t, _ = A.get("/papers/" + NEW)
    eq(st, 200)
    check(esc(TITLE) in t, t[:500])
    check("Grace Hopper" in t and "Alan Turing" in t, "authors")
    check("Submitted by alice" in re.sub(r"<[^>]+>", "", t), "submitter on the paper page")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    st, _, t, _ = A.get("/date/" + today)
    eq(st, 200)
    check(NEW in t and "submitted by alice" in re.sub(r"<[^>]+>", "", t), "on today's list")
    # now known: submitting it again asks arXiv nothing
    st, _, t, _ = submit(A, NEW)
    eq(st, 409, t[:300])
    eq(len(API.log), 1)


@test
def arxiv_does_not_know_it():
    n = len(API.log)
    for pid in (UNKNOWN, ERRID):
        st, _, t, _ = submit(A, pid)
        eq(st, 404, t[:300])
        check("arXiv does not know paper " + pid in t, t[:600])
    eq(len(API.log), n + 2)
    st, _, _, _ = A.get("/papers/" + ERRID)
    eq(st, 404)


@test
def the_usual_rules_apply_after_the_fetch():
    st, _, t, _ = submit(A, NEW_OLD)
    eq(st, 400, t[:300])
    check("older than 14 days" in t, t[:600])
    # the paper was fetched, though: it is known now
    st, _, t, _ = A.get("/papers/" + NEW_OLD)
    eq(st, 200)
    check("An old one" in t)


@test
def three_seconds_between_requests_to_arxiv():
    ts = [r["t"] for r in API.log]
    check(len(ts) >= 3, ts)
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    check(min(gaps) >= 2.9, gaps)


@test
def arxiv_failing_or_slow_is_503_and_others_are_served():
    API.mode = "500"
    st, _, t, _ = submit(A, "2611.05000")
    eq(st, 503, t[:300])
    check("could not reach arXiv, try again later" in t, t[:600])
    API.mode = "slow"
    b = cf.Client(S)
    b.login("bob", PW)
    b.get("/submit")
    out = {}

    def slow_submit():
        t0 = time.monotonic()
        out["r"] = b.post("/submit", {"paper": "2611.05001"})
        out["dt"] = time.monotonic() - t0
    th = threading.Thread(target=slow_submit)
    th.start()
    time.sleep(3.5)  # past the 3 s gap: the fetch is in flight
    t0 = time.monotonic()
    st, _, _, _ = cf.Client(S).get("/")
    eq(st, 200)
    check(time.monotonic() - t0 < 2, "a page waited on the fetch")
    th.join(30)
    eq(out["r"][0], 503, out["r"][2][:300])
    check(out["dt"] < 12, out["dt"])
    API.mode = "ok"


@test
def arxiv_down_is_503_never_500():
    port = cf.wf.free_port()  # nobody listens there
    s2 = cf.Server(["--fetch-unknown", "--arxiv-api-url",
                    "http://127.0.0.1:%d" % port])
    try:
        cf.user_add(s2.db, "carol", PW)
        c = cf.Client(s2)
        c.login("carol", PW)
        st, _, t, _ = submit(c, "2611.06000")
        eq(st, 503, t[:300])
        check("could not reach arXiv, try again later" in t, t[:600])
        # a known paper still goes through
        st, _, t, _ = submit(c, cf.RECENT[0])
        eq(st, 303, t[:300])
    finally:
        rc = s2.stop()
        err = s2.stderr()
        s2.cleanup()
    eq(rc, 0)
    check("cannot reach" in err or "127.0.0.1" in err, err[-500:])
    check("AddressSanitizer" not in err and "runtime error" not in err,
          err[-2000:])


@test
def fetching_off_keeps_404():
    s3 = cf.Server(["--arxiv-api-url", API.url])  # the fixture's default
    try:
        cf.user_add(s3.db, "dan", PW)
        c = cf.Client(s3)
        c.login("dan", PW)
        n = len(API.log)
        st, _, t, _ = submit(c, "2611.07000")
        eq(st, 404, t[:300])
        eq(len(API.log), n)
    finally:
        s3.stop()
        s3.cleanup()


@test
def the_server_never_answered_500():
    check(STATUSES and all(x < 500 or x == 503 for x in STATUSES), STATUSES)
    rc = S.stop()
    err = S.stderr()
    eq(rc, 0, err[-500:])
    check("AddressSanitizer" not in err and "runtime error" not in err,
          err[-2000:])


if __name__ == "__main__":
    try:
        main()
    finally:
        S.cleanup()
