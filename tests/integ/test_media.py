"""Thumbnails end to end: Daily Papers' thumbnail and mediaUrls kept at
import, `paperboy harvest thumbnails` against a replay server on 127.0.0.1
(test-made PNG and JPEG, a wrong Content-Type, a body over the cap, a
hand-written PDF rendered by poppler), the files stored beside the
database, /media answers, the generated SVG cover, the <img> tags of
cards and paper pages, the API's thumbnail and mediaUrls, avatars and the
member page, and the navigation (date picker, bounded previous / next,
sort, Hugging Face's URL shapes)."""
import json, os, re, sys, tempfile, urllib.request, urllib.error
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pbtest import *
import media_fixture as mf

T = tempfile.mkdtemp(prefix="pbmedia-")
DB, RP, H = mf.build(BIN, T)


def rows():
    return {(r[0], r[1], r[2]): r[3:] for r in sql(
        DB, "SELECT p.id, m.kind, m.pos, m.state, m.file, m.type, m.width, m.height, "
            "m.error FROM media m JOIN papers p ON p.pid = m.pid")}


@test
def harvest_counts_and_rows():
    check(H.returncode == 0, H.stderr)
    # stored: 1.png, 1-fig.png, 2.jpg, pdf of 3 and of 5; refused: 3.png
    # (type), 4.png (cap), clip.mp4 (not an image), evil host, pdf of 4 and
    # of 6 (404: the fallback of a refused thumbnail)
    check("stored 5 (rendered 2), refused 6, failed 0" in H.stdout, H.stdout + H.stderr)
    r = rows()
    eq(r[("2608.00001", 0, 0)][:5], (1, r[("2608.00001", 0, 0)][1], "image/png", 480, 300))
    check(re.fullmatch(r"[0-9a-f]{32}\.png", r[("2608.00001", 0, 0)][1]))
    eq(r[("2608.00002", 0, 0)][2], "image/jpeg")
    eq(r[("2608.00003", 0, 0)][0], 2)
    check("Content-Type" in r[("2608.00003", 0, 0)][5], r[("2608.00003", 0, 0)])
    eq(r[("2608.00004", 0, 0)][0], 2)
    check("limit" in r[("2608.00004", 0, 0)][5], r[("2608.00004", 0, 0)])
    eq(r[("2608.00001", 1, 1)][0], 2)  # the .mp4: never requested
    check("/t/clip.mp4" not in RP.log, RP.log)
    eq(r[("2608.00006", 0, 0)][0], 2)  # host not allowed
    eq(r[("2608.00003", 2, 0)][:3][0], 1)  # PDF fallback rendered
    eq(r[("2608.00005", 2, 0)][2], "image/png")
    eq(r[("2608.00005", 2, 0)][3:5], (640, 480))  # the top of page 1
    eq(r[("2608.00004", 2, 0)][0], 2)  # PDF 404: refused
    files = sorted(os.listdir(local_base(DB) + ".media"))
    eq(len(files), 5, files)
    check(all(re.fullmatch(r"[0-9a-f]{32}\.(png|jpg)", f) for f in files), files)


@test
def harvest_again_fetches_nothing():
    n = len(RP.log)
    env = dict(os.environ, PAPERBOY_HARVEST_DELAY_MS="0", NO_PROXY="*")
    rc, out, err = run("harvest", "thumbnails", "--db", DB, "--media-hosts", "127.0.0.1",
                       "--pdf-base", RP.base, env=env)
    eq(rc, 0, err)
    check("stored 0 (rendered 0), refused 0, failed 0" in out, out)
    eq(len(RP.log), n, RP.log[n:])


S = None


def srv():
    global S
    if S is None:
        S = mf.serve(BIN, DB)
    return S


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a):
        return None


def raw(path):
    op = urllib.request.build_opener(NoRedirect)
    try:
        with op.open(srv().base + path, timeout=20) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@test
