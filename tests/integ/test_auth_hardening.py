"""Issue 15's attacks on log-in and its neighbours, over HTTP against a real
`paperboy serve` (the community fixture):

- rate limits that hold: from one address, failed log-ins for names whose
  keys land beside the victim's count (computed for the old unkeyed FNV-1a
  table) must not reset the victim's log-in limit, nor the sign-up and
  subscribe limits; past the account limit even the right password waits;
- no timing oracle: a 300-byte password for an existing account costs what
  an unknown name costs (medians, within 20%);
- password hashing off the request threads: `GET /` keeps p99 under 50 ms
  beside a flood of concurrent failed log-ins;
- redirect targets (next=, back=) only same-site paths: no tab, backslash,
  `//`;
- someone else's private collection answers 404 on every route, like a
  missing one;
- a 19-digit unsubscribe token is refused without undefined behaviour.

Clients bind source addresses 127.0.0.x / 127.0.1.x (all loopback; the
server still listens on 127.0.0.1 only) so that each part has its own
per-address counts."""
import concurrent.futures
import http.client
import os
import re
import statistics
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import community_fixture as cf  # noqa: E402

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + ("  " + str(detail)[:600] if detail else ""))


class Client(cf.Client):
    """cf.Client from a chosen loopback source address."""

    def __init__(self, server, src="127.0.0.1"):
        super().__init__(server)
        self.src = src

    def _conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.s.port,
                                          timeout=120,
                                          source_address=(self.src, 0))


# The table main had: 8192 slots, FNV-1a 64 over the key, probes of 8, the
# stalest slot evicted when all 8 were taken. Names whose keys start their
# probe at the victim's slot fill the 7 after it and then push it out.
SLOTS, PROBE = 8192, 8


def fnv(s):
    h = 1469598103934665603
    for b in s.encode():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def slot(key):
    return fnv(key) % SLOTS


def near(a, b):
    return (b - a) % SLOTS < 2 * PROBE or (a - b) % SLOTS < 2 * PROBE


def evictors(key, tag, n=PROBE):
    """n log-in names whose "login-name:" keys start at key's slot."""
    target, out, i = slot(key), [], 0
    while len(out) < n:
        name = "%s%06d" % (tag, i)
        i += 1
        if slot("login-name:" + name) == target:
            out.append(name)
    return out


def fail_logins(c, names):
    c.get("/login")
    return [c.post("/login", {"name": n, "password": "wrong password"})[0]
            for n in names]


class _Port:
    def __init__(self, port):
        self.port = port


