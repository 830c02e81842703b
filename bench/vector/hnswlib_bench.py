#!/usr/bin/python3
"""Debian's hnswlib beside paperboy's HNSW on the same vectors.

    paperboy vbench --db DB --queries FILE --dump DIR   (writes DIR/*)
    /usr/bin/python3 bench/vector/hnswlib_bench.py DIR [DIR2 ...] [--M 16]
        [--efc 100]

Every DIR must come from the same vectors (base.f32); the index is built
once (and kept in DIR/hnswlib-M*-efc*.bin for the next run), then each
DIR's queries are run.
Ground truth: exact inner product over the very vectors both indexes hold
(paperboy's int8 vectors turned back into float32), by numpy. hnswlib gets
those float32 vectors (400 bytes each) and runs on one thread, like
paperboy's queries; paperboy's result ids come from vbench's dump.
"""
import glob
import os
import sys
import time

import hnswlib
import numpy as np


def main():
    args = sys.argv[1:]
    M = int(args[args.index("--M") + 1]) if "--M" in args else 16
    efc = int(args[args.index("--efc") + 1]) if "--efc" in args else 100
    dirs = [a for i, a in enumerate(args)
            if not a.startswith("--") and (i == 0 or not args[i - 1].startswith("--"))]
    base = np.fromfile(os.path.join(dirs[0], "base.f32"), dtype=np.float32)
    nq0 = len(np.fromfile(os.path.join(dirs[0], "exact.ids"), dtype=np.uint32)) // 10
    dim = len(np.fromfile(os.path.join(dirs[0], "query.f32"), dtype=np.float32)) // nq0
    base = base.reshape(-1, dim)
    n = len(base)
    p = hnswlib.Index(space="ip", dim=dim)
    saved = os.path.join(dirs[0], "hnswlib-M%d-efc%d.bin" % (M, efc))
    if os.path.exists(saved):
        p.load_index(saved, max_elements=n)
        print("hnswlib: loaded %s" % saved)
    else:
        p.init_index(max_elements=n, ef_construction=efc, M=M, random_seed=42)
        p.set_num_threads(1)
        t, c = time.time(), time.thread_time()
        p.add_items(base, np.arange(n), num_threads=1)
        print("hnswlib build: M=%d efc=%d %.1f s wall, %.1f cpu-s (one "
              "thread), %d bytes/vector (float32)" %
              (M, efc, time.time() - t, time.thread_time() - c, dim * 4))
        sys.stdout.flush()
        p.save_index(saved)
    p.set_num_threads(1)
    for d in dirs:
        run(d, base, p)


def run(d, base, p):
    print("== %s" % d)
    q = np.fromfile(os.path.join(d, "query.f32"), dtype=np.float32)
    nq = len(np.fromfile(os.path.join(d, "exact.ids"), dtype=np.uint32)) // 10
    dim = len(q) // nq
    q = q.reshape(nq, dim)
    n = len(base)
    live = np.abs(base).sum(axis=1) > 0
    # paper queries (vbench --paper-queries): each query is a stored paper,
    # which both sides find first; it is left out of truth and results
    spath = os.path.join(d, "self.ids")
    self_ids = np.fromfile(spath, dtype=np.uint32) if os.path.exists(spath) else None
    K = 11 if self_ids is not None else 10
    truth = np.zeros((nq, 10), dtype=np.int64)
    for i in range(0, nq, 100):
        s = q[i:i + 100] @ base.T
        s[:, ~live] = -np.inf
        if self_ids is not None:
            s[np.arange(len(s)), self_ids[i:i + 100]] = -np.inf
        truth[i:i + 100] = np.argpartition(-s, 10, axis=1)[:, :10]
    tsets = [set(t) for t in truth]

    def recall(ids):
        return sum(len(tsets[i] & set(ids[i])) for i in range(nq)) / (10.0 * nq)

    print("vectors=%d dim=%d queries=%d" % (n, dim, nq))
    ex = np.fromfile(os.path.join(d, "exact.ids"), dtype=np.uint32).reshape(nq, 10)
    print("paperboy exact int8 vs float truth: recall@10=%.4f" % recall(ex))
    for f in sorted(glob.glob(os.path.join(d, "ours_ef*.ids")),
                    key=lambda p: int(p.split("_ef")[1].split(".")[0])):
        ids = np.fromfile(f, dtype=np.uint32).reshape(nq, 10)
        print("paperboy %s: recall@10=%.4f (float truth)" %
              (os.path.basename(f)[5:-4], recall(ids)))
    sys.stdout.flush()
    for ef in (10, 16, 24, 32, 48, 64, 96, 128, 192, 256):
        p.set_ef(ef)
        p.knn_query(q, k=K, num_threads=1)  # warm-up
        t, c = time.time(), time.thread_time()
        labels, _ = p.knn_query(q, k=K, num_threads=1)
        dt, dc = time.time() - t, time.thread_time() - c
        if self_ids is not None:
            labels = [[x for x in row if x != self_ids[j]][:10]
                      for j, row in enumerate(labels)]
        print("hnswlib ef=%d: recall@10=%.4f qps=%.0f wall, %.0f per "
              "cpu-second (one thread, batch)" % (ef, recall(labels), nq / dt,
                                                  nq / dc))
        t, c = time.time(), time.thread_time()
        for i in range(nq):
            p.knn_query(q[i:i + 1], k=K, num_threads=1)
        dt, dc = time.time() - t, time.thread_time() - c
        print("hnswlib ef=%d: qps=%.0f wall, %.0f per cpu-second (one "
              "thread, one query a call)" % (ef, nq / dt, nq / dc))


if __name__ == "__main__":
    main()
