"""E-mail digests against a real SMTP server on loopback (aiosmtpd, Debian's
python3-aiosmtpd, writing a Maildir), read back with Python's email
package: subscribing from the site, double opt-in, digests with both parts
and working links, one-click unsubscribe (RFC 8058), the server going down
in the middle of a send (retried later, nothing lost, nothing doubled),
refused addresses paused, header injection neutralised, the scheduler in
serve, and a screenshot of the HTML mail in chromium."""
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as T  # noqa: E402
import web_fixture as wf  # noqa: E402
from mail_fixture import (FROM, Controller, Handler, Smtp, digest, get,  # noqa: E402,E501
                          link, make_active, parse, parts, post, subs,
                          wait_mail)

EVIL_TITLE = "Evil\r\nBcc: victim@evil.test\r\nX-Injected: 1 Transformers"
EVIL = [{"id": "2401.09999", "title": EVIL_TITLE,
         "abstract": "Line one\r\n.\r\nBcc: nobody@evil.test\nFrom here on",
         "authors": ["Eve\r\nBcc: a@evil.test", "Zoë Ünïcode"],
         "categories": "cs.CL", "listed_day": "2024-06-10", "upvotes": 999}]


def subscribe_confirmed(S, smtp, addr, **prefs):
    """The whole double opt-in; returns the confirmation message."""
    data = {"email": addr}
    data.update(prefs)
    st, body = post(S.base + "/subscribe", data)
    T.eq(st, 200, body[:300])
    T.check("Check your inbox" in body)
    got = wait_mail(smtp)
    T.eq(len(got), 1, "one confirmation mail")
    rcpt, raw = got[0]
    T.eq(rcpt, [addr])
    msg = parse(raw)
    text, html = parts(msg)
    url = link(text, "/mail/confirm")
    T.check(url in html.replace("&amp;", "&"))
    st, page = get(url)     # GET shows a button only
    T.eq(st, 200)
    T.eq(subs(S)[addr], 0, "pending until the POST")
    st, page = post(url, {})
    T.eq(st, 200, page[:300])
    T.check("You are subscribed" in page)
    T.eq(subs(S)[addr], 1)
    return msg


smtp = Smtp()
S = wf.Server(["--smtp", smtp.url, "--mail-from", FROM,
               "--digest-at", "23:59:59", "--tz", "UTC"])
jl = T.Tmp.path("evil.jsonl")
with open(jl, "w") as f:
    for p in EVIL:
        f.write(json.dumps(p) + "\n")
wf.run([T.BIN, "import", "--db", S.db, jl])
OUT = T.OUT
os.makedirs(OUT, exist_ok=True)


@T.test
def test_box_on_every_page():
    for path in ["/", "/trending", "/subscribe", "/papers/2401.00001"]:
        st, body = get(S.base + path)
        T.eq(st, 200, path)
        T.check("Get trending papers in your email inbox" in body, path)
        T.check('action="/subscribe"' in body, path)


