"""paperboy as a service (docs/DEPLOY.md): --config FILE, /healthz, /readyz,
/metrics (parsed with Debian's python3-prometheus-client), SIGHUP reopening
the logs, a graceful SIGTERM under load, and `paperboy backup` while 50
members upvote. Runs on papers it makes itself (no ../shared)."""
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pbtest import BIN, Tmp, check, eq, integrity, main, run, test  # noqa

from prometheus_client.parser import text_string_to_metric_families  # noqa

DAY = "2024-06-03"
WORDS = ("graph neural network transformer attention diffusion protein "
         "language model retrieval benchmark vision robot policy").split()


def papers(n, long_abstract=False):
    out = []
    for i in range(n):
        words = [WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(
            300 if long_abstract else 30)]
        out.append({"id": "2406.%05d" % (i + 1),
                    "title": "Paper %d on %s" % (i + 1, WORDS[i % len(WORDS)]),
                    "abstract": " ".join(words) + ".",
                    "authors": ["Author %d" % (i % 17), "Second Author"],
                    "categories": "cs.LG", "listed_day": DAY,
                    "published": DAY + "T00:00:00Z"})
    return out


def make_db(name, n=60, long_abstract=False, index=True):
    d = Tmp.path(name)
    os.makedirs(d, exist_ok=True)
    db = os.path.join(d, "t.db")
    jl = os.path.join(d, "p.jsonl")
    with open(jl, "w") as f:
        for p in papers(n, long_abstract):
            f.write(json.dumps(p) + "\n")
    rc, _, err = run("import", "--db", db, jl)
    eq(rc, 0, err)
    if index:
        rc, _, err = run("reindex", "--db", db)
        eq(rc, 0, err)
    return d, db


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Serve:
    """paperboy serve ARGS on a free port; waits for /healthz."""

    def __init__(self, args, port=None, cwd=None):
        self.port = port or free_port()
        self.errpath = Tmp.path("serve-%d.err" % self.port)
        self.err = open(self.errpath, "w+")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--bind", "127.0.0.1", "--port", str(self.port)]
            + list(args), stdout=subprocess.DEVNULL, stderr=self.err,
            cwd=cwd)
        for _ in range(300):
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.stderr())

    def get(self, path, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port,
                                       timeout=timeout)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        finally:
            c.close()

    def stderr(self):
        self.err.flush()
        with open(self.errpath) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout)
        self.err.close()
        return rc


# --- the configuration file ---------------------------------------------

def conf(name, text):
    p = Tmp.path(name)
    with open(p, "w") as f:
        f.write(text)
    return p


@test
def config_unknown_key_names_file_and_line():
    p = conf("bad-key.conf", "# paperboy\nport = 8081\n\nbogus-key = 1\n")
    rc, _, err = run("serve", "--config", p)
    eq(rc, 2, err)
    check("%s:4: unknown key 'bogus-key'" % p in err, err)


@test
def config_bad_values_name_the_line():
    cases = [("port = 70000\n", 1, "port"),
             ("# a comment\nthreads = two\n", 2, "threads"),
             ("\n\nbehind-tls = maybe\n", 3, "behind-tls"),
             ("base-url = ftp://x\n", 1, "base-url"),
             ("digest-at = 25:00\n", 1, "digest-at"),
             ("bind = localhost\n", 1, "bind"),
             ("port = 8081\nport = 8082\n", 2, "port"),
             ("just words\n", 1, "expected key = value")]
    for i, (text, line, what) in enumerate(cases):
        p = conf("bad-%d.conf" % i, text)
        rc, _, err = run("serve", "--config", p)
        eq(rc, 2, (text, err))
        check(("%s:%d: %s" % (p, line, what)) in err, (text, err))
    rc, _, err = run("serve", "--config", Tmp.path("missing.conf"))
    eq(rc, 2, err)
    check("missing.conf" in err, err)


