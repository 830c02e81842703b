"""Many servers, one site (issue 16): PostgreSQL (started here), three
`paperboy serve` nodes and nginx in front as the load balancer, all on
loopback.

- 200 members (sessions made in the store, as test_community.py does) vote
  on three papers each and comment once through nginx, 16 at a time, while
  node 2 is killed with SIGKILL and started again. Afterwards: every vote
  and comment that was answered 2xx/3xx is in the store exactly once, the
  votes of a paper equal its vote rows, no comment is there twice, and the
  only 5xx answers are requests nginx had sent to node 2 when it died
  (nginx's log says which node answered each);
- a paper imported while the nodes run is found by search on node 3 within
  2 seconds;
- PostgreSQL restarted while members vote: only 502/503 while it is down,
  every accepted vote and unvote stored, counters equal the rows;
- PostgreSQL stopped: the nodes answer 503 (never 500, never hang)
  and, once it is back, answer 200 again without a restart."""
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as T  # noqa: E402
import community_fixture as cf  # noqa: E402
import web_fixture as wf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PGBIN = "/usr/lib/postgresql/15/bin"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PW = "correct horse battery"


class Pg:
    """A PostgreSQL of this suite's own (tests/pgserver.sh), so that it can
    be stopped and started mid-run."""

    def __init__(self):
        # directly under /tmp: the server's user (nobody, when the tests
        # run as root) must reach it, and Tmp is private to root
        self.dir = "/tmp/pb-cluster-pg-%d" % os.getpid()
        r = subprocess.run([os.path.join(ROOT, "tests/pgserver.sh"), "start",
                            self.dir], capture_output=True, text=True)
        if r.returncode == 2:
            raise T.Skip("PostgreSQL is not installed")
        if r.returncode:
            raise AssertionError("pgserver: " + r.stderr)
        self.admin = r.stdout.strip()
        self.port = re.search(r"port=(\d+)", self.admin).group(1)
        self.runas = ["runuser", "-u", "nobody", "--"] if os.getuid() == 0 \
            else []

    def ctl(self, *args):
        opts = ("-c listen_addresses=127.0.0.1 -p %s -c "
                "unix_socket_directories=%s -c fsync=off -c "
                "max_connections=200" % (self.port, self.dir))
        subprocess.run(self.runas + [
            os.path.join(PGBIN, "pg_ctl"), "-D", self.dir + "/data", "-l",
            self.dir + "/server.log", "-w", "-t", "60", "-o", opts] +
            list(args), check=True, capture_output=True)

    def stop(self):
        subprocess.run([os.path.join(ROOT, "tests/pgserver.sh"), "stop",
                        self.dir], capture_output=True)