@T.test
def test_subscribe_confirm_digest_links():
    addr = "alice@example.org"
    conf = subscribe_confirmed(S, smtp, addr)
    T.eq(conf["To"].addresses[0].addr_spec, addr)
    T.check("Confirm" in conf["Subject"])
    rc, out, err = digest(S, smtp, "--date", "2024-06-10")
    T.eq(rc, 0, out + err)
    got = wait_mail(smtp)
    T.eq(len(got), 1, out)
    rcpt, raw = got[0]
    T.eq(rcpt, [addr])
    msg = parse(raw)
    T.eq(msg.get_content_type(), "multipart/alternative")
    T.check(msg["Subject"].startswith("Trending papers"), msg["Subject"])
    T.check(msg["Date"] and msg["Message-ID"], "Date and Message-ID")
    T.eq(msg["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
    T.check(str(msg["List-Unsubscribe"]).strip().startswith("<" + S.base))
    text, html = parts(msg)
    # lines within RFC 5322 (78 recommended) on the wire
    for line in raw.split(b"\r\n"):
        T.check(len(line) <= 78, "line of %d: %r" % (len(line), line[:90]))
    papers = re.findall(r"(http://\S+/papers/[^\s]+)", text)
    T.check(len(papers) >= 3, text[:500])
    for u in papers[:3]:
        st, _ = get(u)
        T.eq(st, 200, u)
    T.check("Unsubscribe" in html and "<script" not in html.lower())
    T.check(not re.search(r"<img[^>]+src=.https?:", html), "no remote images")
    link(text, "/mail/unsubscribe")
    # the rerun sends nothing: the sent-log has the digest
    rc, out, err = digest(S, smtp, "--date", "2024-06-10")
    T.eq(rc, 0, err)
    T.check("1 already sent" in out, out)
    T.eq(wait_mail(smtp, timeout=1), [])
    # preferences from the mail's link, no login
    pu = link(text, "/mail/preferences")
    T.check(pu in html.replace("&amp;", "&"))
    st, page = get(pu)
    T.eq(st, 200)
    T.check('value="daily" checked' in page and addr in page, page[:2000])
    st, page = post(pu, {"freq": "weekly", "top": "99"})
    T.eq(st, 400)
    T.check("from 0 to 50" in page)
    st, page = post(pu, {"freq": "weekly", "top": "3", "max": "7",
                         "categories": "cs.CL", "keywords": "mamba\nrlhf"})
    T.eq(st, 200, page[:300])
    T.check("Saved" in page)
    row = T.sql_one(S.db, "SELECT freq, top_n, max_papers, categories,"
                          " keywords FROM subscribers WHERE email = ?",
                    (addr,))
    T.eq(row, (1, 3, 7, "cs.CL", "mamba\nrlhf"))
    st, page = get(pu)
    T.check('value="weekly" checked' in page and "rlhf" in page)
    st, _ = post(pu.replace("t=u", "t=c"), {"freq": "daily"})
    T.eq(st, 400)
    st, page = post(pu, {"freq": "daily"})   # as the other tests expect
    T.eq(st, 200)
    with open(os.path.join(OUT, "mail-digest.eml"), "wb") as f:
        f.write(raw)
    hp = os.path.join(OUT, "mail-digest.html")
    with open(hp, "w") as f:
        f.write(html)
    e2e = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e")
    r = subprocess.run(["node", os.path.join(e2e, "mail_shot.mjs"), hp,
                        os.path.join(OUT, "mail-digest.png")],
                       capture_output=True, text=True, timeout=120)
    T.eq(r.returncode, 0, r.stdout + r.stderr)


@T.test
def test_nothing_before_confirmation():
    addr = "pending@example.org"
    st, _ = post(S.base + "/subscribe", {"email": addr, "freq": "weekly"})
    T.eq(st, 200)
    got = wait_mail(smtp)
    T.eq([g[0] for g in got], [[addr]], "only the confirmation")
    rc, out, err = digest(S, smtp, "--date", "2024-06-07")
    T.eq(rc, 0, err)
    for rcpt, _ in wait_mail(smtp, timeout=2):
        T.check(addr not in rcpt, "a digest before confirmation")
    # a forged or mangled token is refused
    st, _ = get(S.base + "/mail/confirm?t=c1.0." + "A" * 22)
    T.eq(st, 400)
    st, _ = post(S.base + "/mail/unsubscribe?t=u99999.0." + "a" * 22, {})
    T.eq(st, 400)


@T.test
def test_one_click_unsubscribe():
    addr = "bob@example.org"
    subscribe_confirmed(S, smtp, addr)
    rc, out, err = digest(S, smtp, "--date", "2024-06-06")
    T.eq(rc, 0, err)
    mine = [parse(raw) for rcpt, raw in wait_mail(smtp, 2) if rcpt == [addr]]
    T.eq(len(mine), 1, out)
    lu = str(mine[0]["List-Unsubscribe"]).strip().strip("<>")
    # RFC 8058: one POST, no cookie, no other state
    st, body = post(lu, {"List-Unsubscribe": "One-Click"})
    T.eq(st, 200, body[:300])
    T.eq(subs(S)[addr], 2)
    # RFC 8058 allows multipart/form-data for the same POST
    addr2 = "bob2@example.org"
    make_active(S, [addr2])
    rc, out, err = digest(S, smtp, "--date", "2024-06-06")
    T.eq(rc, 0, err)
    mine = [parse(raw) for rcpt, raw in wait_mail(smtp, 1) if rcpt == [addr2]]
    T.eq(len(mine), 1, out)
    lu = str(mine[0]["List-Unsubscribe"]).strip().strip("<>")
    body = (b"--XyZ\r\nContent-Disposition: form-data; "
            b"name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--\r\n")
    req = urllib.request.Request(lu, data=body, method="POST", headers={
        "Content-Type": "multipart/form-data; boundary=XyZ"})
    with urllib.request.urlopen(req, timeout=20) as r:
        T.eq(r.status, 200)
    T.eq(subs(S)[addr2], 2)
    rc, out, err = digest(S, smtp, "--date", "2024-06-05")
    T.eq(rc, 0, err)
    for rcpt, _ in wait_mail(smtp, timeout=2):
        T.check(addr not in rcpt, "mail after unsubscribing")


@T.test
def test_server_down_mid_send():
    smtp.handler.take()
    # everyone else is done with this day; six new subscribers
    addrs = ["r%d@example.org" % i for i in range(6)]
    make_active(S, addrs)
    smtp.handler.down_after = 3
    rc, out, err = digest(S, smtp, "--date", "2024-06-04")
    T.check(rc == 1, "exit 1 when deferred: %d %s %s" % (rc, out, err))
    T.check(smtp.handler.went_down.is_set())
    smtp.stop()                   # really down now
    first = smtp.handler.take()
    T.check(1 <= len(first) <= 3, len(first))
    # while it is down: deferred again, nothing lost
    rc, out, err = digest(S, smtp, "--date", "2024-06-04")
    T.eq(rc, 1, out + err)
    T.check("deferred" in out, out)
    smtp.handler.down_after = None
    smtp.start()
    rc, out, err = digest(S, smtp, "--date", "2024-06-04")
    T.eq(rc, 0, out + err)
    second = smtp.handler.take()
    got = [r[0] for r, _ in first + second if r[0] in addrs]
    T.eq(sorted(got), sorted(addrs), "each exactly once")
    ids = [parse(raw)["Message-ID"] for r, raw in first + second]
    T.eq(len(ids), len(set(ids)))
    # no paper twice: another day's digest holds none of these
    dup = T.sql_one(S.db, "SELECT count(*) FROM (SELECT sub, pid FROM"
                          " mail_papers GROUP BY sub, pid"
                          " HAVING count(*) > 1) d")[0]
    T.eq(dup, 0)


@T.test
def test_refused_addresses_paused():
    bad = "nobody@example.org"
    make_active(S, [bad])
    smtp.handler.refuse.add(bad)
    for day in ["2024-06-03", "2024-05-31", "2024-06-05"]:
        rc, out, err = digest(S, smtp, "--date", day)
        T.eq(rc, 0, out + err)
        T.check("refused: D%s %s" % (day, bad) in out, out)
    T.check("paused %s" % bad in out, out)
    T.eq(subs(S)[bad], 3)
    rc, out, err = T.run("digest", "subscribers", "--db", S.db)
    T.check(re.search(re.escape(bad) + r"\tpaused.*550", out), out)
    smtp.handler.take()


@T.test
def test_header_injection():
    # an address with CR/LF is not one
    st, body = post(S.base + "/subscribe",
                    {"email": "x@example.org\r\nBcc: victim@evil.test"})
    T.eq(st, 400)
    st, body = post(S.base + "/subscribe", {"email": "a b@example.org"})
    T.eq(st, 400)
    T.check("x@example.org" not in subs(S))
    # the evil title (top of 2024-06-10) went to alice in the first test;
    # a new subscriber gets it with a hostile sender name too
    addr = "carol@example.org"
    make_active(S, [addr])
    rc, out, err = T.run("digest", "send", "--db", S.db, "--smtp", smtp.url,
                         "--from", FROM, "--base-url", S.base, "--from-name",
                         "Pb\r\nBcc: victim@evil.test", "--date",
                         "2024-06-10")
    T.eq(rc, 0, out + err)
    got = [(r, raw) for r, raw in wait_mail(smtp, 1) if r == [addr]]
    T.eq(len(got), 1)
    raw = got[0][1]
    msg = parse(raw)
    T.check(msg["Bcc"] is None and msg["X-Injected"] is None, raw[:600])
    T.check(b"\nBcc:" not in raw and b"\nX-Injected" not in raw)
    T.check("Evil" in msg["Subject"] and "\n" not in msg["Subject"],
            msg["Subject"])
    T.check("Pb" in str(msg["From"]) and msg["From"].addresses[0].addr_spec
            == FROM, str(msg["From"]))
    text, html = parts(msg)
    T.check("Zoë Ünïcode" in text and "Zo&#235;" not in text)
    T.check("<script" not in html)


@T.test
def test_scheduler_in_serve():
    # a second server whose digest time is a few seconds away
    smtp.handler.take()
    addr = "dana@example.org"
    make_active(S, [addr])
    at = time.gmtime(time.time() + 4)
    port = wf.free_port()
    err = open(T.Tmp.path("sched.err"), "w+")
    p = subprocess.Popen(
        [T.BIN, "serve", "--db", S.db, "--port", str(port), "--threads", "1",
         "--access-log", "off", "--smtp", smtp.url, "--mail-from", FROM,
         "--tz", "UTC", "--digest-at", time.strftime("%H:%M:%S", at)],
        stdout=subprocess.DEVNULL, stderr=err)
    try:
        got = [r for r, raw in wait_mail(smtp, 1, timeout=40) if r == [addr]]
        T.eq(len(got), 1, "scheduled digest")
    finally:
        p.terminate()
        p.wait(timeout=20)
        err.seek(0)
        log = err.read()
    T.check("scheduler: digests" in log, log)
    T.eq(p.returncode, 0, log)


@T.test
def test_scheduled_harvest_then_digest():
    # a fresh store, a Daily Papers stand-in on loopback, one subscriber;
    # harvest and digest due at the same second: the harvest runs first,
    # so the digest carries its papers
    import http.server
    day = open(T.data_file("hf-daily/2024-06-03.json"),
               "rb").read()
    asked = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(day)))
            self.end_headers()
            self.wfile.write(day)

        def log_message(self, *a):
            pass

    hs = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=hs.serve_forever, daemon=True).start()
    db = T.new_db("sched")
    rc, out, err = T.run("stats", "--db", db)  # creates the store
    addr = "erin@example.org"
    T.sql(db, "INSERT INTO subscribers(email, state, created, confirmed,"
              " confirm_sent) VALUES(?, 1, 0, 0, 0)", (addr,))
    smtp.handler.take()
    at = time.strftime("%H:%M:%S", time.gmtime(time.time() + 4))
    port = wf.free_port()
    log = open(T.Tmp.path("sched2.err"), "w+")
    env = dict(os.environ, PAPERBOY_HARVEST_DELAY_MS="0")
    p = subprocess.Popen(
        [T.BIN, "serve", "--db", db, "--port", str(port), "--threads", "1",
         "--access-log", "off", "--smtp", smtp.url, "--mail-from", FROM,
         "--tz", "UTC", "--digest-at", at, "--harvest", "daily",
         "--harvest-at", at, "--harvest-daily-url",
         "http://127.0.0.1:%d" % hs.server_port],
        stdout=subprocess.DEVNULL, stderr=log, env=env)
    try:
        got = [raw for r, raw in wait_mail(smtp, 1, timeout=40)
               if r == [addr]]
    finally:
        p.terminate()
        p.wait(timeout=20)
        hs.shutdown()
        log.seek(0)
        text = log.read()
    T.check(asked and asked[0].startswith("/api/daily_papers?date="), asked)
    T.check("harvest daily: added 6" in text, text)
    T.eq(len(got), 1, text)
    body, _ = parts(parse(got[0]))
    T.check("/papers/2405.21060" in body, body[:400])
    T.check(text.index("harvest daily") < text.index("mail: 1 digests sent"),
            text)