def media_answers():
    r = rows()
    f = r[("2608.00001", 0, 0)][1]
    st, h, body = srv().get("/media/" + f)
    eq(st, 200)
    eq(h["Content-Type"], "image/png")
    check("immutable" in h["Cache-Control"] and "max-age=31536000" in h["Cache-Control"], h)
    with open(os.path.join(local_base(DB) + ".media", f), "rb") as fh:
        eq(body, fh.read())
    st, h, _ = srv().get("/media/" + r[("2608.00002", 0, 0)][1])
    eq((st, h["Content-Type"]), (200, "image/jpeg"))
    for bad in ["/media/../m.db", "/media/" + "0" * 32 + ".png", "/media/x.png",
                "/media/" + f[:-4] + ".svg"]:
        eq(srv().get(bad)[0], 404, bad)


@test
def cover_svg_escaped():
    st, h, body = srv().get("/cover/2608.00005.svg")
    eq(st, 200)
    eq(h["Content-Type"], "image/svg+xml")
    t = body.decode()
    check("<script" not in t and "&lt;script&gt;" in t, t[:400])
    check("<title>" in t and t.startswith("<svg"), t[:200])
    eq(srv().get("/cover/9999.99999.svg")[0], 404)


@test
def cards_and_paper_images():
    st, _, body = srv().get("/date/" + mf.DAY)
    t = body.decode()
    eq(st, 200)
    imgs = re.findall(r"<img [^>]*>", t)
    thumbs = [i for i in imgs if 'class="thumb"' in i]
    eq(len(thumbs), 6, thumbs)
    for i in imgs:
        check(re.search(r'width="\d+"', i) and re.search(r'height="\d+"', i) and 'alt="' in i
              and 'loading="lazy"' in i, i)
    check(any('/media/' in i and 'width="480" height="300"' in i for i in thumbs), thumbs)
    check(any('First page of' in i and 'width="640"' in i for i in thumbs), thumbs)
    check(any('/cover/2608.00004.svg' in i for i in thumbs), thumbs)
    check("127.0.0.1:%d" % int(RP.base.rsplit(":", 1)[1]) not in t, "hot-linked")
    st, _, body = srv().get("/papers/2608.00001")
    t = body.decode()
    check('class="lead"' in t and '<div class="extras">' in t, t[:2000])


@test
def api_thumbnail_and_media_urls():
    st, _, body = srv().get("/api/daily_papers?date=" + mf.DAY)
    d = {x["paper"]["id"]: x for x in json.loads(body)}
    base = srv().base
    check(re.fullmatch(re.escape(base) + r"/media/[0-9a-f]{32}\.png", d["2608.00001"]["thumbnail"]),
          d["2608.00001"]["thumbnail"])
    eq(len(d["2608.00001"]["mediaUrls"]), 1)
    check(d["2608.00001"]["mediaUrls"][0].startswith(base + "/media/"))
    eq(d["2608.00004"]["thumbnail"], base + "/cover/2608.00004.svg")
    check("mediaUrls" not in d["2608.00002"])
    # every URL answers from our own origin
    for x in d.values():
        u = x["thumbnail"][len(base):]
        eq(srv().get(u)[0], 200, u)


@test
def upvote_box_for_visitors():
    t = srv().get("/date/" + mf.DAY)[2].decode()
    boxes = re.findall(r'<div class="votebox"><a class="vote" rel="nofollow" '
                       r'href="([^"]+)">Upvote</a></div>', t)
    eq(len(boxes), 6, boxes)
    eq(boxes[0], "/login?next=%2Fdate%2F" + mf.DAY)
    st, h, _ = raw(boxes[0])
    eq(st, 200)
    t = srv().get("/date/%s?sort=newest" % mf.DAY)[2].decode()
    check('href="/login?next=%2Fdate%2F' + mf.DAY + '%3Fsort%3Dnewest"' in t,
          "the box keeps the page's query")


