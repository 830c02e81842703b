"""Integration tests of "For you" over HTTP against a real `paperboy serve`
on a hand-made corpus of three topics whose vectors are built with the
real commands (foryou_fixture.py): logged out, nothing liked yet, upvotes
of one topic ranking that topic first, collections as likes, the JSON API,
"Not interested" with and without the CSRF token and its undo, moderated
papers left out, the CLI giving the same list, and a server without
vectors."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import community_fixture as cf  # noqa: E402
import foryou_fixture as fy  # noqa: E402

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + ("  " + str(detail)[:600] if detail else ""))


CARD_RE = re.compile(r'<article class="card">.*?<h2><a href="/papers/([^"]+)"')


def sections(text):
    """(recommended ids, not-interested ids) of a /for-you page, in order."""
    main, _, dismissed = text.partition('<section class="dismissed">')
    return CARD_RE.findall(main), CARD_RE.findall(dismissed)


def api(c, q=""):
    st, h, t, _ = c.get("/api/for-you" + q)
    try:
        j = json.loads(t)
    except ValueError:
        j = None
    return st, h, j


S = fy.Server()
try:
    alice = cf.Client(S)
    # --- logged out -------------------------------------------------------
    st, h, t, _ = alice.get("/for-you")
    check("logged out: /for-you goes to log in", st == 303 and
          h.get("Location") == "/login?next=%2Ffor-you", (st, h.get("Location")))
    st, h, j = api(alice)
    check("logged out: API 401 JSON", st == 401 and j ==
          {"error": "not logged in", "status": 401} and
          h.get("Content-Type", "").startswith("application/json"), (st, j))
    st, _, t, _ = alice.post("/for-you/not-interested/" + fy.pid(1, 5),
                             csrf=False)
    check("logged out: not-interested POST refused", st == 403, st)
    st, _, t, _ = alice.get("/")
    check("logged out: no For you link", 'href="/for-you"' not in t)

    # --- logged in, nothing liked ----------------------------------------
    st, _, _, _ = alice.login("alice", fy.PW)
    check("alice logs in", st == 303, st)
    st, h, t, _ = alice.get("/")
    check("header links For you", '<a href="/for-you">For you</a>' in t)
    st, h, t, _ = alice.get("/for-you")
    rec, dis = sections(t)
    check("nothing liked: 200, helpful text, no cards", st == 200 and
          "Nothing to go on yet" in t and 'href="/trending"' in t and
          rec == [] and dis == [], (st, rec, t[-2000:]))
    check("page is private", "no-store" in h.get("Cache-Control", "") or
          "private" in h.get("Cache-Control", ""), h.get("Cache-Control"))
    st, _, j = api(alice)
    check("nothing liked: API 200, empty, reason", st == 200 and
          j["member"] == "alice" and j["papers"] == [] and "reason" in j, j)

    # --- upvotes of topic 1 (astronomy) ----------------------------------
    liked = [fy.pid(1, 0), fy.pid(1, 1), fy.pid(1, 2)]
    for p in liked:
        st, h, _, _ = alice.post("/vote/" + p, {"v": "1", "back": "/for-you"})
        check("upvote " + p, st == 303 and h.get("Location") == "/for-you",
              (st, h.get("Location")))
    st, h, t, _ = alice.get("/for-you")
    rec, dis = sections(t)
    check("30 cards", st == 200 and len(rec) == 30 and dis == [],
          (st, len(rec), dis))
    check("all 30 from the upvoted topic, none of the upvoted",
          all(fy.topic_of(i) == 1 for i in rec) and
          not set(rec) & set(liked), rec)
    check("each card has a Not interested form with the CSRF token",
          t.count('action="/for-you/not-interested/') == 30 and
          t.count('<button type="submit">Not interested</button>') == 30 and
          t.count('name="csrf" value="%s"' % alice.csrf) >= 30)
    check("page says how it was chosen", "Papers like the ones you upvoted"
          in t)
    st, _, j = api(alice, "?limit=45")
    ids = [p["id"] for p in j["papers"]] if j else []
    scores = [p["score"] for p in j["papers"]] if j else []
    check("API: the other 37 astronomy papers first, then other topics",
          st == 200 and len(ids) == 45 and
          all(fy.topic_of(i) == 1 for i in ids[:37]) and
          all(fy.topic_of(i) != 1 for i in ids[37:]), (st, ids))
    check("API order is the page's", ids[:30] == rec, (ids[:30], rec))
    check("API scores best first", scores == sorted(scores, reverse=True),
          scores)
    check("API titles", j and j["papers"][0]["title"] ==
          [p for p in fy.corpus() if p["id"] == ids[0]][0]["title"])
    st, _, j = api(alice)
    check("API default limit 20", st == 200 and len(j["papers"]) == 20)
    for q in ("?limit=0", "?limit=101", "?limit=x", "?limit="):
        st, _, j = api(alice, q)
        check("API %s: 400" % q, st == 400 and "limit" in j["error"], (st, j))

    # --- not interested ---------------------------------------------------
    top = rec[0]
    st, _, t, _ = alice.post("/for-you/not-interested/" + top,
                             {"back": "/for-you"}, csrf=False)
    check("not interested without CSRF token: 403", st == 403, st)
    st, _, t, _ = alice.post("/for-you/not-interested/" + top,
                             {"back": "/for-you"}, csrf="0" * 64)
    check("not interested with a wrong token: 403", st == 403, st)
    st, _, t, _ = alice.get("/for-you")
    check("... and nothing changed", sections(t)[0] == rec)
    st, h, _, _ = alice.post("/for-you/not-interested/" + top,
                             {"back": "/for-you"})
    check("not interested: 303 back to For you", st == 303 and
          h.get("Location") == "/for-you", (st, h.get("Location")))
    st, _, t, _ = alice.get("/for-you")
    rec2, dis2 = sections(t)
    check("the paper left the list", top not in rec2 and len(rec2) == 30,
          rec2)
    check("listed under Not interested with an Undo button",
          dis2 == [top] and "Undo not interested" in t and
          'name="v" value="0"' in t, dis2)
    check("the rest still astronomy", all(fy.topic_of(i) == 1 for i in rec2))
    st, _, j = api(alice, "?limit=40")
    check("API: gone there too", top not in [p["id"] for p in j["papers"]])
    st, h, _, _ = alice.post("/for-you/not-interested/" + top,
                             {"back": "//evil.example/x"})
    check("back to another host: to /for-you", st == 303 and
          h.get("Location") == "/for-you", (st, h.get("Location")))
    st, h, _, _ = alice.post("/for-you/not-interested/" + top, {})
    check("without back: to /for-you", st == 303 and
          h.get("Location") == "/for-you", (st, h.get("Location")))
    st, _, _, _ = alice.post("/for-you/not-interested/2407.99999", {})
    check("unknown paper: 404", st == 404, st)
    st, _, _, _ = alice.post("/for-you/not-interested/" + top, {"v": "2"})
    check("v=2: 400", st == 400, st)
    st, _, _, _ = alice.get("/for-you/not-interested/" + top)
    check("GET of the button's address: 405", st == 405, st)
    st, _, _, _ = alice.post("/for-you", {})
    check("POST /for-you: 405", st == 405, st)
    # undo: the list is the first one again
    st, h, _, _ = alice.post("/for-you/not-interested/" + top,
                             {"v": "0", "back": "/for-you"})
    st, _, t, _ = alice.get("/for-you")
    check("undo: the first list again, nothing under Not interested",
          sections(t) == (rec, []), sections(t))

    # --- the same mark through the JSON API (X-CSRF-Token) -----------------
    path = "/api/for-you/not-interested/" + top
    st, h, t, _ = alice.post(path, {}, csrf=False)
    check("API mark without token: 403 JSON", st == 403 and
          json.loads(t)["status"] == 403, (st, t))
    st, h, t, _ = alice.post(path, {}, csrf=False,
                             headers={"X-CSRF-Token": alice.csrf})
    check("API mark: 200 JSON", st == 200 and json.loads(t) ==
          {"id": top, "notInterested": True}, (st, t))
    st, _, j = api(alice, "?limit=40")
    check("API mark: gone from the list",
          top not in [p["id"] for p in j["papers"]])
    st, h, t, _ = alice.post(path, {"v": "0"}, csrf=False,
                             headers={"X-CSRF-Token": alice.csrf})
    check("API unmark", st == 200 and json.loads(t) ==
          {"id": top, "notInterested": False}, (st, t))
    st, _, j = api(alice, "?limit=30")
    check("API unmark: the first list again",
          [p["id"] for p in j["papers"]] == rec, j)
    st, _, t, _ = alice.post("/api/for-you/not-interested/2407.99999", {},
                             csrf=False, headers={"X-CSRF-Token": alice.csrf})
    check("API mark unknown paper: 404 JSON", st == 404 and
          json.loads(t)["error"] == "paper not found", (st, t))
    st, _, t, _ = alice.get(path)
    check("API mark by GET: 405", st == 405, st)
    st, _, t, _ = cf.Client(S).post(path, {}, csrf=False)
    check("API mark logged out: 403", st == 403, st)

    # --- a title with markup: escaped in the cards, exact in the JSON -----
    hostile = fy.pid(*fy.HOSTILE)
    st, _, j = api(alice, "?limit=40")
    hj = [p for p in j["papers"] if p["id"] == hostile]
    check("API: the hostile title exactly", len(hj) == 1 and
          hj[0]["title"].startswith(fy.XSS), hj)
    alice.post("/for-you/not-interested/" + hostile, {})
    st, _, t, _ = alice.get("/for-you")
    check("page: the markup escaped, never raw",
          "<script>alert" not in t and "<img src=x" not in t and
          "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in t and
          sections(t)[1] == [hostile], (sections(t)[1], t.count("&lt;script")))
    alice.post("/for-you/not-interested/" + hostile, {"v": "0"})

    # --- the CLI gives the same list --------------------------------------
    r = subprocess.run([fy.BIN, "recommend", "--db", S.db, "--user", "alice",
                        "--limit", "10"], capture_output=True, text=True)
    cli = re.findall(r"^\s*\d+\. (\S+)", r.stdout, re.M)
    check("recommend --user: the page's first 10", r.returncode == 0 and
          cli == rec[:10], (r.returncode, cli, r.stderr))
    r = subprocess.run([fy.BIN, "recommend", "--db", S.db, "--user", "bob"],
                       capture_output=True, text=True)
    check("recommend --user with nothing liked: exit 1, says so",
          r.returncode == 1 and "no paper" in r.stderr, r.stderr)

    # --- collections count as likes (bob: cryptography) -------------------
    bob = cf.Client(S)
    bob.login("bob", fy.PW)
    bob.me()  # the session's CSRF token
    st, h, _, _ = bob.post("/collections", {"name": "crypto"})
    cid = h.get("Location", "").rsplit("/", 1)[-1]
    check("bob makes a private collection", st == 303 and cid.isdigit(),
          (st, h.get("Location")))
    for i in (0, 1, 2):
        st, _, _, _ = bob.post("/collections/add",
                               {"coll": cid, "paper": fy.pid(3, i)})
        check("collect " + fy.pid(3, i), st == 303, st)
    st, _, t, _ = bob.get("/for-you")
    rb, _ = sections(t)
    check("bob's list: cryptography", len(rb) == 30 and
          all(fy.topic_of(i) == 3 for i in rb), rb)
    st, _, t, _ = alice.get("/for-you")
    check("alice's list is hers (private pages, no cache)",
          sections(t)[0] == rec)

    # --- a paper a moderator hides is left out ----------------------------
    m = cf.Client(S)
    m.login("mod", fy.PW)
    m.me()
    st, _, _, _ = m.post("/mod/paper/%s/hide" % rec[1], {"hidden": "1"})
    check("moderator hides a recommended paper", st == 303, st)
    st, _, t, _ = alice.get("/for-you")
    r3, _ = sections(t)
    check("hidden paper left out, the next one in", rec[1] not in r3 and
          r3[:1] + r3[1:29] == [rec[0]] + rec[2:30], r3)

    # --- logged out again -------------------------------------------------
    alice.post("/logout", {})
    st, _, j = api(alice)
    check("after log-out: API 401", st == 401, st)
finally:
    S.cleanup()

# --- a server without paper vectors ----------------------------------------
S2 = fy.Server(vectors=False)
try:
    c = cf.Client(S2)
    c.login("carol", fy.PW)
    c.me()
    c.post("/vote/" + fy.pid(2, 0), {"v": "1"})
    st, _, t, _ = c.get("/for-you")
    check("no vectors: 200 and says what is missing", st == 200 and
          "paperboy train-vectors" in t and "paperboy embed" in t and
          sections(t) == ([], []), (st, t[-1500:]))
    st, _, j = api(c)
    check("no vectors: API 503", st == 503 and "vectors" in j["error"],
          (st, j))
    st, h, _, _ = c.post("/for-you/not-interested/" + fy.pid(2, 1), {})
    st2, _, t, _ = c.get("/for-you")
    check("no vectors: not interested still recorded and listed",
          st == 303 and sections(t)[1] == [fy.pid(2, 1)], (st, sections(t)))
finally:
    S2.cleanup()

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
