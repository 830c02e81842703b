#!/usr/bin/env python3
"""bench/cluster/follow.py - how long after `paperboy import` commits a new
paper into a PostgreSQL store a running `serve` node finds it by search
(issue 16: "searchable on every node within 2 seconds").

Usage: bench/cluster/follow.py [ROUNDS] [BIN...]   (default 20 ./paperboy)

One throwaway PostgreSQL (tests/pgserver.sh) with 2,000 papers of the arXiv
snapshot; for each binary one node, then ROUNDS times: import one paper
with a word no other has (the import's own process, as another server
would), and search for that word on the node every 2 ms from the moment
the import exits until the paper is in the answer. Prints the latencies'
median, 90th percentile and maximum, and the load average.
"""
import json
import os
import random
import string
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SNAP = os.path.join(ROOT, "..", "shared", "data", "arxiv",
                    "arxiv-000.jsonl.xz")


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    bins = sys.argv[2:] or [os.path.join(ROOT, "paperboy")]
    w = tempfile.mkdtemp(prefix="pb-bench-follow.")
    os.chmod(w, 0o755)  # the server may run as another user (pgserver.sh)
    pgd = os.path.join(w, "pg")
    admin = subprocess.check_output(
        [os.path.join(ROOT, "tests", "pgserver.sh"), "start", pgd],
        text=True).strip()
    node = None
    try:
        subprocess.check_call(["psql", admin, "-qXc", "CREATE DATABASE b"],
                              stdout=subprocess.DEVNULL)
        db = admin.replace("dbname=postgres", "dbname=b")
        env = dict(os.environ, PAPERBOY_LOCAL_DIR=w)
        papers = os.path.join(w, "papers.jsonl")
        with open(papers, "w") as f:
            xz = subprocess.Popen(["xz", "-dc", SNAP], stdout=subprocess.PIPE,
                                  text=True)
            for i, line in enumerate(xz.stdout):
                if i >= 2000:
                    break
                f.write(line)
            xz.kill()
            xz.wait()
        subprocess.check_call([bins[0], "import", "--db", db, papers],
                              env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        print("== %s; load %s; %d rounds" % (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            " ".join(open("/proc/loadavg").read().split()[:3]), rounds))
        for b in bins:
            port = free_port()
            local = tempfile.mkdtemp(dir=w)
            node = subprocess.Popen(
                [b, "serve", "--db", db, "--port", str(port), "--threads",
                 "2", "--access-log", "off", "--local-dir", local,
                 "--no-fetch-unknown"], env=env,
                stderr=subprocess.DEVNULL)
            base = "http://127.0.0.1:%d" % port
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/readyz", timeout=1)
                    break
                except Exception:
                    time.sleep(0.1)
            lat = []
            for r in range(rounds):
                word = "".join(random.choice(string.ascii_lowercase)
                               for _ in range(12))
                pid = "2412.%05d" % random.randrange(10000, 99999)
                one = os.path.join(w, "one.jsonl")
                with open(one, "w") as f:
                    f.write(json.dumps({
                        "id": pid, "title": "Followed " + word,
                        "abstract": "A word no paper has: %s." % word,
                        "authors": ["A. Node"], "categories": "cs.IR",
                        "published": "2024-12-01T00:00:00Z"}) + "\n")
                url = base + "/api/papers/search?q=" + word
                urllib.request.urlopen(url, timeout=5).read()  # cached: none
                subprocess.check_call([b, "import", "--db", db, one],
                                      env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
                t0 = time.monotonic()
                while True:
                    body = urllib.request.urlopen(url, timeout=5).read()
                    if pid.encode() in body:
                        lat.append(time.monotonic() - t0)
                        break
                    if time.monotonic() - t0 > 10:
                        lat.append(float("inf"))
                        break
                    time.sleep(0.002)
                time.sleep(random.random() * 0.3)  # not in step with a poll
            node.terminate()
            node.wait()
            node = None
            lat.sort()
            tag = subprocess.run(["git", "-C", os.path.dirname(b),
                                  "rev-parse", "--short", "HEAD"],
                                 capture_output=True, text=True)
            tag = tag.stdout.strip() or b
            print("%-30s median %7.1f ms  p90 %7.1f ms  max %7.1f ms"
                  "  load %s" % (
                      tag, lat[len(lat) // 2] * 1e3,
                      lat[int(len(lat) * 0.9)] * 1e3, lat[-1] * 1e3,
                      open("/proc/loadavg").read().split()[0]))
    finally:
        if node:
            node.kill()
        subprocess.call([os.path.join(ROOT, "tests", "pgserver.sh"), "stop",
                         pgd])
        subprocess.call(["rm", "-rf", w])


if __name__ == "__main__":
    main()