@test
def member_page_and_avatar():
    t = srv().get("/date/" + mf.DAY)[2].decode()
    check('submitted by <a class="member" href="/u/grace"><img class="avatar" '
          'src="/avatars/grace.svg"' in t, re.findall(r'submitted by .{0,160}', t)[:2])
    st, _, body = srv().get("/u/grace")
    t = body.decode()
    eq(st, 200)
    check("A JPEG thumbnail" in t and "Thumbnails from the source" not in t, t[:3000])
    eq(srv().get("/u/nobody-at-all")[0], 404)
    st, h, body = srv().get("/avatars/grace.svg")
    eq((st, h["Content-Type"]), (200, "image/svg+xml"))
    check("max-age" in h["Cache-Control"], h)
    check(body == srv().get("/avatars/GRACE.svg")[2].replace(b"GRACE", b"grace"))
    check(body != srv().get("/avatars/ada.svg")[2])
    b2 = srv().get("/avatars/%3Cx%3E.svg")[2].decode()
    check("<x>" not in b2 and "&lt;x&gt;" in b2, b2)


@test
def navigation():
    t = srv().get("/date/" + mf.DAY)[2].decode()
    check('<form class="datepick" method="get" action="/date">' in t and 'type="date"' in t
          and 'min="2026-08-18" max="2026-08-20"' in t, t[:3000])
    st, h, _ = raw("/date?d=2026-08-18")
    eq((st, h.get("Location")), (303, "/date/2026-08-18"))
    eq(raw("/date?d=nope")[0], 400)
    # the last day has no "next", the first no "previous"
    check('rel="next"' not in re.search(r'<nav class="prevnext".*?</nav>', t).group(0))
    t0 = srv().get("/date/2026-08-18")[2].decode()
    check('rel="prev"' not in re.search(r'<nav class="prevnext".*?</nav>', t0).group(0)
          and 'href="/date/2026-08-20"' in t0)
    # weeks and months stop at the listed ones
    tw = srv().get("/week/2026-W34")[2].decode()
    nav = re.search(r'<nav class="prevnext".*?</nav>', tw)
    check(nav is None or 'rel="next"' not in nav.group(0), tw[:3000])
    tm = srv().get("/month/2026-08")[2].decode()
    nav = re.search(r'<nav class="prevnext".*?</nav>', tm)
    check(nav is None, nav and nav.group(0))
    tw = srv().get("/week/2026-W30")[2].decode()
    check('href="/week/2026-W34"' in tw, "an empty week before links to the next listed one")
    # sorting
    def order(path):
        return re.findall(r'<h2><a href="/papers/([^"]+)"', srv().get(path)[2].decode())
    eq(order("/date/" + mf.DAY)[:3], ["2608.00001", "2608.00002", "2608.00003"])
    check(order("/date/%s?sort=newest" % mf.DAY)[0] is not None)
    eq(srv().get("/date/%s?sort=bogus" % mf.DAY)[0], 400)
    # Hugging Face's shapes
    for hf, ours in [("/papers/date/2026-08-20", "/date/2026-08-20"),
                     ("/papers/week/2026-W34", "/week/2026-W34"),
                     ("/papers/month/2026-08", "/month/2026-08"),
                     ("/papers/trending", "/trending"),
                     ("/papers?date=2026-08-20", "/date/2026-08-20")]:
        st, h, _ = raw(hf)
        eq((st, h.get("Location")), (301, ours), hf)
    eq(srv().get("/papers/2608.00001")[0], 200)


@test
def serve_schedules_thumbnails_only_after_daily():
    rc, out, err = run("serve", "--db", os.path.join(T, "x.db"), "--port", "1",
                       "--harvest", "thumbnails", timeout=30)
    eq(rc, 2, err)
    check("--harvest daily,thumbnails" in err, err)


@test
def harvest_thumbnails_usage():
    rc, out, err = run("harvest", "thumbnails", "--limit", "0", "--db", DB)
    eq(rc, 2, err)
    rc, out, err = run("harvest", "thumbnails", "--pdf-base", "ftp://x", "--db", DB)
    eq(rc, 2, err)
    rc, out, err = run("harvest", "thumbnails", "--help")
    check(rc == 0 and "--media-hosts" in out, out)


if __name__ == "__main__":
    try:
        main()
    finally:
        if S:
            S.stop()
        RP.close()
