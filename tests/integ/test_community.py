"""Integration tests of the community over HTTP against a real `paperboy
serve`: sign-up, log-in, log-out, upvotes, submissions, comments,
collections (JSON and BibTeX), follows, moderation and trending; and the
attacks: CSRF, session fixation, password guessing, XSS, other members'
things, SQL metacharacters; and 200 concurrent members upvoting one paper."""
import base64
import concurrent.futures
import hashlib
import html
import json
import os
import re
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import community_fixture as cf  # noqa: E402
import pbtest  # noqa: E402

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + ("  " + str(detail)[:400] if detail else ""))


def upvotes_on_page(text):
    m = re.search(r"</span> (\d+) upvotes?<", text)
    return int(m.group(1)) if m else None


def api_upvotes(c, pid):
    st, _, t, _ = c.get("/api/papers/" + pid)
    return json.loads(t).get("upvotes") if st == 200 else None


def sql1(query, params=()):
    """The first row of QUERY on the store (SQLite or PostgreSQL)."""
    return pbtest.sql_one(DB, query, params)


S = cf.Server()
DB = S.db
PW = "correct horse battery"
try:
    for name, role in [("alice", None), ("bob", None), ("carol", None),
                       ("mallory", None), ("mod", "moderator"),
                       ("guess", None)]:
        rc, err = cf.user_add(DB, name, PW, role)
        check("user add " + name, rc == 0, err)
    rc, err = cf.user_add(DB, "alice", PW)
    check("user add twice refused", rc == 1 and "exists" in err, err)
    rc, err = cf.user_add(DB, "x", PW)
    check("user add bad name refused", rc == 2, err)
    r = cf.subprocess.run([cf.BIN, "user", "list", "--db", DB],
                          capture_output=True, text=True)
    check("user list", r.returncode == 0 and "mod\tm@example.org\tmoderator"
          in r.stdout, r.stdout)
    row = sql1("SELECT pwhash FROM members WHERE name='alice'")
    check("password stored as argon2id", row[0].startswith("$argon2id$"),
          row[0][:20])

    # --- sign up, log in, log out ----------------------------------------
    a = cf.Client(S)
    st, h, t, sc = a.get("/signup")
    check("signup form sets a pre-session cookie", any(
        c.startswith("pb_pre=") and "HttpOnly" in c and "SameSite=Lax" in c
        for c in sc), sc)
    check("signup form has a CSRF token", a.csrf is not None)
    st, h, t, sc = a.post("/signup", {"name": "dave", "email": "d@x.org",
                                      "password": PW})
    check("signup 303", st == 303, (st, t[:300]))
    sess = [c for c in sc if c.startswith("pb_session=")]
    check("session cookie HttpOnly SameSite=Lax, not Secure",
          sess and "HttpOnly" in sess[0] and "SameSite=Lax" in sess[0]
          and "Secure" not in sess[0], sc)
    st, h, t, _ = a.get("/")
    check("logged in: header names the member", "Log out" in t and
          '<span class="me">dave</span>' in t, t[:200])
    check("logged in: page is private", "no-store" in h.get(
        "Cache-Control", ""), h.get("Cache-Control"))
    tok = a.cookies["pb_session"]
    n = sql1("SELECT count(*) FROM sessions WHERE hash = ?",
             (tok.encode(),))[0]
    blob_len = sql1("SELECT length(hash) FROM sessions LIMIT 1")[0]
    check("session token not stored, only a 32-byte hash",
          n == 0 and blob_len == 32, (n, blob_len))
    st, _, t, _ = a.post("/logout", {})
    check("logout 303", st == 303, st)
    check("logged out", a.me() is None and "pb_session" not in a.cookies)
    st, _, t, _ = a.get("/")
    check("logged out header", "Log in" in t and "Log out" not in t)

    # --- CSRF --------------------------------------------------------------
    b = cf.Client(S)
    st, _, t, _ = b.login("bob", PW)
    check("login 303", st == 303, (st, t[:300]))
    check("me", (b.me() or {}).get("name") == "bob")
    st, _, t, _ = b.post("/vote/" + cf.PAPER, {}, csrf=None)
    check("POST without CSRF token refused", st == 403, st)
    st, _, t, _ = b.post("/vote/" + cf.PAPER, {}, csrf="0" * 64)
    check("POST with a wrong CSRF token refused", st == 403, st)
    st, _, t, _ = b.post("/vote/" + cf.PAPER, {}, csrf="short")
    check("POST with a malformed CSRF token refused", st == 403, st)
    st, _, t, _ = b.request("POST", "/api/vote/" + cf.PAPER)
    check("API call without X-CSRF-Token refused", st == 403, st)
    st, _, t, _ = b.request("POST", "/api/vote/" + cf.PAPER,
                            headers={"X-CSRF-Token": "f" * 64})
    check("API call with a wrong X-CSRF-Token refused", st == 403, st)
    x = cf.Client(S)
    x.get("/login")
    st, _, _, _ = x.post("/login", {"name": "bob", "password": PW},
                         csrf="1" * 64)
    check("login without the form's token refused", st == 403, st)
    # another member's token does not work for bob
    c2 = cf.Client(S)
    c2.login("carol", PW)
    c2.me()
    st, _, _, _ = b.post("/vote/" + cf.PAPER, {}, csrf=c2.csrf)
    check("another session's CSRF token refused", st == 403, st)
    n = sql1("SELECT count(*) FROM votes")[0]
    check("no vote recorded by refused POSTs", n == 0, n)
    st, _, _, _ = b.request("DELETE", "/vote/" + cf.PAPER)
    check("DELETE 405", st == 405, st)
    st, _, _, _ = b.request("POST", "/date/2024-06-03", body="a=1",
                            headers={"Content-Type":
                                     "application/x-www-form-urlencoded"})
    check("POST to a page that takes none 405", st == 405, st)
    st, _, _, _ = b.request("POST", "/vote/" + cf.PAPER, body="{}",
                            headers={"Content-Type": "application/json"})
    check("POST JSON body 415", st == 415, st)

    # --- session fixation --------------------------------------------------
    f = cf.Client(S)
    planted = "A" * 43
    f.cookies["pb_session"] = planted
    f.get("/login")
    st, _, _, sc = f.post("/login", {"name": "carol", "password": PW})
    check("login with a planted session id: new id",
          st == 303 and f.cookies.get("pb_session") not in (None, planted),
          (st, sc))
    before = c2.cookies["pb_session"]
    c2.get("/login")
    st, _, _, _ = c2.post("/login", {"name": "carol", "password": PW})
    check("login again while logged in: 303", st == 303, st)
    check("a new session id at every login",
          c2.cookies.get("pb_session") not in (None, before))
    old = cf.Client(S)
    old.cookies["pb_session"] = before
    check("the session before the login is gone", old.me() is None)

    # --- password guessing -------------------------------------------------
    g = cf.Client(S)
    g.get("/login")
    st1, _, t1, _ = g.post("/login", {"name": "guess", "password": "wrong1"})
    st2, _, t2, _ = g.post("/login", {"name": "nosuchuser",
                                      "password": "wrong1"})
    msg = re.compile(r'<p class="error" role="alert">([^<]*)</p>')
    m1, m2 = msg.search(t1), msg.search(t2)
    check("wrong password 401", st1 == 401, st1)
    check("unknown name: same status and message as a wrong password",
          st2 == 401 and m1 and m2 and m1.group(1) == m2.group(1),
          (st2, m1 and m1.group(1), m2 and m2.group(1)))
    codes = []
    for i in range(6):
        st, _, t, _ = g.post("/login", {"name": "guess",
                                        "password": "wrong%d" % i})
        codes.append(st)
    check("guessing is stopped by the per-account limit",
          codes[:4] == [401] * 4 and codes[-1] == 429, codes)
    st, _, t, _ = g.post("/login", {"name": "guess", "password": PW})
    check("even the right password waits out the limit", st == 429, st)
    st, _, t, _ = g.post("/login", {"name": "GUESS", "password": PW})
    check("the limit holds for the name in any case", st == 429, st)
    ok = cf.Client(S)
    st, _, _, _ = ok.login("alice", PW)
    check("other accounts from the same address still log in", st == 303,
          st)

    # --- upvotes -----------------------------------------------------------
    a = ok  # alice
    a.me()
    base = api_upvotes(a, cf.PAPER)
    st, h, _, _ = a.post("/vote/" + cf.PAPER, {"back": "/date/2024-06-03"})
    check("vote 303 back", st == 303 and h.get("Location") ==
          "/date/2024-06-03", (st, h.get("Location")))
    check("imported + local upvotes", api_upvotes(a, cf.PAPER) == base + 1,
          (base, api_upvotes(a, cf.PAPER)))
    st, _, t, _ = a.get("/date/2024-06-03")
    check("member sees Upvoted on the card", 'aria-pressed="true">Upvoted'
          in t)
    st, _, t, _ = a.get("/papers/" + cf.PAPER)
    check("paper page shows the sum", upvotes_on_page(t) == base + 1,
          upvotes_on_page(t))
    a.post("/vote/" + cf.PAPER, {})
    check("toggled back", api_upvotes(a, cf.PAPER) == base)
    for _ in range(3):
        st, _, t, _ = a.request("POST", "/api/vote/" + cf.PAPER, body="v=1",
                                headers={"X-CSRF-Token": a.csrf,
                                         "Content-Type": "application/"
                                         "x-www-form-urlencoded"})
    j = json.loads(t)
    check("API vote v=1 three times counts once", st == 200 and j["voted"]
          and j["upvotes"] == base + 1, (st, t))
    st, _, t, _ = a.request("POST", "/api/vote/9999.99999",
                            headers={"X-CSRF-Token": a.csrf})
    check("vote on an unknown paper 404", st == 404, st)
    anon = cf.Client(S)
    time.sleep(1.1)  # the page cache notices changes once a second
    st, _, t, _ = anon.get("/papers/" + cf.PAPER)
    check("visitors see the new count", upvotes_on_page(t) == base + 1,
          upvotes_on_page(t))
    check("visitors see no vote button", "Upvoted" not in t and
          'action="/vote/' not in t)
    st, _, t, _ = anon.request("POST", "/api/vote/" + cf.PAPER,
                               headers={"X-CSRF-Token": "0" * 64})
    check("visitor cannot vote", st in (401, 403), st)

    # --- submissions -------------------------------------------------------
    st, h, t, _ = a.get("/submit")
    check("submit form", st == 200 and 'name="paper"' in t, st)
    st, h, t, _ = a.post("/submit", {"paper": "https://arxiv.org/abs/%sv2"
                                     % cf.RECENT[0]})
    check("submit by URL 303", st == 303 and h.get("Location") ==
          "/papers/" + cf.RECENT[0], (st, h.get("Location"), t[:300]))
    st, _, t, _ = a.get("/papers/" + cf.RECENT[0])
    check("paper page: submitted by alice", "Submitted by alice" in re.sub(r"<[^>]+>", "", t))
    today = time.strftime("%Y-%m-%d", time.gmtime())
    st, _, t, _ = a.get("/date/" + today)
    check("today's list has it, the card says who",
          cf.RECENT[0] in t and "submitted by alice" in re.sub(r"<[^>]+>", "", t), today)
    st, _, t, _ = a.post("/submit", {"paper": cf.RECENT[0]})
    check("already listed 409", st == 409 and "already listed" in t, st)
    st, _, t, _ = a.post("/submit", {"paper": cf.OLD})
    check("too old 400", st == 400 and "older than 14 days" in t, st)
    st, _, t, _ = a.post("/submit", {"paper": "2501.99999"})
    check("unknown paper 404", st == 404, st)
    st, _, t, _ = a.post("/submit", {"paper": "not an id ' OR 1=1 --"})
    check("not an id 400", st == 400, st)
    st, _, t, _ = a.post("/submit", {"paper": cf.PAPER})
    check("listed archive paper 409", st == 409, st)
    codes = []
    for i in range(1, 6):
        st, _, _, _ = a.post("/submit", {"paper": cf.RECENT[i]})
        codes.append(st)
    check("daily cap: 5 a day, the 6th refused",
          codes == [303, 303, 303, 303, 429], codes)
    st, _, t, _ = b.post("/submit", {"paper": "arXiv:" + cf.RECENT[6]})
    check("another member may still submit", st == 303, st)
    st, _, t, _ = b.get("/api/daily_papers?submitter=bob")
    check("API: submittedBy/submitter filter", cf.RECENT[6] in t, t[:200])

    # --- comments ----------------------------------------------------------
    evil = ("**bold** <script>alert(1)</script> [x](javascript:alert(2)) "
            "<img src=x onerror=alert(3)> ![i](javascript:alert(4))\n\n"
            "`code <b>` & \"q\"")
    st, h, t, _ = a.post("/comments/new", {"paper": cf.PAPER, "body": evil})
    loc = h.get("Location", "")
    check("comment 303 to the comment", st == 303 and
          loc.startswith("/papers/%s#c" % cf.PAPER), (st, loc, t[:300]))
    cid = int(loc.split("#c")[1]) if "#c" in loc else 0
    st, _, t, _ = a.get("/papers/" + cf.PAPER)
    sect = t[t.find('<section class="comments">'):]
    check("Markdown rendered", "<strong>bold</strong>" in sect)
    check("XSS in comments neutralised",
          "<script>alert(1)" not in sect and "javascript:" not in sect and
          "<img src=x" not in sect and "onerror=alert" not in sect.replace(
              "&lt;img src=x onerror=alert(3)&gt;", ""), sect[:800])
    check("code escaped", "<code>code &lt;b&gt;</code>" in sect, sect[:600])
    check("comment count includes local", "1 comment" in t or
          re.search(r"\d+ comments", t))
    st, _, t, _ = a.get("/comments/%d/edit" % cid)
    check("edit form for the author", st == 200 and "<textarea" in t, st)
    st, h, t, _ = a.post("/comments/%d/edit" % cid, {"body": "edited *now*"})
    check("author edits", st == 303, (st, t[:200]))
    st, _, t, _ = a.get("/papers/" + cf.PAPER)
    check("edit shown", "edited <em>now</em>" in t and "(edited)" in t)
    st, _, t, _ = b.get("/comments/%d/edit" % cid)
    check("another member cannot open the edit form", st == 403, st)
    st, _, t, _ = b.post("/comments/%d/edit" % cid, {"body": "pwned"})
    check("another member cannot edit", st == 403, st)
    st, _, t, _ = b.post("/comments/%d/delete" % cid, {})
    check("another member cannot delete", st == 403, st)
    st, _, t, _ = b.post("/comments/%d/hide" % cid, {})
    check("a member cannot hide", st == 403, st)
    st, _, t, _ = a.get("/papers/" + cf.PAPER)
    check("comment unchanged by others", "edited <em>now</em>" in t and
          "pwned" not in t)
    # rate limit: 5 a minute (one made above)
    codes = []
    for i in range(5):
        st, _, _, _ = a.post("/comments/new", {"paper": cf.PAPER,
                                               "body": "n%d" % i})
        codes.append(st)
    check("comment rate limit", codes == [303, 303, 303, 303, 429], codes)
    st, _, t, _ = a.post("/comments/new", {"paper": cf.PAPER, "body": ""})
    check("empty comment 400", st == 400, st)
    st, _, t, _ = a.post("/comments/new", {"paper": cf.PAPER,
                                           "body": "x" * 10001})
    check("long comment 400", st == 400, st)
    st, _, t, _ = a.post("/comments/%d/delete" % cid, {})
    check("author deletes", st == 303, st)
    st, _, t, _ = a.get("/papers/" + cf.PAPER)
    check("deleted comment gone", "edited <em>now</em>" not in t)

    # --- collections -------------------------------------------------------
    xss_coll = "<script>alert('c')</script> \"reading\""
    st, h, t, _ = a.post("/collections", {"name": xss_coll, "public": "1"})
    loc = h.get("Location", "")
    check("create collection 303", st == 303 and
          loc.startswith("/collections/"), (st, t[:300]))
    coll = loc.rsplit("/", 1)[-1]
    st, _, t, _ = a.post("/collections", {"name": xss_coll})
    check("same name twice 409", st == 409, st)
    st, h, t, _ = a.post("/collections/add", {"coll": coll,
                                              "paper": cf.PAPER})
    check("add paper 303", st == 303, (st, t[:200]))
    a.post("/collections/%s/add" % coll, {"paper": "2401.00077"})
    st, _, t, _ = a.get("/collections/" + coll)
    check("collection page lists papers", cf.PAPER in t and "2401.00077"
          in t, t[:300])
    check("XSS in collection names neutralised",
          "<script>alert('c')" not in t and
          "&lt;script&gt;alert(&#39;c&#39;)&lt;/script&gt;" in t,
          re.findall(r"<h1>.*?</h1>", t))
    st, _, t, _ = a.get("/collections")
    check("my collections list", st == 200 and "&lt;script&gt;" in t)
    st, h, t, _ = anon.get("/collections/%s.json" % coll)
    j = json.loads(t) if st == 200 else {}
    check("public collection JSON for anyone",
          j.get("name") == xss_coll and j.get("owner") == "alice" and
          [p["id"] for p in j.get("papers", [])] == ["2401.00077", cf.PAPER],
          t[:300])
    st, h, t, _ = anon.get("/collections/%s.bib" % coll)
    check("BibTeX export", st == 200 and "@misc{arxiv:2401.00077," in t and
          "eprint = {2401.00077}" in t and "archivePrefix = {arXiv}" in t,
          t[:400])
    check("BibTeX specials escaped",
          "title = {Costs of \\$O(n\\^{}2)\\$ \\& 100\\% of \\#1 \\{x\\}\\_y "
          "\\~{}z \\textbackslash{}emph\\{w\\}}" in t and
          "author = {O'Neil, Ada and B\\_ob \\& Co}" in t, t[:600])
    check("BibTeX content type", "bibtex" in h.get("Content-Type", ""))
    st, _, t, _ = b.post("/collections/%s/add" % coll, {"paper": "2401.00001"})
    check("another member cannot add to my collection", st == 403, st)
    st, _, t, _ = b.post("/collections/%s/remove" % coll, {"paper": cf.PAPER})
    check("another member cannot remove", st == 403, st)
    st, _, t, _ = b.post("/collections/%s/rename" % coll, {"name": "mine"})
    check("another member cannot rename", st == 403, st)
    st, _, t, _ = b.post("/collections/%s/delete" % coll, {})
    check("another member cannot delete", st == 403, st)
    st, _, t, _ = a.get("/collections/%s.json" % coll)
    check("collection intact", len(json.loads(t)["papers"]) == 2)
    st, h, t, _ = a.post("/collections", {"name": "private list"})
    pcoll = h.get("Location", "").rsplit("/", 1)[-1]
    st1, _, _, _ = b.get("/collections/" + pcoll)
    st2, _, _, _ = anon.get("/collections/%s.bib" % pcoll)
    st3, _, _, _ = a.get("/collections/%s.bib" % pcoll)
    check("private collection hidden from others, open to its owner",
          (st1, st2, st3) == (404, 404, 200), (st1, st2, st3))
    st, _, _, _ = a.post("/collections/%s/remove" % coll, {"paper": cf.PAPER})
    st, _, t, _ = a.get("/collections/%s.json" % coll)
    check("owner removes", st == 200 and len(json.loads(t)["papers"]) == 1)
    st, _, _, _ = a.post("/collections/%s/delete" % pcoll, {})
    st2, _, _, _ = a.get("/collections/" + pcoll)
    check("owner deletes", st == 303 and st2 == 404, (st, st2))

    # --- follows -----------------------------------------------------------
    st, _, t, _ = a.get("/authors/Tri%20Dao")
    check("Follow button on an author's page", 'name="target" value="Tri Dao"'
          in t and ">Follow</button>" in t)
    a.post("/following", {"kind": "author", "target": "Tri Dao"})
    a.post("/following", {"kind": "cat", "target": "cs.CL"})
    st, _, t, _ = a.get("/following")
    check("follows listed", 'href="/authors/Tri%20Dao"' in t and
          'href="/cat/cs.CL"' in t, t[:300])
    a.post("/following", {"kind": "cat", "target": "cs.CL", "on": "0"})
    st, _, t, _ = a.get("/following")
    check("unfollow", 'href="/cat/cs.CL"' not in t)
    st, _, _, _ = a.post("/following", {"kind": "planet", "target": "x"})
    check("bad follow kind 400", st == 400, st)

    # --- XSS in user names; SQL metacharacters everywhere -----------------
    x = cf.Client(S)
    xname = "<img src=x onerror=alert(1)>"
    st, _, t, _ = x.signup(xname, "x@x.org", PW)
    check("signup with markup in the name", st == 303, (st, t[:300]))
    st, _, t, _ = x.get("/")
    check("XSS in user names neutralised (header)",
          xname not in t and "&lt;img src=x onerror=alert(1)&gt;" in t)
    x.me()
    x.post("/comments/new", {"paper": "2401.00002", "body": "hi"})
    st, _, t, _ = anon.get("/papers/2401.00002")
    time.sleep(1.1)
    st, _, t, _ = anon.get("/papers/2401.00002")
    check("XSS in user names neutralised (comments)",
          xname not in t and
          '<span class="author">&lt;img src=x onerror=alert(1)&gt;</span>'
          in t, t[t.find("Discussion"):][:400])
    q = cf.Client(S)
    sname = "Robert'); DROP TABLE members;--"
    semail = "o'hara+\"x\"@example.org"
    spw = "pw' OR '1'='1"
    st, _, t, _ = q.signup(sname, semail, spw)
    check("signup with SQL metacharacters", st == 303, (st, t[:300]))
    q2 = cf.Client(S)
    st, _, _, _ = q2.login(sname, spw)
    check("log in with SQL metacharacters in name and password", st == 303,
          st)
    q3 = cf.Client(S)
    st, _, _, _ = q3.login("Robert'); DROP TABLE members;--' OR '1'='1", spw)
    check("SQL injection in the name does not log in", st == 401, st)
    q2.me()
    check("name verbatim (API)", q2.me()["name"] == sname)
    sbody = "'; DELETE FROM comments; -- \" OR 1=1 /* */ %_ \\"
    st, h, _, _ = q2.post("/comments/new", {"paper": "2401.00003",
                                            "body": sbody})
    st, _, t, _ = q2.get("/papers/2401.00003")
    check("comment with SQL metacharacters shown verbatim",
          html.escape(sbody, quote=False).replace("\\", "\\") in
          html.unescape(t).replace(sbody, html.escape(sbody, quote=False))
          or sbody in html.unescape(t), t[t.find("Discussion"):][:400])
    check("member name shown verbatim", sname in html.unescape(t))
    st, _, _, _ = q2.post("/comments/new", {"paper": "2401.00003",
                                            "body": "\u00e9" * 5000})
    check("a 10,000-byte comment (30 KB percent-encoded) accepted",
          st == 303, st)
    scoll = "x' OR '1'='1\"; DROP TABLE collections; --"
    st, h, _, _ = q2.post("/collections", {"name": scoll, "public": "1"})
    sc_id = h.get("Location", "").rsplit("/", 1)[-1]
    st, _, t, _ = anon.get("/collections/%s.json" % sc_id)
    check("collection name verbatim", st == 200 and
          json.loads(t)["name"] == scoll and
          json.loads(t)["owner"] == sname, t[:200])
    starget = "O'Brien\"; DROP TABLE follows; --"
    q2.post("/following", {"kind": "author", "target": starget})
    st, _, t, _ = q2.get("/following")
    check("follow target verbatim", starget in html.unescape(t))
    tables = pbtest.tables(DB)
    row = sql1("SELECT email FROM members WHERE name = ?", (sname,))
    check("tables intact, email stored verbatim",
          {"members", "comments", "collections", "follows"} <= tables and
          row and row[0] == semail, (tables, row))

    # --- moderation --------------------------------------------------------
    m = cf.Client(S)
    m.login("mod", PW)
    m.me()
    st, _, t, _ = a.post("/mod/paper/%s/hide" % cf.PAPER, {})
    check("a member cannot moderate", st == 403, st)
    st, _, t, _ = a.get("/mod/log")
    check("a member cannot read the log", st == 403, st)
    st, _, t, _ = m.post("/mod/paper/%s/hide" % cf.PAPER, {"hidden": "1"})
    check("moderator hides a paper", st == 303, (st, t[:200]))
    st, _, t, _ = m.get("/date/2024-06-03")
    check("hidden paper not listed", "/papers/%s\"" % cf.PAPER not in t)
    st, _, t, _ = m.get("/api/daily_papers?date=2024-06-03")
    check("hidden paper not in the API", cf.PAPER not in t)
    st, _, t, _ = m.get("/papers/" + cf.PAPER)
    check("its page still answers", st == 200 and "Show in lists again" in t)
    m.post("/mod/paper/%s/hide" % cf.PAPER, {"hidden": "0"})
    st, _, t, _ = m.get("/date/2024-06-03")
    check("shown again", "/papers/%s\"" % cf.PAPER in t)
    st, h, _, _ = b.post("/comments/new", {"paper": "2401.00001",
                                           "body": "spam spam"})
    bc = int(h.get("Location", "#c0").split("#c")[1])
    st, _, t, _ = m.post("/comments/%d/hide" % bc, {"hidden": "1"})
    check("moderator hides a comment", st == 303, st)
    st, _, t, _ = b.get("/papers/2401.00001")
    check("hidden comment not shown", "spam spam" not in t)
    st, _, t, _ = m.get("/papers/2401.00001")
    check("moderators still see it, marked", "spam spam" in t and
          "hidden by a moderator" in t)
    st, _, t, _ = m.post("/mod/member/bob/suspend", {"on": "1"})
    check("moderator suspends a member", st == 303, st)
    check("suspended member's session ends", b.me() is None)
    b2 = cf.Client(S)
    st, _, _, _ = b2.login("bob", PW)
    check("suspended member cannot log in", st == 401, st)
    st, _, t, _ = m.post("/mod/member/mod/suspend", {})
    check("a moderator cannot suspend themself", st == 403, st)
    st, _, t, _ = m.get("/mod/log")
    rows = re.findall(r"<tr><td><time>([^<]+)</time></td><td>([^<]*)</td>"
                      r"<td>([^<]*)</td><td>([^<]*)</td></tr>", t)
    acts = [(r[1], r[2], r[3]) for r in rows]
    check("log: who, what, target", ("mod", "suspend member", "bob") in acts
          and ("mod", "hide comment", "comment %d" % bc) in acts and
          ("mod", "hide paper", cf.PAPER) in acts and
          ("mod", "unhide paper", cf.PAPER) in acts, acts)
    check("log: when", all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                                    r[0]) for r in rows), rows[:2])
    r = cf.subprocess.run([cf.BIN, "user", "disable", "bob", "--enable",
                           "--db", DB], capture_output=True, text=True)
    st, _, _, _ = b2.login("bob", PW)
    check("user disable --enable lets them back", r.returncode == 0 and
          st == 303, (r.stderr, st))
    r = cf.subprocess.run([cf.BIN, "user", "role", "carol", "admin",
                           "--db", DB], capture_output=True, text=True)
    c3 = cf.Client(S)
    c3.login("carol", PW)
    check("user role", r.returncode == 0 and c3.me()["role"] == "admin",
          r.stderr)

    # --- trending ----------------------------------------------------------
    st, _, t, _ = anon.get("/trending")
    check("trending page", st == 200 and "Trending papers" in t, st)
    st, _, t, _ = anon.get("/api/daily_papers?sort=trending&week=2024-W23")
    j = json.loads(t) if st == 200 else []
    check("sort=trending in the API", st == 200 and len(j) > 0, t[:200])
    st, _, t2, _ = anon.get("/api/daily_papers?week=2024-W23")
    check("trending order differs from plain upvotes or equals it "
          "legitimately", st == 200)

    # --- the load test: 200 members upvote one paper at once --------------
    N = 200
    target = "2401.00003"
    names = ["load%03d" % i for i in range(N)]
    t0 = time.time()
    # members: one made by the CLI (one argon2id hash), the others share
    # its hash row by row; 200 separate hashes would only time argon2
    rc, err = cf.user_add(DB, names[0], PW)
    pwhash = sql1("SELECT pwhash FROM members WHERE name = ?",
                  (names[0],))[0]
    pbtest.sql(DB, "INSERT INTO members(name, email, pwhash, created)"
                   " VALUES(?, 'l@x.org', ?, 0)",
               many=[(n, pwhash) for n in names[1:]])
    t1 = time.time()
    clients = [cf.Client(S) for _ in names]
    NLOGIN = 20  # real log-ins, in parallel; the rest get minted sessions

    def login(i):
        st, _, _, _ = clients[i].login(names[i], PW)
        return st

    with concurrent.futures.ThreadPoolExecutor(NLOGIN) as ex:
        sts = list(ex.map(login, range(NLOGIN)))
    check("%d parallel log-ins" % NLOGIN, sts.count(303) == NLOGIN,
          {s: sts.count(s) for s in set(sts)})
    # a session is a row keyed by BLAKE2b-256 of the 32 random bytes the
    # cookie carries (crypto_generichash): made here as the server would
    ids = dict(pbtest.sql(DB, "SELECT name, id FROM members"))
    rows = []
    for i in range(NLOGIN, N):
        raw = os.urandom(32)
        tok = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        clients[i].cookies["pb_session"] = tok
        rows.append((hashlib.blake2b(raw, digest_size=32).digest(),
                     ids[names[i]], int(time.time()),
                     int(time.time()) + 3600))
    pbtest.sql(DB, "INSERT INTO sessions(hash, member, created, expires)"
                   " VALUES(?, ?, ?, ?)", many=rows)
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        mes = list(ex.map(lambda c: c.me(), clients))
    t2 = time.time()
    check("200 members with sessions", all(mes) and
          [m["name"] for m in mes] == names, sum(1 for m in mes if m))
    base = api_upvotes(a, target)
    barrier = threading.Barrier(N)
    results = [None] * (2 * N)

    def vote(i):
        c = clients[i]
        barrier.wait()
        for k in range(2):  # each sends v=1 twice: counts once
            st, _, t, _ = c.request(
                "POST", "/api/vote/" + target, body="v=1",
                headers={"X-CSRF-Token": c.csrf,
                         "Content-Type": "application/x-www-form-urlencoded"})
            results[2 * i + k] = st

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(N)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    t3 = time.time()
    check("every vote request answered 200", results.count(200) == 2 * N,
          {s: results.count(s) for s in set(results)})
    after = api_upvotes(a, target)
    nv = sql1("SELECT count(*) FROM votes v JOIN papers p ON "
              "p.pid = v.pid WHERE p.id = ?", (target,))[0]
    ns = sql1("SELECT s.votes FROM paper_stats s JOIN papers p ON "
              "p.pid = s.pid WHERE p.id = ?", (target,))[0]
    check("200 concurrent upvotes: none lost, none twice",
          after == base + N and nv == N and ns == N, (base, after, nv, ns))
    print("load: members %.1fs, sessions %.1fs, 400 votes %.1fs" %
          (t1 - t0, t2 - t1, t3 - t2))

    # --- Secure cookies behind TLS, sign-up limit per address -------------
    T = cf.Server(["--behind-tls"])
    try:
        c = cf.Client(T)
        st, _, _, sc = c.get("/login")
        check("--behind-tls: pre cookie Secure",
              any("Secure" in s for s in sc), sc)
        codes = []
        for i in range(11):
            st, _, _, sc = c.signup("s%02d" % i, "s@x.org", PW)
            if i == 0:
                check("--behind-tls: session cookie Secure",
                      any(s.startswith("pb_session=") and "Secure" in s
                          for s in sc), sc)
            c.post("/logout", {})
            codes.append(st)
        check("sign-ups per address limited (10 an hour)",
              codes[:10] == [303] * 10 and codes[10] == 429, codes)
        # failed log-ins per address: 20 in 15 minutes, whatever the names
        g = cf.Client(T)
        g.get("/login")
        codes = [g.post("/login", {"name": "nobody%02d" % i,
                                   "password": "wrong password"})[0]
                 for i in range(21)]
        st, _, _, _ = g.post("/login", {"name": "s00", "password": PW})
        check("failed log-ins per address limited (20)",
              codes[:20] == [401] * 20 and codes[20] == 429 and st == 429,
              (codes, st))
    finally:
        T.cleanup()
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
    shutil.rmtree(pbtest.Tmp.dir, ignore_errors=True)  # made by pbtest

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
