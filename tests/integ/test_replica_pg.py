"""Read replicas (issue 16): `serve --db-replica URL`.

A PostgreSQL primary and a streaming replica of it (pg_basebackup -R,
tests/pgserver.sh replica), both started here, and two `serve` nodes with
--db on the primary and --db-replica on the replica. Replay on the replica
is paused (pg_wal_replay_pause) to make the lag deterministic:

- member A votes and comments: A's pages show them on both nodes (the
  pb_lsn cookie sends A's reads to the primary, on any node), while member
  B's pages and an anonymous reader's do not yet (their reads go to the
  replica); once replay resumes everyone sees them and A's cookie is
  cleared;
- a sign-up and a log-in work while replay is paused (sessions are read on
  the primary), and the new member's own page is there for them;
- the replica stopped: every page and vote still works, from the primary,
  and each node says so once; the replica started again: reads go back to
  it (its pg_stat_activity shows the nodes, and a second pause hides a new
  vote from anonymous readers again);
- the primary stopped: anonymous readers are still answered, by the
  replica; a vote answers 503 until the primary is back;
- --db-replica with a SQLite --db is refused with a clear message (on the
  command line and in --config)."""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as T  # noqa: E402
import community_fixture as cf  # noqa: E402
import web_fixture as wf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PGBIN = "/usr/lib/postgresql/15/bin"
PGSERVER = os.path.join(ROOT, "tests/pgserver.sh")
PW = "correct horse battery"


class Pair:
    """A primary and its streaming replica, each in a directory of its
    own directly under /tmp (the server's user, nobody when the tests run
    as root, must reach it)."""

    def __init__(self):
        self.pdir = "/tmp/pb-replica-p-%d" % os.getpid()
        self.rdir = "/tmp/pb-replica-r-%d" % os.getpid()
        r = subprocess.run([PGSERVER, "start", self.pdir],
                           capture_output=True, text=True)
        if r.returncode == 2:
            raise T.Skip("PostgreSQL is not installed")
        if r.returncode:
            raise AssertionError("pgserver: " + r.stderr)
        self.primary = r.stdout.strip()
        self.replica = None
        self.runas = ["runuser", "-u", "nobody", "--"] if os.getuid() == 0 \
            else []

    def make_replica(self):
        r = subprocess.run([PGSERVER, "replica", self.primary, self.rdir],
                           capture_output=True, text=True)
        if r.returncode:
            raise AssertionError("pgserver replica: " + r.stderr)
        self.replica = r.stdout.strip()
        self.rport = re.search(r"port=(\d+)", self.replica).group(1)

    def replica_ctl(self, *args):
        opts = ("-c listen_addresses=127.0.0.1 -p %s -c "
                "unix_socket_directories=%s -c fsync=off -c "
                "shared_buffers=32MB -c max_connections=200 -c "
                "hot_standby=on" % (self.rport, self.rdir))
        subprocess.run(self.runas + [
            os.path.join(PGBIN, "pg_ctl"), "-D", self.rdir + "/data", "-l",
            self.rdir + "/server.log", "-w", "-t", "60", "-o", opts] +
            list(args), check=True, capture_output=True)

    def primary_ctl(self, *args):
        port = re.search(r"port=(\d+)", self.primary).group(1)
        opts = ("-c listen_addresses=127.0.0.1 -p %s -c "
                "unix_socket_directories=%s -c fsync=off -c "
                "synchronous_commit=off -c full_page_writes=off -c "
                "shared_buffers=32MB -c max_connections=200" %
                (port, self.pdir))
        subprocess.run(self.runas + [
            os.path.join(PGBIN, "pg_ctl"), "-D", self.pdir + "/data", "-l",
            self.pdir + "/server.log", "-w", "-t", "60", "-o", opts] +
            list(args), check=True, capture_output=True)

    def stop(self):
        for d in (self.rdir, self.pdir):
            subprocess.run([PGSERVER, "stop", d], capture_output=True)


def on(conninfo, db):
    return conninfo.replace("dbname=postgres", "dbname=" + db)


def one(conninfo, sql):
    rows = T.pg_sql(conninfo, sql)
    return rows[0][0] if rows else None


def wait_replayed(pair, db, timeout=30):
    """Until the replica has replayed what the primary has written now."""
    want = one(on(pair.primary, db), "SELECT pg_current_wal_insert_lsn()")
    t0 = time.time()
    while time.time() - t0 < timeout:
        if one(on(pair.replica, db),
               "SELECT pg_last_wal_replay_lsn() >= '%s'" % want) == "t":
            return
        time.sleep(0.1)
    raise AssertionError("the replica did not replay up to %s" % want)