@test
def config_settings_apply_and_flags_override():
    d, db = make_db("conf", 20)
    log = os.path.join(d, "from-file.log")
    file_port = free_port()
    p = conf("good.conf", "# every key is a flag without --\n"
             "db = %s\nport = %d\naccess-log = %s\nthreads = 2\n"
             "behind-tls = yes\nno-fetch-unknown = true\n"
             "mail-from-name = \"Paper boy\"\n" % (db, file_port, log))
    s = Serve(["--config", p])  # --port on the command line wins
    try:
        check(s.port != file_port)
        st, body = s.get("/api/papers/2406.00003")
        eq(st, 200, body)
        eq(json.loads(body)["id"], "2406.00003")
        try:
            socket.create_connection(("127.0.0.1", file_port), 1).close()
            check(False, "the file's port is in use too")
        except OSError:
            pass
    finally:
        eq(s.stop(), 0)
    with open(log) as f:
        check("/api/papers/2406.00003" in f.read())
    # other commands take the file's db
    rc, out, err = run("stats", "--config", p, "--json")
    eq(rc, 0, err)
    eq(json.loads(out)["papers"], 20)
    rc, _, err = run("eval", "--config", p, "x")
    eq(rc, 2, err)


@test
def serve_help_lists_every_key():
    rc, out, _ = run("serve", "--help")
    eq(rc, 0)
    for flag in ["--config", "--port", "--bind", "--db", "--threads",
                 "--base-url", "--access-log", "--error-log",
                 "--shutdown-timeout", "--no-cache", "--behind-tls",
                 "--submit-max-age", "--submit-cap", "--trending-gravity",
                 "--no-fetch-unknown", "--arxiv-api-url", "--contact",
                 "--smtp", "--smtp-user", "--smtp-ca", "--starttls",
                 "--mail-from", "--mail-from-name", "--digest-at", "--tz",
                 "--harvest", "--harvest-at", "--harvest-margin",
                 "--harvest-set", "--harvest-arxiv-url",
                 "--harvest-daily-url"]:
        check(re.search(r"^  %s\b" % re.escape(flag), out, re.M) or
              flag == "--config" and "--config FILE" in out, flag)


# --- health and metrics -----------------------------------------------------

@test
def healthz_and_readyz():
    d, db = make_db("health", 30)
    s = Serve(["--db", db, "--access-log", "off"])
    try:
        eq(s.get("/healthz"), (200, "ok\n"))
        st, body = s.get("/readyz")
        eq(st, 200, body)
        check("caught up (30 papers)" in body, body)
        # papers imported while it runs: ready again once the index has
        # them (readyz brings it up to date, as a page would)
        jl = os.path.join(d, "more.jsonl")
        with open(jl, "w") as f:
            for p in papers(35)[30:]:
                f.write(json.dumps(p) + "\n")
        rc, _, err = run("import", "--db", db, jl)
        eq(rc, 0, err)
        st, body = s.get("/readyz")
        eq(st, 200, body)
        check("caught up (35 papers)" in body, body)
    finally:
        eq(s.stop(), 0)
    # a broken index file: serve refuses it, rebuilds the index from the
    # store in memory (docs/SECURITY.md) and is ready with every paper
    with open(db + ".idx", "wb") as f:
        f.write(b"not an index" * 100)
    s = Serve(["--db", db, "--access-log", "off"])
    try:
        eq(s.get("/healthz"), (200, "ok\n"))
        st, body = s.get("/readyz")
        eq(st, 200, body)
        check("caught up (35 papers)" in body, body)
    finally:
        eq(s.stop(), 0)


def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample(fams, fam, name, **labels):
    for smp in fams[fam].samples:
        if smp.name == name and all(smp.labels.get(k) == v
                                    for k, v in labels.items()):
            return smp.value
    return None


