"""Shared fixture for the web tests: a temp database from a slice of the
Daily Papers archive plus hostile papers, and a real `paperboy serve` on
127.0.0.1 with a free port. Used by test_web.py and the browser test."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

BIN = os.environ.get("PAPERBOY_BIN", "./paperboy")
DATA = os.environ.get("PAPERBOY_DATA", "../shared/data")
SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "data", "sample")
SLICE = ["2024-05-31.json", "2024-06-03.json", "2024-06-04.json",
         "2024-06-05.json", "2024-06-06.json", "2024-06-07.json"]

XSS_TITLE = "<script>alert(1)</script> Attention"
XSS_TITLE2 = "\"><img src=x onerror=alert(1)> Diffusion"
HOSTILE = [
    {"id": "2401.00001", "title": XSS_TITLE,
     "abstract": "We study <b>bold</b> & $\\alpha$-stable \"quotes\" 'single' "
                 "</textarea><script>alert(2)</script> ]]> --> end.",
     "authors": ["<script>alert(3)</script>", "Ada O'Neil & Co"],
     "categories": "cs.CL cs.LG", "listed_day": "2024-06-10",
     "upvotes": 5, "n_comments": 2, "submitter": "<b>eve</b>",
     "github_repo": "javascript:alert(4)", "github_stars": 7,
     "project_page": "https://example.org/\"><script>alert(5)</script>",
     "keywords": ["<i>kw</i>"], "summary": "Sum <script>x</script>"},
    {"id": "2401.00002", "title": XSS_TITLE2,
     "abstract": "Markdown [link](javascript:alert(1)) *star* `code` # head "
                 "<img src=x onerror=alert(1)>",
     "authors": ["Mallory \"><svg onload=alert(1)>"], "categories": "cs.CL",
     "listed_day": "2024-06-10", "upvotes": 3,
     "github_repo": "https://github.com/example/repo", "github_stars": 42},
    {"id": "2401.00003", "title": "LaTeX: $O(n^2)$ \\emph{fast} {\\\"o}",
     "abstract": "Uses $\\alpha + \\beta$ and \\textbf{bold}.",
     "authors": ["Zoë Müller"], "categories": "math.CO",
     "listed_day": "2024-06-10", "upvotes": 1},
]


def hf_day(name):
    """hf-daily/NAME from ../shared/data, else from the bundled sample
    (data/sample/hf-daily holds the same bytes for the days used here)."""
    for base in (DATA, SAMPLE):
        p = os.path.join(base, "hf-daily", name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError("hf-daily/%s: in neither %s nor %s"
                            % (name, DATA, SAMPLE))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="pbweb-")
        self.db = os.path.join(self.dir, "t.db")
        if os.environ.get("PB_TEST_BACKEND") == "pg":
            # the same suite with the store on PostgreSQL (test_web_pg.py)
            import pbtest
            self.db = pbtest.pg_db("web_%s" % os.path.basename(self.dir))
        sl = os.path.join(self.dir, "slice")
        os.mkdir(sl)
        for f in SLICE:
            shutil.copy(hf_day(f), sl)
        run([BIN, "import", "--db", self.db, sl])
        jl = os.path.join(self.dir, "hostile.jsonl")
        with open(jl, "w") as f:
            for p in HOSTILE:
                f.write(json.dumps(p) + "\n")
        run([BIN, "import", "--db", self.db, jl])
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log = os.path.join(self.dir, "access.log")
        self.err = open(os.path.join(self.dir, "serve.err"), "w+")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--db", self.db, "--port", str(self.port),
             "--bind", "127.0.0.1", "--threads", "2", "--access-log", self.log,
             "--local-dir", self.dir]
            + list(extra_args), stdout=subprocess.DEVNULL, stderr=self.err)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/subscribe", timeout=2)
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.stderr())

    def stderr(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def get(self, path, headers=None, method="GET"):
        req = urllib.request.Request(self.base + path, headers=headers or {},
                                     method=method)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def stop(self):
        """SIGTERM; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 3):
        raise RuntimeError("%s failed: %s" % (cmd, r.stderr))
    return r