def pause(pair, db):
    r = on(pair.replica, db)
    one(r, "SELECT pg_wal_replay_pause()")
    t0 = time.time()
    while one(r, "SELECT pg_get_wal_replay_pause_state()") != "paused":
        T.check(time.time() - t0 < 30, "replay did not pause")
        time.sleep(0.05)


def resume(pair, db):
    one(on(pair.replica, db), "SELECT pg_wal_replay_resume()")


class Node:
    def __init__(self, db, replica, n):
        self.dir = T.Tmp.path("node%d" % n)
        os.makedirs(self.dir, exist_ok=True)
        self.port = wf.free_port()
        self.errpath = os.path.join(self.dir, "serve.err")
        self.err = open(self.errpath, "w")
        self.proc = subprocess.Popen(
            [T.BIN, "serve", "--db", db, "--db-replica", replica, "--port",
             str(self.port), "--threads", "2", "--access-log", "off",
             "--no-fetch-unknown", "--local-dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=self.err)
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
                           (n, self.stderr()))

    def stderr(self):
        with open(self.errpath) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except Exception:
                self.proc.kill()


class Via:
    """A client's view of one node (cf.Client talks to .port)."""

    def __init__(self, port):
        self.port = port


_t0 = [time.time()]


def step(what):
    print("     %6.1f s  %s" % (time.time() - _t0[0], what), flush=True)


def client_on(node, cookies=None):
    c = cf.Client(Via(node.port))
    if cookies is not None:
        c.cookies = cookies  # the same browser, another node
    return c


_n = [0]


def upvotes(c, pid):
    """upvotes of pid as c sees them (a new query string each time, so an
    anonymous reader is not answered from the response cache)."""
    _n[0] += 1
    st, _, t, _ = c.get("/api/papers/%s?n=%d" % (pid, _n[0]))
    T.eq(st, 200, t[:200])
    return json.loads(t)["upvotes"]


def metric(node, name):
    r = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % node.port,
                               timeout=20)
    m = re.search(r"^%s (\S+)$" % name, r.read().decode(), re.M)
    T.check(m, name)
    return float(m.group(1))


def vote(c, pid, v):
    st, _, t, sc = c.request(
        "POST", "/api/vote/" + pid, body="v=%d" % v,
        headers={"X-CSRF-Token": c.csrf,
                 "Content-Type": "application/x-www-form-urlencoded"})
    T.eq(st, 200, t[:200])
    return sc


