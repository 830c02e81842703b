"""Digest sources beyond trending and follows, against a real `paperboy
serve` and a real SMTP server on loopback (aiosmtpd), the mail read with
Python's email package:

- collections: a subscriber following a collection receives exactly the
  papers added to it since their previous digest, once, with "in
  collection X" as the reason; private collections only for their owner's
  subscription (and the refusal does not tell a private one from none);
- recommendations: a member who upvoted papers gets "Recommended for you"
  (pb_member_recs over vectors made by the real `train-vectors` and
  `embed`), exactly the member's For you list less what was mailed before;
  nobody else gets the section, and without the index files the digest
  goes without it and says so;
- linking a subscription to a member from its preferences link takes
  that member logged in."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import community_fixture as cf  # noqa: E402
import pbtest as T  # noqa: E402
import web_fixture as wf  # noqa: E402
from mail_fixture import (FROM, Smtp, digest, get, link, parse,  # noqa: E402
                          parts, post, wait_mail)

smtp = Smtp()
S = wf.Server(["--smtp", smtp.url, "--mail-from", FROM, "--digest-at",
               "23:59:59", "--tz", "UTC"])
PW = "correct horse battery"


def papers_of(day):
    return [r[0] for r in T.sql(
        S.db, "SELECT id FROM papers WHERE listed_day = ? ORDER BY pid",
        (day,))]


def member(name):
    rc, err = cf.user_add(S.db, name, PW, email=name + "@example.org")
    T.eq(rc, 0, err)
    c = cf.Client(S)
    st, _, _, _ = c.login(name, PW)
    T.check(st in (200, 303), st)
    c.me()
    return c


def new_collection(c, name, public):
    st, h, body, _ = c.post("/collections", {"name": name,
                                             "public": "1" if public else "0"})
    T.eq(st, 303, body[:300])
    m = re.search(r"/collections/(\d+)$", h["Location"])
    T.check(m, h["Location"])
    return int(m.group(1))


def collect(c, coll, pid):
    st, _, body, _ = c.post("/collections/%d/add" % coll, {"paper": pid})
    T.check(st in (200, 303), "%d %s" % (st, body[:300]))


def confirm_from_mail(addr):
    got = [raw for r, raw in wait_mail(smtp) if r == [addr]]
    T.eq(len(got), 1, "one confirmation to " + addr)
    text, _ = parts(parse(got[0]))
    st, page = post(link(text, "/mail/confirm"), {})
    T.eq(st, 200, page[:300])
    T.check("You are subscribed" in page, page[:300])


def send(day):
    # a digest takes what was added to collections before its second began
    # (what comes in that second goes with the next one): wait that out
    time.sleep(1.1)
    rc, out, err = digest(S, smtp, "--date", day)
    T.eq(rc, 0, out + err)
    got = {}
    for r, raw in wait_mail(smtp, 1, timeout=3):
        got.setdefault(r[0], []).append(parse(raw))
    return got, out


def paper_ids(text):
    return re.findall(r"/papers/([^\s?#]+)", text)


def section(text, heading="Recommended for you"):
    """(the papers before the heading, those after it)."""
    i = text.find(heading)
    if i < 0:
        return paper_ids(text), []
    return paper_ids(text[:i]), paper_ids(text[i:])


ann = member("ann")
PUB = new_collection(ann, "Reading list", True)
PRIV = new_collection(ann, "Secret <b>notes</b>", False)
D3, D4 = papers_of("2024-06-03"), papers_of("2024-06-04")


@T.test
def test_collection_page_links_to_the_form():
    st, _, page, _ = ann.get("/collections/%d" % PUB)
    T.eq(st, 200)
    T.check('href="/subscribe?collections=%d#email"' % PUB in page, page)
    st, page = get(S.base + "/subscribe?collections=%d" % PUB)
    T.eq(st, 200)
    T.check('name="collections" maxlength="1000" value="%d"' % PUB in page,
            page[-4000:])
    T.check(">Reading list</a>" in page)
    # a private one: the number as asked, never its name
    st, page = get(S.base + "/subscribe?collections=%d" % PRIV)
    T.eq(st, 200)
    T.check("Secret" not in page)
    st, _, page, _ = ann.get("/subscribe?collections=%d" % PRIV)
    T.check("Secret &lt;b&gt;notes&lt;/b&gt;" in page)


@T.test
def test_follow_collection():
    # a visitor may follow the public list; a private one is refused in
    # the very words of one that does not exist
    st, body = post(S.base + "/subscribe", {"email": "v@example.org",
                                            "top": "0",
                                            "collections": str(PRIV)})
    T.eq(st, 400)
    T.check("%d is not a public collection" % PRIV in body, body[-2000:])
    st, body2 = post(S.base + "/subscribe", {"email": "v@example.org",
                                             "top": "0",
                                             "collections": "99999"})
    T.eq(st, 400)
    T.check("99999 is not a public collection" in body2)
    T.eq(wait_mail(smtp, timeout=1), [], "nothing stored, nothing sent")
    st, body = post(S.base + "/subscribe", {
        "email": "v@example.org", "top": "0",
        "collections": "%s/collections/%d" % (S.base, PUB)})
    T.eq(st, 200, body[:300])
    confirm_from_mail("v@example.org")
    # ann, logged in, subscribes her own address: her private list too
    st, _, body, _ = ann.post("/subscribe", {
        "email": "ann@example.org", "top": "0",
        "collections": "%d %d" % (PUB, PRIV)}, csrf=None)
    T.eq(st, 200, body[:300])
    confirm_from_mail("ann@example.org")
    T.eq(T.sql_one(S.db, "SELECT member IS NOT NULL FROM subscribers"
                         " WHERE email = 'ann@example.org'")[0], 1)
    # papers added from now on
    collect(ann, PUB, D3[0])
    collect(ann, PUB, D4[1])
    collect(ann, PRIV, D3[2])
    got, out = send("2024-06-05")
    T.eq(sorted(got), ["ann@example.org", "v@example.org"], out)
    text, html = parts(got["v@example.org"][0])
    T.eq(sorted(paper_ids(text)), sorted([D3[0], D4[1]]), text[:1500])
    T.check("in collection Reading list" in text, text[:1500])
    T.check("in collection Reading list" in html)
    text, html = parts(got["ann@example.org"][0])
    T.eq(sorted(paper_ids(text)), sorted([D3[0], D4[1], D3[2]]), text[:1500])
    T.check("in collection Secret <b>notes</b>" in text)
    T.check("Secret &lt;b&gt;notes&lt;/b&gt;" in html and
            "<b>notes</b>" not in html)
    # the rerun sends nothing
    got, out = send("2024-06-05")
    T.eq(got, {}, out)
    # the next digest: only what was added since, and a paper already
    # mailed is not mailed again when it enters another collection
    collect(ann, PUB, D4[3])
    collect(ann, PRIV, D4[1])
    got, out = send("2024-06-06")
    T.eq(sorted(got), ["ann@example.org", "v@example.org"], out)
    for a in ["ann@example.org", "v@example.org"]:
        text, _ = parts(got[a][0])
        T.eq(paper_ids(text), [D4[3]], a + ": " + text[:1500])
    got, out = send("2024-06-07")   # nothing added: nothing to say
    T.eq(got, {}, out)
    T.check("nothing new for v@example.org" in out, out)
    # the preferences page shows the list by name; it refuses the
    # private one there too
    st, page = get(link(text, "/mail/preferences"))
    T.eq(st, 200)
    T.check(">Reading list</a>" in page, page[-3000:])


@T.test
def test_visitor_preferences_refuse_private():
    # v's own link (from their last digest) cannot add ann's private list
    n = T.sql_one(S.db, "SELECT count(*) FROM sub_collections f JOIN"
                        " subscribers s ON s.id = f.sub"
                        " WHERE s.email = 'v@example.org'")[0]
    T.eq(n, 1)
    collect(ann, PUB, D3[4])
    got, out = send("2024-06-03")
    text, _ = parts(got["v@example.org"][0])
    pu = link(text, "/mail/preferences")
    st, page = post(pu, {"top": "0", "collections": "%d %d" % (PUB, PRIV)})
    T.eq(st, 400)
    T.check("%d is not a public collection" % PRIV in page)
    st, page = post(pu, {"top": "0", "collections": ""})
    T.eq(st, 200, page[:300])
    collect(ann, PUB, D3[5])
    got, out = send("2024-06-04")
    T.check("v@example.org" not in got, "unfollowed: %r" % list(got))


@T.test
def test_recommendations():
    bob = member("bob")
    # bob likes papers about diffusion
    liked = [r[0] for r in T.sql(
        S.db, "SELECT id FROM papers WHERE listed_day BETWEEN '2024-05-31'"
              " AND '2024-06-07' AND lower(title) LIKE '%iffusion%' ORDER BY pid"
              " LIMIT 3")]
    T.eq(len(liked), 3, liked)
    for p in liked:
        st, _, body, _ = bob.post("/vote/" + p, {"v": "1"})
        T.check(st in (200, 303), "%d %s" % (st, body[:200]))
    # no semantic index yet: the digest goes without the section
    st, _, body, _ = bob.post("/subscribe", {
        "email": "bob@example.org", "top": "1", "max": "20", "recs": "1"},
        csrf=None)
    T.eq(st, 200, body[:300])
    confirm_from_mail("bob@example.org")
    got, out = send("2024-05-31")
    T.check("recommendations: no paper vectors beside the store" in out, out)
    text, _ = parts(got["bob@example.org"][0])
    T.check("Recommended for you" not in text, text[:1500])
    T.eq(len(paper_ids(text)), 1)
    # the real commands make the index
    rc, out, err = T.run("train-vectors", "--db", S.db, "--min-count", "2")
    T.eq(rc, 0, out + err)
    rc, out, err = T.run("embed", "--db", S.db)
    T.eq(rc, 0, out + err)
    rc, out, err = T.run("recommend", "--db", S.db, "--user", "bob",
                         "--limit", "40")
    T.eq(rc, 0, out + err)
    foryou = re.findall(r"^\s*\d+\.\s+(\S+)", out, re.M)
    T.check(len(foryou) >= 15, out)
    T.check(not set(foryou) & set(liked))
    sent = set(paper_ids(text))
    got, out = send("2024-06-03")
    T.check("bob@example.org" in got, out)
    text, html = parts(got["bob@example.org"][0])
    top, recs = section(text)
    T.eq(len(top), 1, text[:2000])
    # the first five of the For you list not mailed before; one that is
    # also the day's trending paper is shown once, up there
    want = [p for p in foryou if p not in sent][:5]
    T.eq(recs, [p for p in want if p not in top], text)
    T.check(len(recs) >= 4, recs)
    T.check("Recommended for you" in html)
    # how it reads: rendered in chromium (scripts off, no request leaves)
    os.makedirs(T.OUT, exist_ok=True)
    hp = os.path.join(T.OUT, "mail-digest-recs.html")
    with open(hp, "w") as f:
        f.write(html)
    e2e = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "e2e")
    r = subprocess.run(["node", os.path.join(e2e, "mail_shot.mjs"), hp,
                        os.path.join(T.OUT, "mail-digest-recs.png")],
                       capture_output=True, text=True, timeout=120)
    T.eq(r.returncode, 0, r.stdout + r.stderr)
    # the next digest: the next five, none mailed before
    sent |= set(top) | set(recs)
    got, out = send("2024-06-04")
    text, _ = parts(got["bob@example.org"][0])
    top2, recs2 = section(text)
    want2 = [p for p in foryou if p not in sent][:5]
    T.eq(recs2, [p for p in want2 if p not in top2], text)
    T.check(len(recs2) >= 4, recs2)
    T.check(not set(recs2) & sent)
    # a visitor who ticked the box is no member: no section; nor is ann,
    # who did not tick it
    for a, got_a in got.items():
        if a != "bob@example.org":
            t, _ = parts(got_a[0])
            T.check("Recommended for you" not in t, a)
    # the toggle: off from the preferences page, no section
    pu = link(text, "/mail/preferences")
    st, page = get(pu)
    T.check('name="recs" value="1" checked' in page, page[-3000:])
    st, page = post(pu, {"top": "1", "max": "20"})
    T.eq(st, 200, page[:300])
    got, out = send("2024-06-05")
    text, _ = parts(got["bob@example.org"][0])
    T.check("Recommended for you" not in text, text[:1500])


@T.test
def test_link_from_preferences():
    # carol subscribed as a visitor; her preferences link links the
    # subscription to her account only with her logged in: the token
    # proves the mailbox, the session the account
    carol = member("carol")
    st, body = post(S.base + "/subscribe", {"email": "carol@example.org",
                                            "top": "1"})
    T.eq(st, 200, body[:300])
    got = [raw for r, raw in wait_mail(smtp) if r == ["carol@example.org"]]
    T.eq(len(got), 1)
    text, _ = parts(parse(got[0]))
    cu = link(text, "/mail/confirm")
    st, page = post(cu, {})
    T.eq(st, 200, page[:300])
    got, out = send("2024-05-31")
    text, _ = parts(got["carol@example.org"][0])
    pu = link(text, "/mail/preferences")
    path = pu[len(S.base):]

    def linked():
        return T.sql_one(S.db, "SELECT coalesce(m.name, '') FROM subscribers"
                               " s LEFT JOIN members m ON m.id = s.member"
                               " WHERE s.email = 'carol@example.org'")[0]

    T.eq(linked(), "")
    # anyone with the link but not carol: no checkbox, and asking for the
    # link does nothing
    st, page = get(pu)
    T.check('name="member"' not in page and "log in as the member" in page)
    st, _, page, _ = ann.get(path)
    T.check('name="member"' not in page)
    st, page = post(pu, {"top": "1", "member": "1"})
    T.eq(st, 200, page[:300])
    st, _, page, _ = ann.post(path, {"top": "1", "member": "1"}, csrf=None)
    T.eq(st, 200, page[:300])
    T.eq(linked(), "")
    # carol, logged in
    st, _, page, _ = carol.get(path)
    T.check('name="member" value="1">' in page and "<b>carol</b>" in page,
            page[-3000:])
    st, _, page, _ = carol.post(path, {"top": "1", "member": "1",
                                       "recs": "1"}, csrf=None)
    T.eq(st, 200, page[:300])
    T.eq(linked(), "carol")
    st, _, page, _ = carol.get(path)
    T.check('name="member" value="1" checked' in page)
    # and unlinks it
    st, _, page, _ = carol.post(path, {"top": "1", "recs": "1"}, csrf=None)
    T.eq(st, 200, page[:300])
    T.eq(linked(), "")


try:
    T.main()
finally:
    S.cleanup()
    smtp.stop()