@test
def metrics_parse_and_count_exactly():
    d, db = make_db("metrics", 40)
    s = Serve(["--db", db, "--access-log", "off", "--threads", "2"])
    try:
        for _ in range(3):
            eq(s.get("/")[0], 200)
        for i in range(1, 6):
            eq(s.get("/papers/2406.%05d" % i)[0], 200)
        for _ in range(2):
            eq(s.get("/papers/9999.99999")[0], 404)
        eq(s.get("/api/daily_papers?date=%s&limit=7" % DAY)[0], 200)
        eq(s.get("/no/such/route")[0], 404)
        eq(s.get("/api/daily_papers?limit=0")[0], 400)
        st, text = s.get("/metrics")
        eq(st, 200, text)
        f = families(text)
        req = "paperboy_http_requests"
        eq(sample(f, req, req + "_total", route="/", status="200"), 3)
        eq(sample(f, req, req + "_total", route="/papers/*", status="200"), 5)
        eq(sample(f, req, req + "_total", route="/papers/*", status="404"), 2)
        eq(sample(f, req, req + "_total", route="/api/daily_papers",
                  status="200"), 1)
        eq(sample(f, req, req + "_total", route="/api/daily_papers",
                  status="400"), 1)
        eq(sample(f, req, req + "_total", route="other", status="404"), 1)
        # routes, not raw paths: no label holds a paper id
        check("2406.00001" not in text and "no/such" not in text)
        lat = "paperboy_http_request_duration_seconds"
        eq(sample(f, lat, lat + "_count", route="/papers/*"), 7)
        eq(sample(f, lat, lat + "_bucket", route="/papers/*", le="+Inf"), 7)
        eq(sample(f, lat, lat + "_count", route="/"), 3)
        check(sample(f, lat, lat + "_sum", route="/") > 0)
        hits = sample(f, "paperboy_response_cache_hits",
                      "paperboy_response_cache_hits_total")
        miss = sample(f, "paperboy_response_cache_misses",
                      "paperboy_response_cache_misses_total")
        # 13 cacheable requests (all but /healthz, which the start-up
        # polled, and /metrics); "/" three times: a hit at least (the
        # cache starts over when the store's generation moves, which the
        # first check after start-up sees, so not always two)
        eq(hits + miss, 13)
        check(hits >= 1, hits)
        eq(sample(f, "paperboy_index_papers", "paperboy_index_papers"), 40)
        check(sample(f, "paperboy_index_file_bytes",
                     "paperboy_index_file_bytes") > 0)
        eq(sample(f, "paperboy_index_lag_changes",
                  "paperboy_index_lag_changes"), 0)
        eq(sample(f, "paperboy_digests_sent", "paperboy_digests_sent_total"),
           0)
        eq(sample(f, "paperboy_digests_failed",
                  "paperboy_digests_failed_total"), 0)
        check("paperboy_harvest_last_success_timestamp_seconds" not in f)
        # the store's figures: digests and the last harvest, as written by
        # the mail and harvest jobs
        con = sqlite3.connect(db)
        con.execute("INSERT INTO meta(key, value) VALUES"
                    " ('harvest.last_ok', '1717400000')")
        con.commit()
        con.close()
        # a second scrape: the first /metrics is counted now
        st, text = s.get("/metrics")
        f = families(text)
        eq(sample(f, req, req + "_total", route="/metrics", status="200"), 1)
        eq(sample(f, "paperboy_harvest_last_success_timestamp_seconds",
                  "paperboy_harvest_last_success_timestamp_seconds"),
           1717400000)
    finally:
        eq(s.stop(), 0)


# --- signals ----------------------------------------------------------------

def wait_for(fn, what, timeout=20):
    t = time.time()
    while time.time() - t < timeout:
        if fn():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def read(p):
    try:
        with open(p) as f:
            return f.read()
    except FileNotFoundError:
        return ""


@test
def sighup_reopens_the_logs():
    d, db = make_db("hup", 10)
    acc, err = os.path.join(d, "access.log"), os.path.join(d, "error.log")
    s = Serve(["--db", db, "--access-log", acc, "--error-log", err])
    try:
        eq(s.get("/papers/2406.00001")[0], 200)
        os.rename(acc, acc + ".1")
        os.rename(err, err + ".1")
        s.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: os.path.exists(acc) and os.path.exists(err),
                 "new log files")
        wait_for(lambda: "logs reopened" in read(err), "the error log")
        eq(s.get("/papers/2406.00002")[0], 200)
    finally:
        eq(s.stop(), 0)
    new, old = read(acc), read(acc + ".1")
    check("/papers/2406.00002" in new, new)
    check("/papers/2406.00001" not in new, new)
    check("/papers/2406.00001" in old and "/papers/2406.00002" not in old,
          old)
    check("listening on" in read(err + ".1"))
    check("shutting down" in read(err), read(err))


