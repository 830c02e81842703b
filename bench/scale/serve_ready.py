#!/usr/bin/env python3
"""Time from starting `paperboy serve` to /readyz answering 200, then to the
first /api/papers/search answer; prints both and the server's RSS and CPU
time (utime+stime from /proc) at that point, then stops the server.
usage: bench/scale/serve_ready.py PAPERBOY DB [RUNS]"""
import os, socket, subprocess, sys, time, urllib.request

pb, db = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
tick = os.sysconf('SC_CLK_TCK')


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except Exception:
        return None, b''


for run in range(runs):
    s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
    t0 = time.monotonic()
    p = subprocess.Popen([pb, 'serve', '--db', db, '--port', str(port), '--access-log', 'off'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = 'http://127.0.0.1:%d' % port
    while get(base + '/readyz')[0] != 200:
        if p.poll() is not None:
            sys.exit('serve exited %s' % p.returncode)
        time.sleep(0.005)
    t_ready = time.monotonic() - t0
    st, body = get(base + '/api/papers/search?q=graph+neural+network&limit=10')
    t_search = time.monotonic() - t0
    f = open('/proc/%d/stat' % p.pid).read().rsplit(')', 1)[1].split()
    cpu = (int(f[11]) + int(f[12])) / tick
    rss = [l for l in open('/proc/%d/status' % p.pid) if l.startswith('VmRSS')][0].split()[1]
    print('run %d: /readyz 200 after %.3f s, first search answer (%s) after %.3f s; '
          'server CPU %.2f s, RSS %d MB' % (run + 1, t_ready, st, t_search, cpu, int(rss) // 1024))
    p.terminate(); p.wait()