@T.test
def test_member_subscribe_form_prefilled():
    # a member's /subscribe starts from their address and follows
    import community_fixture as cf
    rc, err = cf.user_add(S.db, "frank", "correct horse battery",
                          email="frank@example.org")
    T.eq(rc, 0, err)
    a = cf.Client(S)
    st, _, _, _ = a.login("frank", "correct horse battery")
    T.check(st in (200, 303), st)
    a.me()
    a.post("/following", {"kind": "author", "target": "Tri Dao"})
    a.post("/following", {"kind": "cat", "target": "cs.CL"})
    st, _, page, _ = a.get("/subscribe")
    T.eq(st, 200)
    T.check('value="frank@example.org"' in page, page[:3000])
    T.check(">Tri Dao</textarea>" in page and 'value="cs.CL"' in page)
    # a visitor's form is empty
    st, body = get(S.base + "/subscribe")
    T.check('value="frank@example.org"' not in body)
    T.check("Tri Dao" not in body)


@T.test
def test_starttls_and_auth():
    # a server that requires STARTTLS and then AUTH, with a certificate of
    # its own for 127.0.0.1: the password from the URL, verified TLS
    import ssl
    from aiosmtpd.smtp import AuthResult
    key, crt = T.Tmp.path("k.pem"), T.Tmp.path("c.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", key, "-out", crt, "-days", "2",
                        "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       capture_output=True, text=True)
    T.eq(r.returncode, 0, r.stderr)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(crt, key)
    logins = []

    def auth(server, session, envelope, mechanism, data):
        logins.append((mechanism, data.login, data.password))
        ok = data.login == b"pb" and data.password == b"s3cret"
        return AuthResult(success=ok)

    h = Handler(T.Tmp.path("maildir-tls"))
    port = wf.free_port()
    ctl = Controller(h, hostname="127.0.0.1", port=port, tls_context=ctx,
                     require_starttls=True, auth_required=True,
                     auth_require_tls=True, authenticator=auth)
    ctl.start()
    try:
        addr = "tls@example.org"
        make_active(S, [addr])
        base = ["digest", "send", "--db", S.db, "--from", FROM, "--base-url",
                S.base, "--date", "2024-06-10", "--tries", "1",
                "--starttls", "--smtp-ca", crt]
        # a wrong password: deferred, nothing sent, nothing counted against
        # the address
        rc, out, err = T.run(*base, "--smtp",
                             "smtp://pb:wrong@127.0.0.1:%d" % port)
        T.eq(rc, 1, out + err)
        T.eq(h.msgs, [])
        rc, out, err = T.run(*base, "--smtp",
                             "smtp://pb:s3cret@127.0.0.1:%d" % port)
        T.eq(rc, 0, out + err)
        got = [r for r, raw in h.take() if r == [addr]]
        T.eq(len(got), 1, out)
        T.check(logins and logins[-1][1:] == (b"pb", b"s3cret"), logins)
        # without our CA the certificate is refused: nothing goes out
        addr2 = "tls2@example.org"
        make_active(S, [addr2])
        rc, out, err = T.run("digest", "send", "--db", S.db, "--from", FROM,
                             "--base-url", S.base, "--date", "2024-06-10",
                             "--tries", "1", "--smtp",
                             "smtp://pb:s3cret@127.0.0.1:%d" % port)
        T.eq(rc, 1, out + err)
        T.eq(h.take(), [])
    finally:
        ctl.stop()
    # smtps://: TLS from the first byte, then AUTH
    h2 = Handler(T.Tmp.path("maildir-smtps"))
    port2 = wf.free_port()
    ctl2 = Controller(h2, hostname="127.0.0.1", port=port2, ssl_context=ctx,
                      auth_required=True, auth_require_tls=False,
                      authenticator=auth)
    ctl2.start()
    try:
        # no credentials: 530 at MAIL is our configuration, not the
        # address's fault: deferred, no refusal counted
        rc, out, err = T.run("digest", "send", "--db", S.db, "--from", FROM,
                             "--base-url", S.base, "--date", "2024-06-10",
                             "--tries", "1", "--smtp-ca", crt, "--smtp",
                             "smtps://127.0.0.1:%d" % port2)
        T.eq(rc, 1, out + err)
        T.check("deferred" in out and "refused: " not in out, out)
        T.eq(T.sql_one(S.db, "SELECT refusals FROM subscribers"
                             " WHERE email = ?", ("tls2@example.org",))[0], 0)
        rc, out, err = T.run("digest", "send", "--db", S.db, "--from", FROM,
                             "--base-url", S.base, "--date", "2024-06-10",
                             "--tries", "1", "--smtp-ca", crt, "--smtp",
                             "smtps://pb:s3cret@127.0.0.1:%d" % port2)
        T.eq(rc, 0, out + err)
        T.eq([r for r, raw in h2.take()], [["tls2@example.org"]], out)
    finally:
        ctl2.stop()


try:
    T.main()
finally:
    S.cleanup()
    smtp.stop()