class Node:
    def __init__(self, db, n):
        self.db, self.n = db, n
        self.dir = T.Tmp.path("node%d" % n)
        os.makedirs(self.dir, exist_ok=True)
        self.port = wf.free_port()
        self.start()

    def start(self):
        self.errpath = os.path.join(self.dir, "serve-%d.err" % time.time())
        self.err = open(self.errpath, "w")
        self.proc = subprocess.Popen(
            [T.BIN, "serve", "--db", self.db, "--port", str(self.port),
             "--threads", "2", "--access-log", "off", "--no-fetch-unknown",
             "--local-dir", self.dir], stdout=subprocess.DEVNULL,
            stderr=self.err)
        for _ in range(600):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/readyz" %
                                       self.port, timeout=2)
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("node %d did not start: %s" %
                           (self.n, open(self.errpath).read()))

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Nginx:
    def __init__(self, ports):
        self.dir = T.Tmp.path("nginx")
        os.makedirs(self.dir + "/tmp", exist_ok=True)
        self.port = wf.free_port()
        ups = "".join("    server 127.0.0.1:%d max_fails=1 fail_timeout=2s;\n"
                      % p for p in ports)
        conf = """
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log;
daemon off;
%(user)s
events { worker_connections 1024; }
http {
  log_format pb '$status $upstream_addr $upstream_status $msec $request_time "$request"';
  access_log %(d)s/access.log pb;
  client_body_temp_path %(d)s/tmp/body;
  proxy_temp_path %(d)s/tmp/proxy;
  fastcgi_temp_path %(d)s/tmp/fastcgi;
  uwsgi_temp_path %(d)s/tmp/uwsgi;
  scgi_temp_path %(d)s/tmp/scgi;
  upstream paperboy {
%(ups)s    keepalive 16;
  }
  server {
    listen 127.0.0.1:%(port)d;
    location / {
      proxy_pass http://paperboy;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }
  }
}
""" % {"d": self.dir, "ups": ups, "port": self.port,
       "user": "user root;" if os.getuid() == 0 else ""}
        with open(self.dir + "/nginx.conf", "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen([NGINX, "-p", self.dir, "-c",
                                      self.dir + "/nginx.conf"],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/healthz" %
                                       self.port, timeout=2)
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start: " +
                           open(self.dir + "/error.log").read())

    def log(self):
        out = []
        for line in open(self.dir + "/access.log"):
            m = re.match(r'(\d+) (\S+) (\S+) ([\d.]+) ([\d.]+) "(.*)"', line)
            if m:
                out.append({"status": int(m.group(1)), "up": m.group(2),
                            "end": float(m.group(4)),
                            "took": float(m.group(5)),
                            "req": m.group(6)})
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class Port:
    def __init__(self, port):
        self.port = port


def status_of(port, path):
    try:
        r = urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                   timeout=20)
        r.read()
        return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return None


