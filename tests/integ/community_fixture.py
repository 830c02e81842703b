"""Fixture for the community tests: a temp database (a slice of the Daily
Papers archive, hostile papers, and recent unlisted papers dated from the
real clock so submissions can be tested), members made with `paperboy user
add`, a real `paperboy serve` on a free port, and an HTTP client that keeps
cookies and reads CSRF tokens from forms."""
import datetime
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import web_fixture as wf  # noqa: E402

BIN = wf.BIN
PAPER = "2405.21060"  # listed on 2024-06-03 in the slice

NOW = datetime.datetime.now(datetime.timezone.utc)


def iso(days_ago):
    return (NOW - datetime.timedelta(days=days_ago)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


# unlisted papers: 2501.000NN recent, 2501.00090 too old
RECENT = ["2501.%05d" % (10 + i) for i in range(8)]
OLD = "2501.00090"
BIB_TITLE = "Costs of $O(n^2)$ & 100% of #1 {x}_y ~z \\emph{w}"
EXTRA = [{"id": i, "title": "Recent paper %d" % n,
          "abstract": "A recent paper.", "authors": ["Ada Lovelace"],
          "categories": "cs.LG", "published": iso(2 + n % 3)}
         for n, i in enumerate(RECENT)]
EXTRA.append({"id": OLD, "title": "An old paper", "abstract": "Old.",
              "authors": ["Old Author"], "categories": "cs.LG",
              "published": iso(40)})
EXTRA.append({"id": "2401.00077", "title": BIB_TITLE,
              "abstract": "BibTeX specials.", "authors": ["O'Neil, Ada",
                                                          "B_ob & Co"],
              "categories": "cs.DL", "listed_day": "2024-06-07",
              "published": "2024-06-05T00:00:00Z", "upvotes": 2})


class Server(wf.Server):
    """wf.Server's data (the archive slice, the hostile papers) plus EXTRA,
    served with extra_args."""

    def __init__(self, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="pbcm-")
        self.db = os.path.join(self.dir, "t.db")
        local = []
        if os.environ.get("PB_TEST_BACKEND") == "pg":
            # the same suites with the store on PostgreSQL
            # (test_community_pg.py); the server's own files in self.dir
            import pbtest
            self.db = pbtest.pg_db("cm_%s" % os.path.basename(self.dir))
            local = ["--local-dir", self.dir]
        sl = os.path.join(self.dir, "slice")
        os.mkdir(sl)
        for f in wf.SLICE:
            shutil.copy(wf.hf_day(f), sl)
        wf.run([BIN, "import", "--db", self.db, sl])
        jl = os.path.join(self.dir, "extra.jsonl")
        with open(jl, "w") as f:
            for p in wf.HOSTILE + EXTRA:
                f.write(json.dumps(p) + "\n")
        wf.run([BIN, "import", "--db", self.db, jl])
        self.port = wf.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log = os.path.join(self.dir, "access.log")
        self.err = open(os.path.join(self.dir, "serve.err"), "w+")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--db", self.db, "--port", str(self.port),
             "--bind", "127.0.0.1", "--threads", "2", "--access-log", "off",
             # unknown submissions stay 404 (never a request to arXiv);
             # test_submit_fetch.py turns fetching back on
             "--no-fetch-unknown"]
            + local + list(extra_args), stdout=subprocess.DEVNULL, stderr=self.err)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/subscribe", timeout=2)
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.stderr())


def user_add(db, name, password, role=None, email=None):
    cmd = [BIN, "user", "add", name, "--email", email or "m@example.org",
           "--db", db]
    if role:
        cmd += ["--role", role]
    r = subprocess.run(cmd, input=password + "\n", capture_output=True,
                       text=True)
    return r.returncode, r.stderr


CSRF_RE = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


class Client:
    """One browser: cookies, no redirects followed."""

    def __init__(self, server):
        self.s = server
        self.cookies = {}
        self.csrf = None

    def _conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.s.port,
                                          timeout=180)

    def _cookie_header(self):
        return "; ".join("%s=%s" % kv for kv in self.cookies.items())

    def request(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = self._cookie_header()
        c = self._conn()
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            set_cookies = r.msg.get_all("Set-Cookie") or []
            for sc in set_cookies:
                nv = sc.split(";", 1)[0]
                k, _, v = nv.partition("=")
                if v and "Max-Age=0" not in sc:
                    self.cookies[k] = v
                else:
                    self.cookies.pop(k, None)
            text = data.decode("utf-8", "replace")
            m = CSRF_RE.search(text)
            if m:
                self.csrf = m.group(1)
            return r.status, r.msg, text, set_cookies
        finally:
            c.close()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields=None, csrf=True, headers=None):
        f = dict(fields or {})
        if csrf is True:
            f["csrf"] = self.csrf or ""
        elif csrf:
            f["csrf"] = csrf
        body = urllib.parse.urlencode(f)
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, body, h)

    def login(self, name, password):
        self.get("/login")
        return self.post("/login", {"name": name, "password": password})

    def signup(self, name, email, password):
        self.get("/signup")
        return self.post("/signup", {"name": name, "email": email,
                                     "password": password})

    def me(self):
        st, _, t, _ = self.get("/api/me")
        if st != 200:
            return None
        j = json.loads(t)
        self.csrf = j["csrf"]
        return j
