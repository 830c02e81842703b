"""Shared by the mail tests: a real SMTP server on loopback (aiosmtpd,
Debian's python3-aiosmtpd, writing a Maildir) with scripted refusals and
outages, the mail read back with Python's email package, and small HTTP and
store helpers (on SQLite or PostgreSQL: pbtest.sql)."""
import email
import email.policy
import logging
import mailbox
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as T  # noqa: E402
import web_fixture as wf  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

logging.getLogger("mail.log").setLevel(logging.CRITICAL)  # expected TLS errors
warnings.filterwarnings("ignore", message="Requiring AUTH")  # smtps: TLS

FROM = "digest@paperboy.test"


class Handler:
    """Stores every message; scripted refusals and a scripted outage."""

    def __init__(self, maildir):
        self.box = mailbox.Maildir(maildir, create=True)
        self.msgs = []            # (rcpt_tos, bytes)
        self.refuse = set()       # addresses answered 550 at RCPT
        self.down_after = None    # accept this many DATA, then go down
        self.lose_answers = 0     # keep this many messages, never answer
                                  # their DATA (the connection is cut)
        self.went_down = threading.Event()
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, opts):
        if self.down_after is not None and len(self.msgs) >= self.down_after:
            self.went_down.set()
            return "421 4.3.2 going down"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, opts):
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.msgs.append((list(envelope.rcpt_tos), envelope.content))
            self.box.add(envelope.content)
            lose = self.lose_answers > 0
            if lose:
                self.lose_answers -= 1
        if lose:  # the message is here; its sender never learns it
            server.transport.abort()
        return "250 OK queued"

    def take(self):
        with self.lock:
            m = self.msgs[:]
            self.msgs.clear()
        return m


class Smtp:
    def __init__(self):
        self.port = wf.free_port()
        self.handler = Handler(T.Tmp.path("maildir"))
        self.ctl = None
        self.start()

    def start(self):
        self.ctl = Controller(self.handler, hostname="127.0.0.1",
                              port=self.port)
        self.ctl.start()

    def stop(self):
        if self.ctl:
            self.ctl.stop()
            self.ctl = None

    @property
    def url(self):
        return "smtp://127.0.0.1:%d" % self.port


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def parts(msg):
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    return text, html


def wait_mail(smtp, n=1, timeout=30):
    t0 = time.time()
    while time.time() - t0 < timeout:
        with smtp.handler.lock:
            if len(smtp.handler.msgs) >= n:
                break
        time.sleep(0.1)
    return smtp.handler.take()


def post(url, data, headers=None):
    body = urllib.parse.urlencode(data).encode()
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    req = urllib.request.Request(url, data=body, headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def digest(S, smtp, *extra):
    return T.run("digest", "send", "--db", S.db, "--smtp", smtp.url,
                 "--from", FROM, "--base-url", S.base, "--tries", "2",
                 "--backoff-ms", "100", *extra)


def subs(S):
    return {r[0]: r[1] for r in
            T.sql(S.db, "SELECT email, state FROM subscribers")}


def link(text, path):
    m = re.search(r"(http://\S+%s\?t=[A-Za-z0-9._-]+)" % re.escape(path), text)
    T.check(m, "no %s link in %r" % (path, text[:500]))
    return m.group(1)


def make_active(S, addrs):
    T.sql(S.db, "INSERT INTO subscribers(email, state, created, confirmed,"
                " confirm_sent) VALUES(?, 1, 0, 0, 0)",
          many=[(a,) for a in addrs])