@T.test
def test_three_nodes_behind_nginx():
    if not os.path.exists(NGINX):
        raise T.Skip("nginx is not installed")
    pg = Pg()
    nodes, ngx = [], None
    try:
        T.pg_sql(pg.admin, "CREATE DATABASE cluster")
        db = pg.admin.replace("dbname=postgres", "dbname=cluster")
        rc, out, err = T.run("import", "--db", db,
                             os.path.join(ROOT, "data/sample/arxiv"))
        T.eq(rc, 0, err)
        papers = [r[0] for r in T.pg_sql(
            db, "SELECT id FROM papers WHERE deleted = 0 ORDER BY pid"
                " LIMIT 40")]
        T.eq(len(papers), 40)
        # 200 members: one argon2id hash from the CLI, shared by the rest;
        # their sessions made in the store as the server makes them
        rc, err = cf.user_add(db, "m000", PW)
        T.eq(rc, 0, err)
        T.pg_sql(db, "INSERT INTO members(name, email, pwhash, created)"
                     " SELECT 'm' || lpad(g::text, 3, '0'), 'm@x.org',"
                     " (SELECT pwhash FROM members WHERE name = 'm000'), 0"
                     " FROM generate_series(1, 199) g")
        ids = dict((r[0], int(r[1])) for r in T.pg_sql(
            db, "SELECT name, id FROM members"))
        N = 200
        names = ["m%03d" % i for i in range(N)]
        toks, rows = [], []
        now = int(time.time())
        for nm in names:
            raw = os.urandom(32)
            import base64
            toks.append(base64.urlsafe_b64encode(raw).rstrip(b"=").decode())
            rows.append("('\\x%s', %d, %d, %d)" % (
                hashlib.blake2b(raw, digest_size=32).hexdigest(), ids[nm],
                now, now + 7200))
        T.pg_sql(db, "INSERT INTO sessions(hash, member, created, expires)"
                     " VALUES " + ",".join(rows))

        nodes = [Node(db, i + 1) for i in range(3)]
        ngx = Nginx([n.port for n in nodes])
        front = Port(ngx.port)
        clients = []
        for i, nm in enumerate(names):
            c = cf.Client(front)
            c.cookies["pb_session"] = toks[i]
            clients.append(c)
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            mes = list(ex.map(lambda c: c.me(), clients))
        T.eq([m and m["name"] for m in mes], names,
             "every member's session works through nginx")

        # the work: 3 votes and 1 comment each, in parallel
        def job(i):
            c = clients[i]
            out = []
            for k in range(3):
                pid = papers[(i * 7 + k * 13) % len(papers)]
                t0 = time.time()
                try:
                    st, _, _, _ = c.request(
                        "POST", "/api/vote/" + pid, body="v=1",
                        headers={"X-CSRF-Token": c.csrf, "Content-Type":
                                 "application/x-www-form-urlencoded"})
                except Exception:
                    st = None
                out.append(("vote", i, pid, st, t0, time.time()))
            pid = papers[i % len(papers)]
            t0 = time.time()
            try:
                st, _, _, _ = c.post("/comments/new", {
                    "paper": pid, "body": "comment number %d" % i})
            except Exception:
                st = None
            out.append(("comment", i, pid, st, t0, time.time()))
            return out

        results = []
        kill_at = [None, None]
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            futs = [ex.submit(job, i) for i in range(N)]
            time.sleep(1.0)
            kill_at[0] = time.time()
            nodes[1].kill()
            time.sleep(2.0)
            nodes[1].start()
            kill_at[1] = time.time()
            for f in futs:
                results += f.result()
        ok = [r for r in results if r[3] is not None and 200 <= r[3] < 400]
        bad = [r for r in results if r not in ok]
        print("     %d requests, %d answered 2xx/3xx, %d not: %s" % (
            len(results), len(ok), len(bad),
            sorted(set(str(r[3]) for r in bad))))
        # nginx says which node had each 5xx
        n2 = "127.0.0.1:%d" % nodes[1].port
        log5 = [e for e in ngx.log() if e["status"] >= 500]
        T.eq([e for e in log5 if e["up"] != n2
              or e["end"] - e["took"] > kill_at[0] + 0.5
              or e["end"] < kill_at[0] - 0.5], [],
             "5xx only for requests in flight on the killed node")
        T.check(len(bad) <= len(log5) + 0, (len(bad), len(log5)))
        # votes: every accepted one is there; the counters equal the rows
        votes = set((int(r[0]), r[1]) for r in T.pg_sql(
            db, "SELECT v.member, p.id FROM votes v JOIN papers p"
                " ON p.pid = v.pid"))
        lost = [r for r in ok if r[0] == "vote"
                and (ids[names[r[1]]], r[2]) not in votes]
        T.eq(lost, [], "no accepted vote lost")
        mism = T.pg_sql(db, "SELECT s.pid, s.votes, count(v.member)"
                            " FROM paper_stats s LEFT JOIN votes v"
                            " ON v.pid = s.pid GROUP BY s.pid, s.votes"
                            " HAVING s.votes <> count(v.member)")
        T.eq(mism, [], "each paper's vote count equals its votes")
        bodies = [r[0] for r in T.pg_sql(db, "SELECT body FROM comments")]
        T.eq(len(bodies), len(set(bodies)), "no comment twice")
        lost = [r for r in ok if r[0] == "comment"
                and "comment number %d" % r[1] not in bodies]
        T.eq(lost, [], "no accepted comment lost")
        T.check(len([r for r in ok if r[0] == "vote"]) >= 3 * N * 0.8,
                "most votes accepted: %d" % len(ok))

        # a paper imported now is found on node 3 within 2 s
        jl = T.Tmp.path("new.jsonl")
        with open(jl, "w") as f:
            f.write(json.dumps({"id": "2411.99999", "title":
                                "Zyxwvut clustered retrieval",
                                "abstract": "A word no paper has: zyxwvut.",
                                "authors": ["A. Node"],
                                "categories": "cs.IR",
                                "published": "2024-11-20T00:00:00Z"}) + "\n")
        rc, out, err = T.run("import", "--db", db, jl)
        T.eq(rc, 0, err)
        t0 = time.time()
        found = None
        while time.time() - t0 < 10:
            try:
                r = urllib.request.urlopen(
                    "http://127.0.0.1:%d/api/papers/search?q=zyxwvut" %
                    nodes[2].port, timeout=5)
                if "2411.99999" in r.read().decode():
                    found = time.time() - t0
                    break
            except Exception:
                pass
            time.sleep(0.1)
        print("     imported paper found on node 3 after %s s" % found)
        T.check(found is not None and found <= 2.0, found)

        # PostgreSQL restarted while members vote: while it is down the
        # nodes answer 503 (or nginx 502 for a node it gave up on), never
        # 500; every vote accepted before, during or after is stored
        def vote2(i):
            c = clients[i]
            pid = papers[(i * 11 + 5) % len(papers)]
            out = []
            for k in range(6):
                try:
                    st, _, _, _ = c.request(
                        "POST", "/api/vote/" + pid,
                        body="v=%d" % ((k + 1) % 2),
                        headers={"X-CSRF-Token": c.csrf, "Content-Type":
                                 "application/x-www-form-urlencoded"})
                except Exception:
                    st = None
                out.append((i, pid, (k + 1) % 2, st))
                time.sleep(0.3)
            return out

        res2 = []
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            futs = [ex.submit(vote2, i) for i in range(0, N, 4)]
            time.sleep(0.5)
            pg.ctl("restart", "-m", "fast")
            for f in futs:
                res2 += f.result()
        codes = sorted(set(str(r[3]) for r in res2))
        print("     votes around a PostgreSQL restart: %d, answers %s" %
              (len(res2), codes))
        T.eq([r for r in res2 if r[3] not in (None, 200, 502, 503)], [],
             "only 502/503 while it is down (no 403 for a session that "
             "could not be read, no 500)")
        # each member's last accepted vote decides whether the row is there
        votes = set((int(r[0]), r[1]) for r in T.pg_sql(
            db, "SELECT v.member, p.id FROM votes v JOIN papers p"
                " ON p.pid = v.pid"))
        last = {}
        for i, pid, v, st in res2:
            if st is not None and 200 <= st < 300:
                last[(i, pid)] = v
            elif (i, pid) in last:
                last[(i, pid)] = None  # unknown whether it was applied
        wrong = [(k, v) for k, v in last.items() if v is not None and
                 ((ids[names[k[0]]], k[1]) in votes) != bool(v)]
        T.eq(wrong, [], "every accepted vote (and unvote) is in the store")
        T.check(sum(1 for r in res2 if r[3] == 200) > len(res2) // 3,
                "votes accepted around the restart: %s" % codes)
        mism = T.pg_sql(db, "SELECT s.pid, s.votes, count(v.member)"
                            " FROM paper_stats s LEFT JOIN votes v"
                            " ON v.pid = s.pid GROUP BY s.pid, s.votes"
                            " HAVING s.votes <> count(v.member)")
        T.eq(mism, [], "vote counters equal the votes after the restart")

        # PostgreSQL down: 503 on every node, then back without a restart
        pg.ctl("stop", "-m", "fast")
        down = [status_of(n.port, "/api/daily_papers?date=2024-06-0%d" % k)
                for k, n in enumerate(nodes, 1)]
        T.eq(down, [503, 503, 503], "nodes while PostgreSQL is down")
        pg.ctl("start")
        back = None
        t0 = time.time()
        while time.time() - t0 < 30:
            back = [status_of(n.port, "/api/daily_papers?date=2024-06-1%d" %
                              k) for k, n in enumerate(nodes, 1)]
            if back == [200, 200, 200]:
                break
            time.sleep(0.5)
        T.eq(back, [200, 200, 200], "nodes after PostgreSQL is back")
    finally:
        if ngx:
            ngx.stop()
        for n in nodes:
            n.stop()
        pg.stop()


T.main()
