"""For you on a whole store: a member (made here, with `paperboy user
add`) upvotes the first 20 papers of a category over HTTP against the
release `paperboy serve`; then the wall time of GET /for-you (the first
opens the semantic index), how many of its 30 cards are in the category,
GET /api/for-you?limit=100, the page after 5 "not interested" marks, and
the CPU time of `paperboy recommend --user`. The store is changed (a
member, votes, marks): run it on a copy.

    python3 bench/rank/foryou_latency.py COPY.db cs.CR
"""
import os, re, sqlite3, subprocess, sys, time, resource, urllib.parse, urllib.request
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integ'))
import community_fixture as cf, web_fixture as wf
BIN = os.path.join(ROOT, 'paperboy')
DB = sys.argv[1]
PW = 'correct horse battery'
cat = sys.argv[2] if len(sys.argv) > 2 else 'cs.CR'
name = 'meas_' + cat.replace('.', '_').replace('-', '_')
r = subprocess.run([BIN, 'user', 'add', name, '--email', 'm@example.org', '--db', DB], input=PW + '\n', capture_output=True, text=True)
print('user add', r.returncode, r.stderr.strip())
c = sqlite3.connect('file:%s?mode=ro' % DB, uri=True)
ids = [x[0] for x in c.execute("select id from papers where (categories = ?1 or categories like ?1 || ' %') and deleted=0 order by pid limit 20", (cat,))]
cats = lambda i: c.execute('select categories from papers where id=?', (i,)).fetchone()[0]
class S: pass
s = S(); s.port = wf.free_port(); s.base = 'http://127.0.0.1:%d' % s.port
p = subprocess.Popen([BIN, 'serve', '--db', DB, '--port', str(s.port), '--bind', '127.0.0.1', '--threads', '2', '--access-log', 'off', '--no-fetch-unknown'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(3000):
        try:
            urllib.request.urlopen(s.base + '/subscribe', timeout=2); break
        except Exception:
            time.sleep(0.1)
    cl = cf.Client(s); cl.login(name, PW); cl.me()
    for i in ids:
        st, *_ = cl.post('/vote/' + i, {'v': '1'})
        assert st == 303, st
    def page():
        t0 = time.perf_counter(); st, _, t, _ = cl.get('/for-you'); dt = time.perf_counter() - t0
        main = t.partition('<section class="dismissed">')[0]
        return dt, [urllib.parse.unquote(x) for x in re.findall(r'<article class="card"><h2><a href="/papers/([^"]+)"', main)]
    times = []
    for k in range(6):
        dt, rec = page(); times.append(dt)
    print('GET /for-you wall s (first opens the index):', ' '.join('%.3f' % x for x in times))
    same = sum(1 for i in rec if cat in cats(i).split())
    print('top 30 with', cat, ':', same, '/', len(rec))
    t0 = time.perf_counter(); st, _, t, _ = cl.get('/api/for-you?limit=100'); print('GET /api/for-you?limit=100 %.3f s' % (time.perf_counter() - t0), st)
    # dismiss the 5 first recommendations
    for i in rec[:5]:
        st, *_ = cl.post('/for-you/not-interested/' + i, {}); assert st == 303
    dt, rec2 = page()
    print('after 5 not-interested: %.3f s; dismissed gone: %s; top 30 with %s: %d' % (dt, not set(rec[:5]) & set(rec2), cat, sum(1 for i in rec2 if cat in cats(i).split())))
finally:
    p.terminate(); p.wait()
for k in range(3):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run([BIN, 'recommend', '--db', DB, '--user', name, '--limit', '30'], capture_output=True, text=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    print('recommend --user: wall %.3f s, CPU %.3f s; %s' % (time.perf_counter() - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), r.stdout.splitlines()[0] if r.stdout else r.stderr))
