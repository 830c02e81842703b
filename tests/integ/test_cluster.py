"""Several `paperboy serve` processes on one store behave as one site
(issue 16), here on one SQLite file (the PostgreSQL run of the same checks
is in the cluster test with nginx):

- rate limits counted in the store (--shared-limits on) hold across the
  servers: wrong passwords through two servers add up to the account
  limit, after which even the right password is refused on both; with
  --shared-limits off each server counts its own (the control);
- a scheduled digest due on two servers at the same moment goes out once:
  one server takes the job's lease and runs it, the other sees the slot
  done; the subscriber gets one mail."""
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as T  # noqa: E402
import community_fixture as cf  # noqa: E402
import web_fixture as wf  # noqa: E402
from mail_fixture import FROM, Smtp, parse  # noqa: E402

PW = "correct horse battery"


class Node:
    """Another serve process on an existing store."""

    def __init__(self, db, extra_args=(), env=None):
        self.port = wf.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.errpath = T.Tmp.path("node%d.err" % self.port)
        self.err = open(self.errpath, "w+")
        self.proc = subprocess.Popen(
            [T.BIN, "serve", "--db", db, "--port", str(self.port),
             "--threads", "2", "--access-log", "off", "--no-fetch-unknown"]
            + list(extra_args), stdout=subprocess.DEVNULL, stderr=self.err,
            env=env)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("node did not start: " + self.log())

    def log(self):
        self.err.flush()
        with open(self.errpath) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wrong(node, name, n):
    c = cf.Client(node)
    c.get("/login")
    return [c.post("/login", {"name": name, "password": "wrong pw"})[0]
            for _ in range(n)]


@T.test
def test_limits_shared_across_servers():
    a = cf.Server(extra_args=["--shared-limits", "on"])
    b = None
    try:
        for name in ("victim", "other"):
            rc, err = cf.user_add(a.db, name, PW)
            T.eq(rc, 0, err)
        b = Node(a.db, ["--shared-limits", "on"])
        # the account limit is 5 failures: 3 through a, 2 through b
        T.eq(wrong(a, "victim", 3), [401] * 3)
        T.eq(wrong(b, "victim", 2), [401] * 2)
        T.eq(wrong(a, "victim", 1), [429])
        st, _, _, _ = cf.Client(b).login("victim", PW)
        T.eq(st, 429, "the right password through the other server")
        # another account is not touched
        st, _, _, _ = cf.Client(b).login("other", PW)
        T.eq(st, 303)
    finally:
        if b:
            b.stop()
        a.proc.terminate()
        a.proc.wait()


@T.test
def test_limits_per_server_when_off():
    a = cf.Server(extra_args=["--shared-limits", "off"])
    b = None
    try:
        rc, err = cf.user_add(a.db, "victim", PW)
        T.eq(rc, 0, err)
        b = Node(a.db, ["--shared-limits", "off"])
        T.eq(wrong(a, "victim", 3), [401] * 3)
        T.eq(wrong(b, "victim", 3), [401] * 3)
        st, _, _, _ = cf.Client(b).login("victim", PW)
        T.eq(st, 303, "each server counted 3 of its own")
    finally:
        if b:
            b.stop()
        a.proc.terminate()
        a.proc.wait()


def digest_once(pg):
    db = T.pg_db("digest_once") if pg else T.Tmp.path("digest-once.db")
    wf.run([T.BIN, "import", "--db", db,
            T.data_file("hf-daily/2024-06-03.json"),
            T.data_file("hf-daily/2024-06-04.json")])
    subs = ("d1@example.org", "d2@example.org")
    if pg:
        for a in subs:
            T.pg_sql(db, "INSERT INTO subscribers(email, state, created,"
                         " confirmed, confirm_sent, top_n) VALUES('%s', 1, 0,"
                         " 0, 0, 2)" % a)
    else:
        c = sqlite3.connect(db, timeout=10)
        with c:
            for a in subs:
                c.execute("INSERT INTO subscribers(email, state, created,"
                          " confirmed, confirm_sent, top_n) VALUES(?, 1, 0,"
                          " 0, 0, 2)", (a,))
        c.close()
    smtp = Smtp()
    nodes = []
    try:
        at = time.strftime("%H:%M:%S", time.gmtime(time.time() + 5))
        args = ["--smtp", smtp.url, "--mail-from", FROM, "--base-url",
                "http://paperboy.test", "--tz", "UTC", "--digest-at", at,
                "--local-dir", T.Tmp.path("")]
        nodes = [Node(db, args), Node(db, args), Node(db, args)]
        t0 = time.time()
        got = []
        while time.time() - t0 < 40:
            got += smtp.handler.take()
            logs = [n.log() for n in nodes]
            if len(got) >= 2 and any("digests sent" in l for l in logs):
                break
            time.sleep(0.3)
        time.sleep(2)  # anything sent twice would come now
        got += smtp.handler.take()
        rcpts = sorted(r[0][0] for r in got)
        T.eq(rcpts, ["d1@example.org", "d2@example.org"],
             [n.log() for n in nodes])
        ran = [n for n in nodes
               if re.search(r"mail: [1-9]\d* digests sent", n.log())]
        T.eq(len(ran), 1, [n.log() for n in nodes])
        ids = [parse(raw)["Message-ID"] for _, raw in got]
        T.eq(len(set(ids)), 2)
    finally:
        for n in nodes:
            n.stop()
        smtp.stop()


@T.test
def test_digest_runs_once_across_servers():
    digest_once(False)


@T.test
def test_digest_runs_once_across_servers_on_postgresql():
    digest_once(True)


T.main()
