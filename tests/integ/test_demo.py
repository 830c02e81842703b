"""`make demo` in smoke mode (scripts/demo.sh with DEMO_SMOKE=1, the second
half of `make demo`): it imports the bundled sample, trains vectors, serves,
fetches its first page and exits 0. Then its database, served again, has
something on every kind of page: day, week, month, trending, author,
category, paper with similar papers, search by words and by meaning."""
import os, re, socket, subprocess, sys, time, urllib.parse, urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pbtest import *

DB = Tmp.path('demo.db')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=30) as r:
            return r.status, r.read().decode('utf-8', 'replace')
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode('utf-8', 'replace')


@test
def smoke_serves_the_first_page():
    env = dict(os.environ, DEMO_DB=DB, DEMO_PORT=str(free_port()), DEMO_SMOKE='1',
               PAPERBOY_BIN=REL, PAPERBOY_DEMO_BASE_URL='http://127.0.0.1:9',
               PAPERBOY_DEMO_TIMEOUT='5')
    p = subprocess.run([os.path.join(ROOT, 'scripts', 'demo.sh')], env=env,
                       capture_output=True, text=True, timeout=900)
    eq(p.returncode, 0, p.stdout[-800:] + p.stderr[-800:])
    m = re.search(r'^demo smoke: first page \(HTTP 200, (\d+) paper links\) after [\d.]+ s$',
                  p.stdout, re.M)
    check(m and int(m.group(1)) > 10, p.stdout[-800:])
    check('added 660, updated 0, unchanged 0, rejected 0' in p.stdout, p.stdout[:800])
    check(' epoch ' not in p.stdout + p.stderr, 'no per-epoch noise')
    for f in (DB + '.idx', DB + '.wv', DB + '.vec', DB + '.hnsw'):
        check(os.path.getsize(f) > 0, f)


@test
def every_page_has_papers():
    check(os.path.exists(DB + '.hnsw'), 'smoke test ran first')
    port = free_port()
    base = 'http://127.0.0.1:%d' % port
    srv = subprocess.Popen([REL, 'serve', '--db', DB, '--port', str(port),
                            '--bind', '127.0.0.1'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + '/', timeout=2)
                break
            except Exception:
                time.sleep(0.1)
        def papers(path, least):
            st, body = get(base, path)
            eq(st, 200, path)
            n = len(set(re.findall(r'href="/papers/([^"#?]+)"', body)))
            check(n >= least, '%s: %d papers' % (path, n))
            return body
        home = papers('/', 5)
        check('June 14, 2024' in home, 'the latest day of the sample')
        papers('/week/2024-W23', 20)
        papers('/month/2024-05', 20)      # the sample crosses a month end
        papers('/month/2024-06', 20)
        trending = papers('/trending', 20)
        check('upvotes' in trending)
        papers('/cat/cs.LG', 20)
        # an author of one Daily Papers listing with 13 earlier arXiv papers
        eq(len(set(re.findall(r'href="/papers/([^"#?]+)"', get(
            base, '/authors/' + urllib.parse.quote('Sergey Levine'))[1]))), 14)
        body = papers('/papers/2406.09414', 5)
        check('Similar papers' in body, 'similar papers on the paper page')
        st, body = get(base, '/api/papers/2406.09414/similar?limit=5')
        eq(st, 200)
        check(body.count('"id"') >= 5, body[:300])
        papers('/search?q=neural+pathways&mode=hybrid', 5)
        st, body = get(base, '/search?q=neural+pathways')
        check('Neural' in body or 'neural' in body)
    finally:
        srv.terminate()
        srv.wait(timeout=15)


if __name__ == '__main__':
    main()
