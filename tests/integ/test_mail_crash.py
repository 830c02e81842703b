"""At most once across crashes: `paperboy digest send` killed with SIGKILL
at the moments that matter (PB_TEST_CRASH_AT, docs/MAIL.md), against a real
SMTP server on loopback (aiosmtpd) whose received mail is counted:

- after the server accepted a digest and before the sent-log says so: the
  rerun does not send it again; it is reported as uncertain until an admin
  settles it;
- after the claim and before the SMTP transaction: nothing went out; the
  rerun does not send it either (it cannot know), the admin releases it and
  the next run sends it once, with its logged Message-ID;
- before the claim: the next run sends it, once;
- the server keeps the message and cuts the connection before answering:
  uncertain, never sent again;
- serve's scheduler killed after the server took a digest: the restarted
  serve does not send it and logs it as uncertain."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as T  # noqa: E402
import web_fixture as wf  # noqa: E402
from mail_fixture import FROM, Smtp, parse  # noqa: E402

DB = T.new_db("crash")
BASE = "http://paperboy.test"
wf.run([T.BIN, "import", "--db", DB,
        T.data_file("hf-daily/2024-06-03.json"),
        T.data_file("hf-daily/2024-06-04.json"),
        T.data_file("hf-daily/2024-06-05.json"),
        T.data_file("hf-daily/2024-06-06.json")])
smtp = Smtp()


def send(day, crash=None):
    env = dict(os.environ)
    env.pop("PB_TEST_CRASH_AT", None)
    if crash:
        env["PB_TEST_CRASH_AT"] = crash
    return T.run("digest", "send", "--db", DB, "--smtp", smtp.url, "--from",
                 FROM, "--base-url", BASE, "--date", day, "--tries", "2",
                 "--backoff-ms", "50", env=env)


def add_subs(addrs):
    T.sql(DB, "INSERT INTO subscribers(email, state, created, confirmed,"
              " confirm_sent, top_n) VALUES(?, 1, 0, 0, 0, 3)",
          many=[(a,) for a in addrs])


def states(period):
    return {r[0]: (r[1], r[2]) for r in T.sql(
        DB, "SELECT s.email, d.state, d.message_id FROM mail_digests d"
            " JOIN subscribers s ON s.id = d.sub WHERE d.period = ?",
        (period,))}


def received():
    """{address: [Message-ID, ...]} of everything the server took so far,
    cleared."""
    got = {}
    for rcpt, raw in smtp.handler.take():
        got.setdefault(rcpt[0], []).append(parse(raw)["Message-ID"])
    return got


def status():
    return T.run("digest", "status", "--db", DB)


@T.test
def test_killed_after_the_server_accepted():
    addrs = ["a1@example.org", "a2@example.org", "a3@example.org"]
    add_subs(addrs)
    # the second digest is accepted by the server, then the process dies
    # before the sent-log hears of it
    rc, out, err = send("2024-06-03", "after-smtp:2")
    T.eq(rc, -9, "killed by SIGKILL: %s %s" % (out, err))
    first = received()
    T.eq(sorted(first), ["a1@example.org", "a2@example.org"], first)
    st = states("D2024-06-03")
    T.eq(st["a1@example.org"][0], 1, st)   # sent
    T.eq(st["a2@example.org"][0], 3, st)   # sending: uncertain
    T.check("a3@example.org" not in st, st)
    # the rerun sends a3 only, and says a2 is uncertain
    rc, out, err = send("2024-06-03")
    T.eq(rc, 3, out + err)
    second = received()
    T.eq(sorted(second), ["a3@example.org"], out)
    T.check(re.search(r"uncertain: D2024-06-03 a2@example\.org <[^>]+>", out),
            out)
    T.check("1 uncertain" in out and "digests uncertain" in err, out + err)
    # every later run: nothing more, still reported
    rc, out, err = send("2024-06-03")
    T.eq(rc, 3, out + err)
    T.eq(received(), {}, out)
    rc, out, err = status()
    T.eq(rc, 3, out + err)
    T.check(re.search(r"^uncertain\tD2024-06-03\ta2@example\.org\t<",
                      out, re.M), out)
    T.check(out.strip().endswith("1 uncertain"), out)
    # each exactly once, the Message-IDs those logged
    for a in addrs:
        ids = first.get(a, []) + second.get(a, [])
        T.eq(len(ids), 1, "%s got %r" % (a, ids))
        T.eq(ids[0], "<%s>" % st.get(a, states("D2024-06-03")[a])[1])
    # the admin checked: it was delivered
    rc, out, err = T.run("digest", "release", "--db", DB, "--sent",
                         "a2@example.org", "D2024-06-03")
    T.eq(rc, 0, out + err)
    T.check("recorded as sent" in out, out)
    rc, out, err = status()
    T.eq(rc, 0, out + err)
    T.eq(out.strip(), "0 uncertain")
    rc, out, err = send("2024-06-03")
    T.eq(rc, 0, out + err)
    T.eq(received(), {})
    T.eq(states("D2024-06-03")["a2@example.org"][0], 1)


@T.test
def test_killed_before_the_smtp_transaction():
    # the claim is written, nothing is sent: the rerun cannot tell this
    # from the case above, so it does not send; the admin releases it
    rc, out, err = send("2024-06-04", "before-smtp:1")
    T.eq(rc, -9, out + err)
    T.eq(received(), {})
    T.eq(states("D2024-06-04")["a1@example.org"][0], 3)
    rc, out, err = send("2024-06-04")
    T.eq(rc, 3, out + err)
    got = received()
    T.eq(sorted(got), ["a2@example.org", "a3@example.org"], out)
    T.check("uncertain: D2024-06-04 a1@example.org" in out, out)
    # release refuses what is not uncertain
    rc, out, err = T.run("digest", "release", "--db", DB, "a2@example.org",
                         "D2024-06-04")
    T.eq(rc, 1, out + err)
    T.check("not an uncertain digest" in err, err)
    rc, out, err = T.run("digest", "release", "--db", DB, "a1@example.org",
                         "D2024-06-04")
    T.eq(rc, 0, out + err)
    T.check("the next run sends it" in out, out)
    rc, out, err = send("2024-06-04")
    T.eq(rc, 0, out + err)
    got = received()
    T.eq(list(got), ["a1@example.org"], out)
    mid = states("D2024-06-04")["a1@example.org"]
    T.eq(mid[0], 1)
    T.eq(got["a1@example.org"], ["<%s>" % mid[1]], "the logged Message-ID")
    rc, out, err = send("2024-06-04")
    T.eq(rc, 0, out + err)
    T.eq(received(), {})


@T.test
def test_killed_before_the_claim():
    # logged, not claimed: nothing can have gone out, so the next run
    # sends it, once
    rc, out, err = send("2024-06-05", "before-claim:2")
    T.eq(rc, -9, out + err)
    first = received()
    T.eq(list(first), ["a1@example.org"], first)
    T.eq(states("D2024-06-05")["a2@example.org"][0], 0)   # prepared
    rc, out, err = send("2024-06-05")
    T.eq(rc, 0, out + err)
    second = received()
    T.eq(sorted(second), ["a2@example.org", "a3@example.org"], out)
    T.check("uncertain" not in out.replace("0 uncertain", ""), out)
    for a in ["a1@example.org", "a2@example.org", "a3@example.org"]:
        T.eq(len(first.get(a, []) + second.get(a, [])), 1, a)


@T.test
def test_answer_lost_after_data():
    # the server keeps a2's message and cuts the connection before its
    # answer: curl cannot know; it is uncertain, not retried, not resent
    smtp.handler.lose_answers = 1
    rc, out, err = send("2024-06-06")
    T.eq(rc, 1, out + err)   # the run stops: the server is in trouble
    first = received()
    T.eq(list(first), ["a1@example.org"], out)
    T.check("uncertain: D2024-06-06 a1@example.org" in out, out)
    rc, out, err = send("2024-06-06")
    T.eq(rc, 3, out + err)
    second = received()
    T.eq(sorted(second), ["a2@example.org", "a3@example.org"], out)
    T.check("uncertain: D2024-06-06 a1@example.org" in out, out)
    # no subscriber got one paper twice over all four days
    dup = T.sql_one(DB, "SELECT count(*) FROM (SELECT sub, pid FROM"
                        " mail_papers GROUP BY sub, pid"
                        " HAVING count(*) > 1) d")[0]
    T.eq(dup, 0)


def serve_digest(crash=None):
    """serve with its digest due in a few seconds; returns (exit status,
    log) once it has run (or died)."""
    import subprocess
    import time
    env = dict(os.environ)
    env.pop("PB_TEST_CRASH_AT", None)
    if crash:
        env["PB_TEST_CRASH_AT"] = crash
    at = time.strftime("%H:%M:%S", time.gmtime(time.time() + 3))
    log = open(T.Tmp.path("serve-%s.err" % (crash or "plain")), "w+")
    p = subprocess.Popen(
        [T.BIN, "serve", "--db", DB, "--port", str(wf.free_port()),
         "--threads", "1", "--access-log", "off", "--smtp", smtp.url,
         "--mail-from", FROM, "--base-url", BASE, "--tz", "UTC",
         "--digest-at", at], stdout=subprocess.DEVNULL, stderr=log, env=env)
    t0 = time.time()
    while time.time() - t0 < 40 and p.poll() is None:
        log.flush()
        log.seek(0)
        if "mail: " in log.read():
            break
        time.sleep(0.2)
    if p.poll() is None:
        p.terminate()
        p.wait(timeout=20)
    log.seek(0)
    return p.returncode, log.read()


@T.test
def test_serve_killed_after_the_server_accepted():
    # the scheduler in serve: killed after the server took a digest; the
    # restarted serve does not send it again and logs it as uncertain
    T.sql(DB, "INSERT INTO subscribers(email, state, created, confirmed,"
              " confirm_sent, top_n) VALUES('s1@example.org', 1, 0, 0, 0,"
              " 2)")
    received()
    rc, log = serve_digest("after-smtp:1")
    T.eq(rc, -9, log)
    first = received()
    T.eq(list(first), ["s1@example.org"], log)
    rc, log = serve_digest()
    T.eq(rc, 0, log)
    T.eq(received(), {}, log)
    T.check(re.search(r"uncertain: D2024-06-06 s1@example\.org <", log),
            log)
    # with a1's from the lost answer above
    T.check(re.search(r"mail: 0 digests sent, .* 2 uncertain", log), log)


try:
    T.main()
finally:
    smtp.stop()
