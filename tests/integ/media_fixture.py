"""media_fixture.py - a store with images, made by the real binary: Daily
Papers JSON written here whose thumbnail and mediaUrls point at a replay
server on 127.0.0.1 (a thread of this process) that serves test-made PNGs,
a JPEG and a PDF (written by hand; its first page rendered by poppler),
then `paperboy harvest thumbnails` against it. Used by test_media.py, the
browser test (test_e2e_look.py) and scripts/screenshots.sh."""
import http.server, json, os, socketserver, struct, subprocess, tempfile, threading, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DAY = "2026-08-20"


def png(w, h, rgb=(40, 90, 200)):
    """A valid RGB PNG of one colour with a lighter band."""
    rows = b""
    for y in range(h):
        c = rgb if (y // 12) % 4 else tuple(min(255, v + 80) for v in rgb)
        rows += b"\x00" + bytes(c) * w
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def pdf(title="A test paper", hue=(0.2, 0.4, 0.8)):
    """A minimal valid one-page PDF by hand, drawn like a paper's first
    page: title, authors, two columns of text lines and a figure."""
    esc = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    ops = ["0 0 0 rg BT /F1 22 Tf 60 730 Td (%s) Tj ET" % esc[:44],
           "0.3 0.3 0.3 rg BT /F1 12 Tf 60 705 Td (Ada Lovelace, Alan Turing) Tj ET",
           "%.2f %.2f %.2f rg 60 470 492 210 re f" % hue,
           "1 1 1 rg 90 500 120 150 re f 250 540 140 110 re f 430 500 90 150 re f"]
    for col in (60, 316):
        for i in range(14):
            w = 236 if i % 5 != 4 else 150
            ops.append("0.55 0.55 0.55 rg %d %d %d 5 re f" % (col, 440 - 14 * i, w))
    content = " ".join(ops).encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n"
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return out


def rendered(tmpdir, name, title, fmt, hue):
    """A real PNG or JPEG: poppler renders a test PDF as one (the top of
    the page, 480 x 300)."""
    p = os.path.join(tmpdir, name + ".pdf")
    with open(p, "wb") as f:
        f.write(pdf(title, hue))
    subprocess.run(["pdftoppm", "-" + fmt, "-singlefile", "-scale-to-x", "480", "-scale-to-y",
                    "-1", "-W", "480", "-H", "300", p, os.path.join(tmpdir, name)], check=True)
    with open(os.path.join(tmpdir, name + (".jpg" if fmt == "jpeg" else ".png")), "rb") as f:
        return f.read()


def jpeg(tmpdir):
    return rendered(tmpdir, "j", "A JPEG thumbnail", "jpeg", (0.8, 0.35, 0.2))


class Replay:
    """path -> (status, content-type, body); records every request."""

    def __init__(self, routes):
        self.routes, self.log = routes, []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.log.append(self.path)
                st, ct, body = outer.routes.get(self.path, (404, "text/plain", b"no"))
                self.send_response(st)
                self.send_header("Content-Type", ct)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
        self.srv = S(("127.0.0.1", 0), H)
        self.base = "http://127.0.0.1:%d" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


# an organization as Daily Papers gives it (its avatar is elsewhere: never
# shown from there)
ORG = {"_id": "67d1140985ea0644e2f14b99", "name": "Lab-One",
       "fullname": "Lab One", "avatar": "https://cdn.example/lab.png"}


def item(pid, title, upvotes, thumb=None, media=None, submitter="ada", cats=None, org=None):
    e = {"paper": {"id": pid, "title": title, "summary": "We study " + title.lower() + ". " * 3,
                   "authors": [{"name": "Ada Lovelace"}, {"name": "Alan Turing"}],
                   "publishedAt": DAY + "T10:00:00.000Z", "upvotes": upvotes,
                   "ai_keywords": ["images"]},
         "title": title, "publishedAt": DAY + "T12:00:00.000Z", "numComments": 0,
         "submittedBy": {"user": submitter, "fullname": submitter}}
    if thumb:
        e["thumbnail"] = thumb
    if media:
        e["mediaUrls"] = media
    if org:
        e["organization"] = org
    return e


def build(bin_path, tmpdir, max_bytes=200000):
    """Make tmpdir/m.db with images; returns (db, replay, harvest result)."""
    big = png(900, 900)  # over max_bytes once stored without compression? see below
    big = big + b"\x00" * max(0, max_bytes + 1000 - len(big))
    routes = {
        "/t/1.png": (200, "image/png", rendered(tmpdir, "t1", "Thumbnails from the source",
                                                "png", (0.2, 0.45, 0.8))),
        "/t/2.jpg": (200, "image/jpeg", jpeg(tmpdir)),
        "/t/3.png": (200, "text/html; charset=utf-8", b"<html>not an image</html>"),
        "/t/4.png": (200, "image/png", big),
        "/t/1-fig.png": (200, "image/png", png(200, 120, (200, 60, 40))),
        "/pdf/2608.00003": (200, "application/pdf", pdf("A wrong content type",
                                                         (0.25, 0.6, 0.35))),
        "/pdf/2608.00005": (200, "application/pdf", pdf("Rendered first page",
                                                         (0.55, 0.3, 0.7))),
    }
    rp = Replay(routes)
    b = rp.base
    day = [item("2608.00001", "Thumbnails from the source", 30, b + "/t/1.png",
                [b + "/t/1-fig.png", b + "/t/clip.mp4"]),
           item("2608.00002", "A JPEG thumbnail", 20, b + "/t/2.jpg", submitter="grace",
                org=ORG),
           item("2608.00003", "A thumbnail with a wrong content type", 10, b + "/t/3.png"),
           item("2608.00004", "A thumbnail over the size cap", 5, b + "/t/4.png"),
           item("2608.00005", "No thumbnail <script>alert(1)</script> & a PDF", 3),
           item("2608.00006", "Elsewhere hosted thumbnail", 1, "https://evil.example/x.png")]
    d = os.path.join(tmpdir, "daily")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, DAY + ".json"), "w") as f:
        json.dump(day, f)
    # a local paper without an arXiv id: only a generated cover
    jl = os.path.join(tmpdir, "local.jsonl")
    with open(jl, "w") as f:
        f.write(json.dumps({"id": "", "title": "A local note & <b>bold</b> title",
                            "abstract": "Local.", "authors": ["Zoë"],
                            "categories": "cs.CL", "listed_day": "2026-08-18",
                            "upvotes": 2}) + "\n")
    db = os.path.join(tmpdir, "m.db")
    if os.environ.get("PB_TEST_BACKEND") == "pg":  # test_media_pg.py
        import pbtest
        db = pbtest.pg_db("media_%s" % os.path.basename(tmpdir))
    for src in (d, jl):
        r = subprocess.run([bin_path, "import", "--db", db, src], capture_output=True, text=True)
        if r.returncode not in (0, 3):
            raise RuntimeError(r.stderr)
    env = dict(os.environ, PAPERBOY_HARVEST_DELAY_MS="0", NO_PROXY="*", no_proxy="*")
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        env.pop(k, None)
    h = subprocess.run([bin_path, "harvest", "thumbnails", "--db", db, "--media-hosts",
                        "127.0.0.1", "--pdf-base", b, "--max-bytes", str(max_bytes)],
                       capture_output=True, text=True, env=env, timeout=300)
    return db, rp, h


class Serve:
    """`paperboy serve` on a free port of 127.0.0.1 over db."""

    def __init__(self, bin_path, db, extra=()):
        import socket, time, urllib.request
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.base = "http://127.0.0.1:%d" % self.port
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([bin_path, "serve", "--db", db, "--port", str(self.port),
                                      "--bind", "127.0.0.1", "--threads", "2"] + list(extra),
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/subscribe", timeout=2)
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.err.seek(0)
        raise RuntimeError("server did not start: " + self.err.read())

    def get(self, path, headers=None):
        import urllib.request, urllib.error
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def serve(bin_path, db):
    return Serve(bin_path, db)