def fetch_full(port, path, out, i, go=None, sent=None):
    """GET path; out[i] = (status, declared length, bytes read). With go
    (a threading.Event): connect, then send the request once go is set;
    sent (a list): sent[i] = True once the request is written."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        if go is not None:
            c.connect()
            go.wait(120)
        c.request("GET", path)
        if sent is not None:
            sent[i] = True
        r = c.getresponse()
        body = r.read()
        out[i] = (r.status, int(r.getheader("Content-Length", "-1")),
                  len(body))
        c.close()
    except Exception as e:  # a cut answer lands here
        out[i] = ("error", repr(e))


def accepted_conns(pid, port):
    """Established TCP connections on port that process pid holds."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            inodes.add(t[8:-1])
    n = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(name).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if (int(f[1].rsplit(":", 1)[1], 16) == port and f[3] == "01"
                    and f[9] in inodes):
                n += 1
    return n


@test
def sigterm_finishes_requests_in_flight():
    d, db = make_db("term", 1500, long_abstract=True)
    s = Serve(["--db", db, "--access-log", "off", "--threads", "2",
               "--no-cache", "--shutdown-timeout", "60"])
    n = 48
    out = [None] * n
    sent = [False] * n
    go = threading.Event()
    threads = [threading.Thread(
        target=fetch_full, args=(s.port, "/api/daily_papers?date=%s"
                                 "&limit=100&p=%d" % (DAY, i % 15), out, i,
                                 go, sent))
        for i in range(n)]
    for t in threads:
        t.start()
    # every client connected and accepted by the server (a fixed sleep was
    # not enough on a loaded machine: connections still in the listen queue
    # at SIGTERM are reset, as they should be), then all ask at once
    wait_for(lambda: accepted_conns(s.proc.pid, s.port) >= n,
             "the server to accept %d connections" % n, timeout=60)
    go.set()
    # every request written (in flight: its bytes are on the server's
    # socket, read or not); a connection that has sent nothing at SIGTERM
    # is idle and closed, as it should be, and a fixed sleep did not wait
    # for the last of 48 threads on a loaded machine
    wait_for(lambda: all(sent), "every client to send its request",
             timeout=60)
    s.proc.send_signal(signal.SIGTERM)
    wait_for(lambda: "no longer accepting" in s.stderr(), "the shutdown")
    refused = False
    try:
        socket.create_connection(("127.0.0.1", s.port), 2).close()
    except ConnectionRefusedError:
        refused = True
    for t in threads:
        t.join(120)
    rc = s.proc.wait(60)
    eq(rc, 0, s.stderr())
    check(refused, "a new connection was accepted after SIGTERM")
    bad = [o for o in out if not (o and o[0] == 200 and o[1] == o[2] and
                                  o[2] > 100000)]
    eq(bad, [], "every request in flight gets its whole answer")
    check("still in flight" not in s.stderr(), s.stderr())


# --- backup while members upvote --------------------------------------------

CSRF_RE = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


class Member:
    def __init__(self, port):
        self.port, self.cookies, self.csrf = port, {}, None

    def req(self, method, path, fields=None):
        h = {}
        body = None
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in
                                    self.cookies.items())
        if fields is not None:
            f = dict(fields, csrf=self.csrf or "")
            body = urllib.parse.urlencode(f)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            text = r.read().decode("utf-8", "replace")
            for sc in r.msg.get_all("Set-Cookie") or []:
                k, _, v = sc.split(";", 1)[0].partition("=")
                if v and "Max-Age=0" not in sc:
                    self.cookies[k] = v
            m = CSRF_RE.search(text)
            if m:
                self.csrf = m.group(1)
            return r.status
        finally:
            c.close()

    def login(self, name, pw):
        self.req("GET", "/login")
        st = self.req("POST", "/login", {"name": name, "password": pw})
        # the session's CSRF token replaces the visitor's
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request("GET", "/api/me", headers={"Cookie": "; ".join(
            "%s=%s" % kv for kv in self.cookies.items())})
        self.csrf = json.loads(c.getresponse().read())["csrf"]
        c.close()
        return st


