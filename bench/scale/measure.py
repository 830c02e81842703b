#!/usr/bin/env python3
"""Run a command and print its wall time, CPU time (user + sys of it and its
children, from wait4) and peak memory, split as the kernel counts it:
peak RSS (ru_maxrss), and the peaks of RssAnon (heap: what the process
really holds) and RssFile (pages of mapped files, e.g. the SQLite store that
paperboy maps with mmap_size: shared page cache the kernel can drop) sampled
every 0.1 s from /proc/PID/status.
usage: measure.py OUT_FILE CMD [ARG...]   (writes one line to OUT_FILE:
       wall_s user_s sys_s maxrss_kb anon_peak_kb file_peak_kb)"""
import os, sys, time

out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
anon = filem = 0
while True:
    r = os.wait4(pid, os.WNOHANG)
    if r[0] == pid:
        break
    try:
        for l in open('/proc/%d/status' % pid):
            if l.startswith('RssAnon:'):
                anon = max(anon, int(l.split()[1]))
            elif l.startswith('RssFile:'):
                filem = max(filem, int(l.split()[1]))
    except OSError:
        pass
    time.sleep(0.1)
wall = time.monotonic() - t0
ru = r[2]
with open(out, 'w') as f:
    f.write('%.2f %.2f %.2f %d %d %d\n' % (wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss, anon, filem))
sys.exit(os.waitstatus_to_exitcode(r[1]))
