#!/usr/bin/env python3
"""The /search page's result list (ranked cards with their snippets) must be
byte-identical between two paperboy binaries on one store (issue 15 item
10: faster snippets and counting must not change what is shown).

    bench/http/search_same.py DB QUERIES N OLD_BIN NEW_BIN

Starts both servers on free 127.0.0.1 ports, asks each the first N queries
of QUERIES (one a line) at /search?q=, and compares the <ol> ... </ol> of
the two pages (the header line holds the total, which may be an estimate
on the new one: it is printed for the first differing ones, not compared).
Exit 0 when every list is identical."""
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(binary, db):
    port = free_port()
    args = [binary, "serve", "--db", db, "--port", str(port), "--threads", "1",
            "--access-log", "off"]
    if "--per-ip-limit" in subprocess.run([binary, "serve", "--help"],
                                          capture_output=True, text=True).stdout:
        args += ["--per-ip-limit", "0"]
    p = subprocess.Popen(args, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/subscribe", timeout=5).read()
            return p, base
        except Exception:
            time.sleep(0.2)
    raise SystemExit("%s did not start" % binary)


def page(base, q):
    u = base + "/search?q=" + urllib.parse.quote(q, safe="")
    with urllib.request.urlopen(u, timeout=60) as r:
        return r.read().decode()


def main():
    db, qfile, n, old, new = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        sys.argv[4], sys.argv[5]
    qs = [l.rstrip("\n") for l in open(qfile, encoding="utf-8")][:n]
    a, ua = start(old, db)
    b, ub = start(new, db)
    same = diff = 0
    heads = []
    try:
        for q in qs:
            x, y = page(ua, q), page(ub, q)
            lx = re.search(r"<ol.*?</ol>", x, re.S)
            ly = re.search(r"<ol.*?</ol>", y, re.S)
            lx = lx.group(0) if lx else ""
            ly = ly.group(0) if ly else ""
            if lx == ly:
                same += 1
            else:
                diff += 1
                if diff <= 5:
                    print("DIFFERS: %r" % q)
            hx = re.search(r'<p class="sub">(.*?) for ', x)
            hy = re.search(r'<p class="sub">(.*?) for ', y)
            if hx and hy and hx.group(1) != hy.group(1) and len(heads) < 8:
                heads.append("%r: %s / %s" % (q, hx.group(1), hy.group(1)))
    finally:
        a.terminate()
        b.terminate()
        a.wait()
        b.wait()
    for h in heads:
        print("total  " + h)
    print("%d queries: %d result lists identical, %d differ" %
          (len(qs), same, diff))
    sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
