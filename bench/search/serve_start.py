#!/usr/bin/env python3
# Time from starting `paperboy serve` on an indexed store to its first
# /api/papers/search answer (issue: answering within 2 s on the arXiv corpus).
# usage: bench/search/serve_start.py DB   (run from the repository root)
import subprocess, time, urllib.request, socket, sys
s=socket.socket(); s.bind(('127.0.0.1',0)); port=s.getsockname()[1]; s.close()
t0=time.monotonic()
p=subprocess.Popen(['./paperboy','serve','--db',sys.argv[1],'--port',str(port),'--access-log','off'],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
while True:
    try:
        r=urllib.request.urlopen(f'http://127.0.0.1:{port}/api/papers/search?q=graph+neural+network&limit=10',timeout=5)
        body=r.read(); break
    except Exception: time.sleep(0.01)
t=time.monotonic()-t0
import json; n=len(json.loads(body))
print(f"first search answer after {t:.3f} s ({n} papers)")
p.terminate(); p.wait()
