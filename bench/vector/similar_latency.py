#!/usr/bin/python3
"""Latency of the paper page with its "Similar papers" section, and of
/api/papers/ID/similar, against a running server (one connection, kept
alive; every request a different paper, so no response is served twice).

    bench/vector/similar_latency.py PORT IDS_FILE [N]
"""
import http.client
import sys
import time


def main():
    port, ids_file = int(sys.argv[1]), sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    ids = [l.strip() for l in open(ids_file) if l.strip()][: 2 * n]
    c = http.client.HTTPConnection("127.0.0.1", port)
    for path, part in (("/papers/%s", ids[:n]), ("/api/papers/%s/similar", ids[n:])):
        lat, with_similar = [], 0
        for pid in part:
            t = time.perf_counter()
            c.request("GET", path % pid)
            r = c.getresponse()
            body = r.read()
            lat.append((time.perf_counter() - t) * 1e3)
            if r.status == 200 and (b"Similar papers" in body or b'"similar":[{' in body):
                with_similar += 1
        lat.sort()
        print("%-24s n=%d with_similar=%d p50=%.2f ms p90=%.2f ms p99=%.2f ms "
              "max=%.2f ms" % (path % "ID", len(lat), with_similar,
                               lat[len(lat) // 2], lat[int(len(lat) * 0.9)],
                               lat[int(len(lat) * 0.99)], lat[-1]))


if __name__ == "__main__":
    main()