@T.test
def test_reads_on_the_replica_own_writes_on_the_primary():
    pair = Pair()
    nodes = []
    try:
        T.pg_sql(pair.primary, "CREATE DATABASE rep")
        db = on(pair.primary, "rep")
        rc, out, err = T.run("import", "--db", db,
                             os.path.join(ROOT, "data/sample/arxiv"))
        T.eq(rc, 0, err)
        pid = one(db, "SELECT id FROM papers WHERE deleted = 0"
                      " ORDER BY pid LIMIT 1")
        # members: one argon2id hash from the CLI, copied to the others
        rc, err = cf.user_add(db, "alice", PW)
        T.eq(rc, 0, err)
        T.pg_sql(db, "INSERT INTO members(name, email, pwhash, created)"
                     " SELECT n, 'm@x.org', (SELECT pwhash FROM members"
                     " WHERE name = 'alice'), 0 FROM (VALUES ('bob'),"
                     " ('carol')) v(n)")
        step("imported, members made")
        pair.make_replica()
        rdb = on(pair.replica, "rep")
        step("replica made")
        T.eq(one(rdb, "SELECT pg_is_in_recovery()"), "t")
        nodes = [Node(db, rdb, 1)]
        step("node 1 up")
        nodes.append(Node(db, rdb, 2))
        n1, n2 = nodes
        for n in nodes:
            T.check("reads go to the read replica" in n.stderr(),
                    n.stderr())

        step("replica and two nodes up")
        a = client_on(n1)
        T.eq(a.login("alice", PW)[0], 303)
        T.check(a.me()["name"] == "alice")
        b = client_on(n2)
        T.eq(b.login("bob", PW)[0], 303)
        T.check(b.me()["name"] == "bob")
        anon = client_on(n1)
        wait_replayed(pair, "rep")
        u0 = upvotes(anon, pid)
        T.eq([upvotes(x, pid) for x in (a, b)], [u0, u0])

        step("logged in")
        # --- replay paused: A's writes are A's at once, the others' later
        pause(pair, "rep")
        sc = vote(a, pid, 1)
        T.check(any(s.startswith("pb_lsn=") for s in sc), sc)
        T.check("pb_lsn" in a.cookies)
        st, _, t, _ = a.post("/comments/new", {"paper": pid, "body":
                                               "seen by alice first"})
        T.eq(st, 303, t[:200])
        T.eq(one(db, "SELECT count(*) FROM votes"), "1", "on the primary")
        T.eq(one(rdb, "SELECT count(*) FROM votes"), "0",
             "not yet on the replica")
        a2 = client_on(n2, a.cookies)  # alice's browser, on the other node
        T.eq([upvotes(a, pid), upvotes(a2, pid)], [u0 + 1, u0 + 1],
             "alice sees her vote on both nodes")
        for c in (a, a2):
            st, _, t, _ = c.get("/papers/" + pid)
            T.eq(st, 200)
            T.check("seen by alice first" in t, "alice sees her comment")
        b1 = client_on(n1, b.cookies)
        anon2 = client_on(n2)
        T.eq([upvotes(c, pid) for c in (b, b1, anon, anon2)], [u0] * 4,
             "bob and anonymous readers read the replica: not yet")
        for c in (b, anon2):
            st, _, t, _ = c.get("/papers/" + pid)
            T.eq(st, 200)
            T.check("seen by alice first" not in t, "not yet for others")

        T.check(metric(n2, "paperboy_replica_behind_reads_total") > 0,
                "alice's reads on node 2 counted as behind")
        step("paused: read-your-writes shown")
        # a sign-up and a log-in while replay is paused
        new = client_on(n1)
        st, _, t, sc = new.signup("newbie", "n@x.org", PW)
        T.eq(st, 303, t[:300])
        T.check("pb_lsn" in new.cookies, sc)
        new2 = client_on(n2, new.cookies)
        me = new2.me()
        T.check(me and me["name"] == "newbie", me)
        T.eq(new2.get("/u/newbie")[0], 200, "the new member's own page")
        T.eq(anon2.get("/u/newbie")[0], 404, "not on the replica yet")
        c = client_on(n2)
        T.eq(c.login("carol", PW)[0], 303)
        c1 = client_on(n1, c.cookies)
        me = c1.me()
        T.check(me and me["name"] == "carol", me)

        step("sign-up and log-in while paused")
        # --- replay resumed: everyone sees it, alice's cookie goes
        resume(pair, "rep")
        t0 = time.time()
        seen = None
        while time.time() - t0 < 20:
            seen = [upvotes(x, pid) for x in (b, b1, anon, anon2)]
            if seen == [u0 + 1] * 4:
                break
            time.sleep(0.2)
        T.eq(seen, [u0 + 1] * 4, "everyone after replay resumed")
        print("     replay resumed: seen by all after %.2f s" %
              (time.time() - t0))
        for _ in range(50):
            upvotes(a, pid)
            if "pb_lsn" not in a.cookies:
                break
            time.sleep(0.1)
        T.check("pb_lsn" not in a.cookies, "the cookie is cleared")
        T.eq(anon2.get("/u/newbie")[0], 200)

        step("resumed")
        # --- the replica stopped: the primary answers everything
        pair.replica_ctl("stop", "-m", "fast")
        for n in nodes:
            x = client_on(n)
            T.eq(upvotes(x, pid), u0 + 1)
            for path in ("/", "/papers/" + pid, "/trending",
                         "/api/daily_papers"):
                T.eq(x.get(path)[0], 200, path)
        vote(b, pid, 1)
        T.eq([upvotes(x, pid) for x in (b, anon, anon2)], [u0 + 2] * 3,
             "fresh from the primary while the replica is down")
        for x in (a, b, b1):
            T.eq(x.get("/papers/" + pid)[0], 200)
        for n in nodes:
            e = n.stderr()
            T.eq(e.count("unreachable"), 1, e)
            T.check(metric(n, "paperboy_replica_failed_reads_total") > 0)

        step("replica stopped: all on the primary")
        # --- back: reads go to it again
        pair.replica_ctl("start")
        wait_replayed(pair, "rep")
        t0 = time.time()
        conns = 0
        while time.time() - t0 < 30:
            for x in (anon, anon2):
                upvotes(x, pid)
            conns = int(one(rdb, "SELECT count(*) FROM pg_stat_activity"
                                 " WHERE application_name ="
                                 " 'paperboy-replica'"))
            if conns >= 2 and all("is back" in n.stderr() for n in nodes):
                break
            time.sleep(0.3)
        T.check(conns >= 2, "the nodes' connections to the replica: %d" %
                conns)
        for n in nodes:
            T.check("is back" in n.stderr(), n.stderr())
        step("replica back")
        before = [metric(n, "paperboy_replica_reads_total") for n in nodes]
        for x in (anon, anon2):
            upvotes(x, pid)
        after = [metric(n, "paperboy_replica_reads_total") for n in nodes]
        T.check(all(y > x for x, y in zip(before, after)), (before, after))
        pause(pair, "rep")
        vote(b, pid, 0)  # bob takes his vote back
        T.eq(upvotes(b, pid), u0 + 1, "bob's own write")
        T.eq([upvotes(x, pid) for x in (anon, anon2)], [u0 + 2] * 2,
             "anonymous reads on the replica again (paused: not yet)")
        resume(pair, "rep")
        t0 = time.time()
        while time.time() - t0 < 20 and \
                [upvotes(x, pid) for x in (anon, anon2)] != [u0 + 1] * 2:
            time.sleep(0.2)
        T.eq([upvotes(x, pid) for x in (anon, anon2)], [u0 + 1] * 2)
        step("reads on the replica again")

        # --- the primary stopped: the replica still answers readers;
        # writes are 503 until the primary is back
        pair.primary_ctl("stop", "-m", "fast")
        T.eq([upvotes(x, pid) for x in (anon, anon2)], [u0 + 1] * 2,
             "anonymous readers answered by the replica")
        T.eq(anon2.get("/papers/" + pid)[0], 200)
        st, _, t, _ = b.request(
            "POST", "/api/vote/" + pid, body="v=1",
            headers={"X-CSRF-Token": b.csrf,
                     "Content-Type": "application/x-www-form-urlencoded"})
        T.eq(st, 503, t[:200])
        pair.primary_ctl("start")
        t0 = time.time()
        while time.time() - t0 < 30:
            st, _, t, _ = b.request(
                "POST", "/api/vote/" + pid, body="v=1",
                headers={"X-CSRF-Token": b.csrf, "Content-Type":
                         "application/x-www-form-urlencoded"})
            if st == 200:
                break
            time.sleep(0.5)
        T.eq(st, 200, "a vote once the primary is back")
        # (each connection that was open when the primary stopped fails
        # its first statement, 503, and connects again on the next)
        seen = []
        for _ in range(20):
            _n[0] += 1
            st, _, t, _ = b.get("/api/papers/%s?n=%d" % (pid, _n[0]))
            T.check(st in (200, 503), (st, t[:200]))
            seen.append(json.loads(t).get("upvotes") if st == 200 else st)
            if seen[-3:] == [u0 + 2] * 3:
                break
        T.eq(seen[-3:], [u0 + 2] * 3, "bob's vote, after the primary's "
                                      "restart: %r" % seen)
        for n in nodes:  # a clean exit: no sanitizer report, no leak
            n.stop()
            T.eq(n.proc.returncode, 0, n.stderr())
            T.check("Sanitizer" not in n.stderr(), n.stderr())
        for n in nodes:
            e = n.stderr()
            T.eq(e.count("unreachable"), 1,
                 "connections the restart broke are made again: " + e)
    finally:
        for n in nodes:
            n.stop()
        pair.stop()


@T.test
def test_sqlite_db_with_a_replica_is_refused():
    db = T.Tmp.path("r.db")
    rc, out, err = T.run("import", "--db", db,
                         os.path.join(ROOT, "data/sample/arxiv"))
    T.eq(rc, 0, err)
    port = wf.free_port()
    rc, out, err = T.run("serve", "--db", db, "--db-replica",
                         "host=127.0.0.1 dbname=x", "--port", str(port),
                         timeout=60)
    T.eq(rc, 1, err)
    T.check("--db-replica needs a PostgreSQL --db" in err, err)
    conf = T.Tmp.path("serve.conf")
    with open(conf, "w") as f:
        f.write("db = %s\ndb-replica = postgresql://r.example/pb\n"
                "port = %d\n" % (db, port))
    rc, out, err = T.run("serve", "--config", conf, timeout=60)
    T.eq(rc, 1, err)
    T.check("--db-replica needs a PostgreSQL --db" in err, err)
    # and the help names the flag
    rc, out, err = T.run("serve", "--help")
    T.check(re.search(r"^  --db-replica URL", out, re.M), out)


T.main()