def add_members(db, names):
    def one(chunk):
        for nm in chunk:
            rc, _, err = run("user", "add", nm, "--email", nm + "@ex.org",
                             "--db", db, input=b"pw-" + nm.encode() + b"\n")
            eq(rc, 0, err)
    ts = [threading.Thread(target=one, args=(names[i::2],)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def votes(db):
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM votes").fetchone()[0]
    finally:
        con.close()


@test
def backup_while_50_members_upvote():
    d, db = make_db("backup", 80)
    names = ["voter%02d" % i for i in range(50)]
    add_members(db, names)
    s = Serve(["--db", db, "--access-log", "off", "--threads", "4"])
    stop = threading.Event()
    errors, done = [], [0] * 50
    members = []
    try:
        for nm in names:
            m = Member(s.port)
            eq(m.login(nm, "pw-" + nm), 303, nm)
            members.append(m)

        def voter(i):
            m = members[i]
            for k in range(80):
                if stop.is_set():
                    return
                st = m.req("POST", "/vote/2406.%05d" % ((i + k) % 80 + 1),
                           {"v": "1"})
                if st != 303:
                    errors.append(st)
                done[i] += 1
        ts = [threading.Thread(target=voter, args=(i,)) for i in range(50)]
        for t in ts:
            t.start()
        wait_for(lambda: votes(db) >= 100, "the first votes")
        before = votes(db)
        copy = os.path.join(d, "copy.db")
        rc, out, err = run("backup", "--db", db, "--pages", "4", copy)
        after = votes(db)
        eq(rc, 0, err)
        check("-> %s" % copy in out, out)
        stop.set()
        for t in ts:
            t.join(120)
    finally:
        stop.set()
        eq(s.stop(), 0)
    eq(errors, [])
    eq(integrity(copy), "ok")
    n = votes(copy)
    check(before <= n <= after, (before, n, after))
    check(before < after, "votes kept coming during the backup")
    # the copy stands alone and opens as a store
    check(not os.path.exists(copy + "-wal"))
    rc, out, err = run("stats", "--db", copy, "--json")
    eq(rc, 0, err)
    eq(json.loads(out)["papers"], 80)
    # into a directory: a dated name
    rc, out, err = run("backup", "--db", db, d)
    eq(rc, 0, err)
    check(re.search(r"paperboy-\d{8}T\d{6}Z\.db", out), out)


# --- the systemd unit -------------------------------------------------------

@test
def systemd_unit_verifies_and_is_hardened():
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    unit = os.path.join(root, "debian", "paperboy.service")
    with open(unit) as f:
        text = f.read()
    for line in ["User=paperboy", "ProtectSystem=strict",
                 "ReadWritePaths=/var/lib/paperboy /var/log/paperboy",
                 "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes",
                 "ExecReload=/bin/kill -HUP $MAINPID",
                 "ExecStart=/usr/bin/paperboy serve --config "
                 "/etc/paperboy/paperboy.conf"]:
        check(re.search("^" + re.escape(line) + "$", text, re.M), line)
    # verify checks that ExecStart and the man page exist: point it at
    # this build and this man page, nothing else changed
    d = Tmp.path("unit")
    os.makedirs(os.path.join(d, "man", "man1"), exist_ok=True)
    with open(os.path.join(d, "paperboy.service"), "w") as f:
        f.write(text.replace("/usr/bin/paperboy", BIN))
    with open(os.path.join(root, "docs", "paperboy.1")) as f, \
            open(os.path.join(d, "man", "man1", "paperboy.1"), "w") as g:
        g.write(f.read())
    env = dict(os.environ, MANPATH=os.path.join(d, "man"))
    p = subprocess.run(["systemd-analyze", "verify",
                        os.path.join(d, "paperboy.service")],
                       capture_output=True, text=True, env=env)
    eq(p.returncode, 0, p.stdout + p.stderr)
    eq(p.stdout + p.stderr, "")


if __name__ == "__main__":
    main()