def flood_main(port, n, stop_file):
    """The log-in flood, run as its own process so that its threads do not
    delay the measuring one (Python's GIL): n clients, each from its own
    address, send failed log-ins (up to 19, under the address limit) until
    stop_file exists; prints the status codes."""
    codes, lock = [], threading.Lock()

    def one(k):
        c = Client(_Port(port), "127.0.1.%d" % (k + 1))
        c.get("/login")
        for i in range(19):
            if os.path.exists(stop_file):
                break
            st = c.post("/login", {"name": "flood%02d_%02d" % (k, i),
                                   "password": "wrong password"})[0]
            with lock:
                codes.append(st)
                if len(codes) == 1:  # hashing has begun
                    open(stop_file + ".started", "w").close()

    ts = [threading.Thread(target=one, args=(k,)) for k in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(" ".join(map(str, codes)))


if len(sys.argv) == 5 and sys.argv[1] == "--flood":
    flood_main(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    sys.exit(0)

# an SMTP address where nothing listens (loopback): the site takes
# subscriptions (without --smtp it says it sends no mail and stores none)
S = cf.Server(extra_args=["--smtp", "smtp://127.0.0.1:%d" % cf.wf.free_port(),
                          "--mail-from", "paperboy@example.org"])
DB = S.db
PW = "correct horse battery"
try:
    for name in ["alice", "bob"] + ["tm%02d" % i for i in range(8)]:
        rc, err = cf.user_add(DB, name, PW)
        check("user add " + name, rc == 0, err)

    # --- item 1: the eviction attack on the log-in limit ----------------
    src = "127.0.0.11"
    ka = "login-addr:" + src
    victim = next(v for v in ("victim%d" % i for i in range(1000))
                  if not near(slot("login-name:" + v), slot(ka)))
    rc, err = cf.user_add(DB, victim, PW)
    check("user add the victim", rc == 0, err)
    g = Client(S, src)
    codes = fail_logins(g, [victim] * 6)
    check("5 wrong passwords for the victim, then 429",
          codes == [401] * 5 + [429], codes)
    # 8 names whose keys probe from the victim's slot (13 failures from
    # this address: under its limit of 20, so each gets a real check)
    codes = fail_logins(g, evictors("login-name:" + victim, "e"))
    check("failed log-ins for other names are checked (under the address "
          "limit)", codes == [401] * PROBE, codes)
    st, h, _, _ = g.post("/login", {"name": victim, "password": PW})
    check("after them the victim's limit still holds: even the right "
          "password is refused", st == 429, (st, h.get("Location")))
    st, _, _, _ = Client(S, "127.0.0.21").login(victim, PW)
    check("the account limit holds from another address too", st == 429, st)

    # --- item 1: sign-up limit (10 an hour per address) --------------------
    src = "127.0.0.12"
    codes = []
    for i in range(11):
        c = Client(S, src)
        codes.append(c.signup("su%s%02d" % (src[-2:], i),
                              "su%d@example.org" % i, PW)[0])
    check("sign-ups: 10 then 429", codes == [303] * 10 + [429], codes)
    names = evictors("signup-addr:" + src, "s")
    codes = fail_logins(Client(S, src), names)
    check("sign-up limit: evicting log-ins checked", codes == [401] * PROBE,
          codes)
    st = Client(S, src).signup("su12late", "late@example.org", PW)[0]
    check("after them the sign-up limit still holds", st == 429, st)

    # --- item 1: subscribe limit (10 an hour per address) -------------------
    src = "127.0.0.13"
    c = Client(S, src)
    codes = [c.post("/subscribe", {"email": "s%d@example.org" % i,
                                   "freq": "weekly"}, csrf=False)[0]
             for i in range(11)]
    check("subscriptions: 10 then 429", codes == [200] * 10 + [429], codes)
    codes = fail_logins(Client(S, src), evictors("mailsub:" + src, "m"))
    check("subscribe limit: evicting log-ins checked", codes == [401] * PROBE,
          codes)
    st = c.post("/subscribe", {"email": "late@example.org", "freq": "weekly"},
                csrf=False)[0]
    check("after them the subscribe limit still holds", st == 429, st)

    # --- item 2: no timing oracle ----------------------------------------
    # a 300-byte password for 8 existing accounts (twice each: the account
    # limit is 5) against 16 unknown names, interleaved, from two addresses
    # (16 failures each: under the address limit of 20)
    lc, uc = Client(S, "127.0.0.14"), Client(S, "127.0.0.15")
    lc.get("/login")
    uc.get("/login")
    t_long, t_unknown, sts = [], [], []
    for i in range(16):
        t = time.monotonic()
        st1 = lc.post("/login", {"name": "tm%02d" % (i % 8),
                                 "password": "p" * 300})[0]
        t_long.append(time.monotonic() - t)
        t = time.monotonic()
        st2 = uc.post("/login", {"name": "nobody%02d" % i,
                                 "password": "p" * 300})[0]
        t_unknown.append(time.monotonic() - t)
        sts.append((st1, st2))
    check("timing tries: every one refused with 401",
          sts == [(401, 401)] * 16, sts)
    ml, mu = statistics.median(t_long), statistics.median(t_unknown)
    print("     median ms: existing account, 300-byte password %.1f; "
          "unknown name %.1f" % (ml * 1e3, mu * 1e3))
    check("long password for an existing account within 20% of an unknown "
          "name", abs(ml - mu) <= 0.2 * mu, (ml, mu))

    # --- item 4(b): pages keep their latency beside a login flood ---------
    def get_root_ms(n):
        out = []
        for _ in range(n):
            conn = http.client.HTTPConnection("127.0.0.1", S.port, timeout=30)
            t = time.monotonic()
            conn.request("GET", "/")
            r = conn.getresponse()
            r.read()
            out.append((time.monotonic() - t) * 1e3)
            conn.close()
            check_status.append(r.status)
            time.sleep(0.02)
        return out

    def p99(xs):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]

    check_status = []
    get_root_ms(5)  # warm the cache
    base = get_root_ms(60)
    # What the machine alone does to GET /: the same memory-hard work (one
    # scrypt of 64 MiB after another, at the hashing pool's nice 10) in a
    # process of its own. On a test machine shared with other builds that
    # already costs tens of ms at p99; the server must add no waits of its
    # own on top (with hashing on the request threads it added whole
    # argon2id runs: seconds).
    burn = cf.subprocess.Popen(
        ["nice", "-n", "10", sys.executable, "-c",
         "import hashlib\nwhile True: hashlib.scrypt(b'x', salt=b'y', "
         "n=2**16, r=8, p=1, maxmem=2**28)"])
    time.sleep(0.5)
    calib = sorted(p99(get_root_ms(100)) for _ in range(3))
    burn.kill()
    burn.wait()
    NFLOOD = 16
    stop_file = os.path.join(S.dir, "stop-flood")
    fl = cf.subprocess.Popen([sys.executable, os.path.abspath(__file__),
                              "--flood", str(S.port), str(NFLOOD),
                              stop_file], stdout=cf.subprocess.PIPE,
                             text=True)
    for _ in range(600):  # until the first log-in is answered
        if os.path.exists(stop_file + ".started"):
            break
        time.sleep(0.1)
    # three rounds of 100: a busy test machine stalls any process now and
    # then; the median round's p99 says what the server does (with hashing
    # on the request threads every round stalls for whole argon2id runs)
    rounds = [get_root_ms(100) for _ in range(3)]
    open(stop_file, "w").close()
    out, _ = fl.communicate(timeout=300)
    flood_codes = [int(x) for x in out.split()]
    r99 = sorted(p99(r) for r in rounds)
    limit = max(50.0, 1.5 * calib[1])
    print("     GET / p99 %.1f ms alone; beside scrypt in another process %s "
          "ms; beside %d concurrent failed log-ins p99 per round %s ms, "
          "median %.1f ms, limit %.1f ms (%d log-ins answered: %s)" % (
              p99(base), ", ".join("%.1f" % x for x in calib), NFLOOD,
              ", ".join("%.1f" % x for x in r99), r99[1], limit,
              len(flood_codes), sorted(set(flood_codes))))
    check("every GET / answered 200", check_status and
          set(check_status) == {200}, set(check_status))
    check("the flood really ran (log-ins answered 401 or 503)",
          len(flood_codes) >= NFLOOD and
          set(flood_codes) <= {401, 503} and 401 in flood_codes,
          flood_codes[:40])
    check("GET / p99 under 50 ms during the log-in flood (median of 3 "
          "rounds of 100; on a machine whose own load already costs more, "
          "under 1.5 times that)", r99[1] < limit,
          (r99, limit, [sorted(r)[-5:] for r in rounds]))

    # --- item 6: redirect targets ------------------------------------------
    evil = ["/\t/evil.example", "/\\evil.example", "//evil.example",
            "/\\/evil.example", "/\r\n/evil.example", "/x\\..\\evil"]
    a = Client(S, "127.0.0.16")
    for n in evil:
        st, _, t, _ = a.get("/login?next=" + urllib.parse.quote(n, safe=""))
        m = re.search(r'name="next" value="([^"]*)"', t)
        check("login form drops next=%r" % n, st == 200 and m and
              m.group(1) == "/", m and m.group(1))
    st, h, _, _ = a.post("/login", {"name": "alice", "password": PW,
                                    "next": "/\t/evil.example"})
    check("log-in with next=/%09/evil.example lands on /",
          st == 303 and h.get("Location") == "/", (st, h.get("Location")))
    a.me()  # the session's CSRF token
    for n in evil:
        st, h, _, _ = a.post("/vote/" + cf.PAPER, {"back": n})
        check("vote with back=%r lands on the paper" % n, st == 303 and
              h.get("Location") == "/papers/" + cf.PAPER,
              (st, h.get("Location")))
    st, h, _, _ = a.post("/vote/" + cf.PAPER, {"back": "/date/2024-06-03"})
    check("a local back= is kept", st == 303 and
          h.get("Location") == "/date/2024-06-03", h.get("Location"))
    st, h, _, _ = a.post("/vote/" + cf.PAPER, {"back": "/%09/evil.example"})
    check("a percent-encoded tab stays a path of ours", st == 303 and
          h.get("Location") == "/%09/evil.example", h.get("Location"))

    # --- item 9: private collections are 404 to others on every route ------
    st, h, _, _ = a.post("/collections", {"name": "secret"})
    priv = h.get("Location", "").rsplit("/", 1)[-1]
    check("alice makes a private collection", st == 303 and priv.isdigit(),
          (st, h.get("Location")))
    st, h, _, _ = a.post("/collections", {"name": "open", "public": "1"})
    pub = h.get("Location", "").rsplit("/", 1)[-1]
    b = Client(S, "127.0.0.17")
    st, _, _, _ = b.login("bob", PW)
    check("bob logs in", st == 303, st)
    b.me()
    missing = "987654"
    for cid, what in [(priv, "private"), (missing, "missing")]:
        got = [
            b.post("/collections/add", {"coll": cid, "paper": cf.PAPER})[0],
            b.post("/collections/add", {"coll": cid,
                                        "paper": "2499.99999"})[0],
            b.post("/collections/%s/add" % cid, {"paper": cf.PAPER})[0],
            b.post("/collections/%s/remove" % cid, {"paper": cf.PAPER})[0],
            b.post("/collections/%s/rename" % cid, {"name": "x"})[0],
            b.post("/collections/%s/delete" % cid, {})[0],
            b.get("/collections/" + cid)[0],
            b.get("/collections/%s.json" % cid)[0],
            b.get("/collections/%s.bib" % cid)[0],
        ]
        check("a %s collection: 404 on add, remove, rename, delete, view, "
              "export" % what, got == [404] * 9, got)
    got = [b.post("/collections/add", {"coll": pub, "paper": cf.PAPER})[0],
           b.get("/collections/" + pub)[0]]
    check("someone else's public collection: 403 to change, 200 to view",
          got == [403, 200], got)
    st, _, _, _ = a.post("/collections/add", {"coll": priv,
                                              "paper": cf.PAPER})
    check("the owner adds to her private collection", st == 303, st)

    # --- item 7: the 19-digit token ---------------------------------------
    st, _, _ = S.get("/mail/unsubscribe?t=u9999999999999999999.1.AAAA")
    check("unsubscribe with a 19-digit id: 400", st == 400, st)
    st, _, _ = S.get("/mail/unsubscribe?t=u1.99999999999999999999.AAAA")
    check("unsubscribe with a 20-digit expiry: 400", st == 400, st)
    st, _, _ = S.get("/")
    check("the server still answers", st == 200, st)
except Exception as e:  # report, then clean up
    import traceback
    traceback.print_exc()
    check("no exception", False, repr(e))
finally:
    rc = S.stop()
    check("server exits 0 on SIGTERM", rc == 0, rc)
    err = S.stderr()
    check("no sanitizer report", "ERROR: AddressSanitizer" not in err and
          "runtime error" not in err, err[-2000:])
    S.cleanup()

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
