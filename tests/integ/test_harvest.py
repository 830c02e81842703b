"""Integration tests of `paperboy harvest` against a local HTTP server on
127.0.0.1 (a free port, in a thread of this process) that replays responses
written here by hand in the published formats: OAI-PMH 2.0 ListRecords with
arXivRaw metadata, the arXiv API's Atom, and Hugging Face's
/api/daily_papers JSON. No traffic goes anywhere else.

Most tests set PAPERBOY_HARVEST_DELAY_MS=0 (allowed only for a server on
this machine); one measures the default 3 s gap between requests."""
import gzip, json, os, random, re, signal, sqlite3, subprocess, sys, threading, time
import http.server, socketserver
from urllib.parse import urlsplit, parse_qs
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pbtest import *

# never through a proxy: every request of these tests goes to 127.0.0.1
for _k in list(os.environ):
    if _k.lower() in ('http_proxy', 'https_proxy', 'all_proxy'):
        del os.environ[_k]
os.environ['NO_PROXY'] = os.environ['no_proxy'] = '*'

FAST = {'PAPERBOY_HARVEST_DELAY_MS': '0', 'PAPERBOY_CONTACT': 'harvest-test@example.org'}

# --- the fixture server ------------------------------------------------------


class Reply:
    """What the server answers. mode: 'normal'; 'short-cl' (Content-Length
    says more than is sent, then the connection closes); 'close' (no
    Content-Length, the body is cut and the connection closes)."""

    def __init__(self, body=b'', status=200, headers=None, mode='normal', delay=0.0,
                 ctype='text/xml; charset=utf-8'):
        self.body = body.encode() if isinstance(body, str) else body
        self.status, self.headers, self.mode, self.delay = status, headers or {}, mode, delay
        self.ctype = ctype


class Server:
    def __init__(self):
        self.log = []  # dicts: t, path, query, ua, enc, port
        self.handler = lambda req: Reply('no route', 404)
        self.lock = threading.Lock()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *a):
                pass

            def do_GET(self):
                u = urlsplit(self.path)
                req = {'t': time.monotonic(), 'wall': time.time(), 'path': u.path, 'raw_query': u.query,
                       'query': {k: v[0] for k, v in parse_qs(u.query).items()},
                       'ua': self.headers.get('User-Agent', ''),
                       'enc': self.headers.get('Accept-Encoding', ''),
                       'port': self.client_address[1]}
                with outer.lock:
                    outer.log.append(req)
                r = outer.handler(req)
                if r.delay:
                    time.sleep(r.delay)
                body = r.body
                if 'gzip' in r.headers.get('Content-Encoding', ''):
                    body = gzip.compress(body)
                self.send_response(r.status)
                self.send_header('Content-Type', r.ctype)
                for k, v in r.headers.items():
                    self.send_header(k, v)
                if r.mode == 'normal':
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif r.mode == 'short-cl':
                    self.send_header('Content-Length', str(len(body)))
                    self.send_header('Connection', 'close')
                    self.end_headers()
                    self.wfile.write(body[:len(body) // 2])
                    self.close_connection = True
                else:  # 'close': no length, cut short
                    self.send_header('Connection', 'close')
                    self.end_headers()
                    self.wfile.write(body[:len(body) // 2])
                    self.close_connection = True

        # one connection at a time, as arXiv asks: a plain (unthreaded) server
        class Quiet(http.server.HTTPServer):
            def handle_error(self, request, client_address):
                pass  # clients killed mid-response (kill -9 tests)

        self.httpd = Quiet(('127.0.0.1', 0), H)
        self.port = self.httpd.server_address[1]
        self.url = 'http://127.0.0.1:%d' % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reset(self, handler):
        with self.lock:
            self.log = []
        self.handler = handler

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


SERVER = Server()

# --- OAI-PMH 2.0, metadataPrefix arXivRaw -----------------------------------

OAI_NS = ('xmlns="http://www.openarchives.org/OAI/2.0/" '
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
          'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
          'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"')


def oai_doc(inner, request_attrs='verb="ListRecords"', date='2026-11-20T09:30:00Z'):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<OAI-PMH %s>\n<responseDate>%s</responseDate>\n'
            '<request %s>http://export.arxiv.org/oai2</request>\n%s\n</OAI-PMH>\n'
            % (OAI_NS, date, request_attrs, inner))


def raw_record(aid, title, versions=1, datestamp='2026-11-19', sets=('cs',)):
    vs = ''.join('<version version="v%d"><date>%s, %d Nov 2026 1%d:00:00 GMT</date>'
                 '<size>%dkb</size><source_type>D</source_type></version>'
                 % (v, ['Mon', 'Tue', 'Wed'][v % 3], 9 + v, v, 100 + v) for v in range(1, versions + 1))
    return ('<record>\n<header>\n <identifier>oai:arXiv.org:%s</identifier>\n'
            ' <datestamp>%s</datestamp>\n%s</header>\n<metadata>\n'
            ' <arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">\n'
            ' <id>%s</id><submitter>Ada Lovelace</submitter>%s<title>%s</title>'
            '<authors>Ada Lovelace, Charles Babbage (Cambridge)</authors>'
            '<categories>cs.CL cs.LG</categories><comments>9 pages, 3 figures</comments>'
            '<license>http://creativecommons.org/licenses/by/4.0/</license>'
            '<abstract>  We study %s at length.\n</abstract></arXivRaw>\n</metadata>\n</record>\n'
            % (aid, datestamp, ''.join(' <setSpec>%s</setSpec>\n' % s for s in sets),
               aid, vs, title, title.lower()))


def deleted_record(aid, datestamp='2026-11-19'):
    return ('<record>\n<header status="deleted">\n <identifier>oai:arXiv.org:%s</identifier>\n'
            ' <datestamp>%s</datestamp>\n <setSpec>cs</setSpec>\n</header>\n</record>\n'
            % (aid, datestamp))


def token_el(token, cursor, size):
    if token:
        return '<resumptionToken cursor="%d" completeListSize="%d">%s</resumptionToken>' % (
            cursor, size, token)
    return '<resumptionToken cursor="%d" completeListSize="%d"/>' % (cursor, size)


def oai_error(code, text, attrs='verb="ListRecords"'):
    return oai_doc('<error code="%s">%s</error>' % (code, text), attrs)


class OaiList:
    """A ListRecords list cut into pages; tokens look like arXiv's
    ("LISTID|CURSOR") and are stateless, so any token can be asked again."""

    def __init__(self, pages, list_id='7001', date='2026-11-20T09:30:00Z'):
        self.pages, self.list_id, self.date = pages, list_id, date
        self.size = sum(len(p) for p in pages)

    def page_doc(self, i):
        cursor = sum(len(p) for p in self.pages[:i])
        last = i == len(self.pages) - 1
        tok = '' if last else '%s|%d' % (self.list_id, cursor + len(self.pages[i]))
        return oai_doc('<ListRecords>\n%s%s\n</ListRecords>' % (
            ''.join(self.pages[i]), token_el(tok, cursor, self.size)), date=self.date)

    def page_of(self, req):
        """Which page a request asks for (0-based); None for a bad token."""
        q = req['query']
        tok = q.get('resumptionToken')
        if tok is None:
            return 0
        lid, _, cur = tok.partition('|')
        if lid != self.list_id or not cur.isdigit():
            return None
        cur, acc = int(cur), 0
        for i, p in enumerate(self.pages):
            if acc == cur:
                return i
            acc += len(p)
        return None

    def handler(self, overrides=None):
        """overrides: {page index: [Reply, ...]} answered first, in order."""
        overrides = {k: list(v) for k, v in (overrides or {}).items()}

        def h(req):
            if req['path'] != '/oai':
                return Reply('not here', 404)
            i = self.page_of(req)
            if i is None:
                return Reply(oai_error('badResumptionToken', 'The value of the resumptionToken '
                                       'argument is invalid or expired.', 'verb="ListRecords"'))
            if overrides.get(i):
                return overrides[i].pop(0)
            return Reply(self.page_doc(i))
        return h


def ids(prefix, a, b):
    return ['%s.%05d' % (prefix, n) for n in range(a, b)]


def export_ids(db):
    rc, out, err = run('export', '--db', db)
    eq(rc, 0, err)
    got = [json.loads(l)['id'] for l in out.splitlines() if l.strip()]
    return got


def show(db, pid):
    rc, out, err = run('show', pid, '--db', db, '--json')
    return rc, (json.loads(out) if rc == 0 else None)


def summary(out):
    m = re.search(r'added (\d+), updated (\d+), unchanged (\d+), rejected (\d+)', out)
    check(m, 'no summary line in %r' % out)
    return tuple(int(x) for x in m.groups())


def harvest(db, *args, env=FAST, timeout=120):
    return run('harvest', *args, '--db', db, env=env, timeout=timeout)


def simple_list(n_pages=3, per=3, prefix='2611', list_id='7001'):
    pages = []
    for p in range(n_pages):
        pages.append([raw_record(i, 'Paper %s' % i) for i in ids(prefix, p * per + 1, p * per + per + 1)])
    return OaiList(pages, list_id)


# --- OAI-PMH ------------------------------------------------------------------


@test
def oai_token_chain_deleted_record_and_new_version():
    db = new_db('oai_chain')
    pages = [[raw_record(i, 'Paper %s' % i) for i in ids('2611', 1, 4)],
             [raw_record(i, 'Paper %s' % i) for i in ids('2611', 4, 7)],
             [raw_record('2611.00007', 'Paper 7'), deleted_record('2611.00002')]]
    lst = OaiList(pages)
    SERVER.reset(lst.handler())
    rc, out, err = harvest(db, 'arxiv', '--set', 'cs', '--from', '2026-11-01',
                           '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    eq(summary(out), (7, 0, 0, 0), out)
    check('deleted 1' in out, out)
    log = SERVER.log
    eq(len(log), 3)
    eq(log[0]['query'], {'verb': 'ListRecords', 'metadataPrefix': 'arXivRaw', 'set': 'cs',
                         'from': '2026-11-01'})
    # the token goes back exactly as given ('|' percent-encoded), alone with verb
    eq(log[1]['query'], {'verb': 'ListRecords', 'resumptionToken': '7001|3'})
    check('resumptionToken=7001%7C3' in log[1]['raw_query'], log[1]['raw_query'])
    eq(log[2]['query'], {'verb': 'ListRecords', 'resumptionToken': '7001|6'})
    # manners: a descriptive User-Agent with the contact, compression offered,
    # one connection kept alive for the whole list
    check(re.match(r'paperboy/\S+ \(.*mailto:harvest-test@example\.org\)', log[0]['ua']), log[0]['ua'])
    check('gzip' in log[0]['enc'], log[0]['enc'])
    eq(len({r['port'] for r in log}), 1, 'one connection reused')
    got = sorted(export_ids(db))
    eq(got, sorted(set(ids('2611', 1, 8)) - {'2611.00002'}))
    rc, p = show(db, '2611.00001')
    eq(rc, 0)
    eq(p['authors'], ['Ada Lovelace', 'Charles Babbage'])
    eq(p['submitter'], 'Ada Lovelace')
    eq(p['categories'], 'cs.CL cs.LG')
    rc, _ = show(db, '2611.00002')
    eq(rc != 0, True, 'the deleted record is gone')
    eq(stats(db)['deleted'], 1)
    # incremental: the next harvest starts at the day of the last list's
    # responseDate; a new version updates the paper it belongs to
    lst2 = OaiList([[raw_record('2611.00003', 'Paper 2611.00003 revised', versions=2),
                     raw_record('2611.00008', 'Paper 8')]], '7002', date='2026-11-21T09:30:00Z')
    SERVER.reset(lst2.handler())
    rc, out, err = harvest(db, 'arxiv', '--set', 'cs', '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    eq(summary(out), (1, 1, 0, 0))
    eq(SERVER.log[0]['query'].get('from'), '2026-11-20')
    rc, p = show(db, '2611.00003')
    eq(p['version'], 2)
    eq(p['title'], 'Paper 2611.00003 revised')
    # and the one after that starts where this one began
    SERVER.reset(OaiList([[raw_record('2611.00008', 'Paper 8')]], '7003').handler())
    rc, out, err = harvest(db, 'arxiv', '--set', 'cs', '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    eq(summary(out), (0, 0, 1, 0))
    eq(SERVER.log[0]['query'].get('from'), '2026-11-21')
    eq(integrity(db), 'ok')


@test
def oai_503_with_retry_after_is_honoured():
    db = new_db('oai_503')
    lst = simple_list(2)
    busy = Reply('<html><body>Retry after 2 seconds</body></html>', 503,
                 {'Retry-After': '2'}, ctype='text/html')
    SERVER.reset(lst.handler({1: [busy]}))
    rc, out, err = harvest(db, 'arxiv', '--from', '2026-11-01', '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    eq(summary(out), (6, 0, 0, 0))
    log = SERVER.log
    eq(len(log), 3)
    eq(log[1]['query'], log[2]['query'], 'the same page asked again')
    gap = log[2]['t'] - log[1]['t']
    check(gap >= 1.95, 'waited %.2f s after Retry-After: 2' % gap)
    check(gap < 6, 'waited %.2f s' % gap)
    check('Retry-After' in err, err)
    # the other form of Retry-After: an HTTP-date
    from email.utils import formatdate
    # (whole seconds, so the date says exactly when_t; the client may retry
    # at when_t and not before, however long it took to start)
    when_t = int(time.time()) + 4
    when = formatdate(when_t, usegmt=True)
    busy = Reply('<html><body>busy</body></html>', 503, {'Retry-After': when}, ctype='text/html')
    SERVER.reset(lst.handler({0: [busy]}))
    rc, out, err = harvest(new_db('oai_503b'), 'arxiv', '--from', '2026-11-01',
                           '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    eq(len(SERVER.log), 3)
    early = when_t - SERVER.log[1]['wall']
    check(early <= 0.05, 'asked again %.2f s before Retry-After: %s' % (early, when))
    gap = SERVER.log[1]['t'] - SERVER.log[0]['t']
    check(gap < 10, 'waited %.2f s for Retry-After: %s' % (gap, when))


@test
def oai_malformed_xml_mid_stream_retried_then_resumed():
    db = new_db('oai_bad')
    lst = simple_list(3)
    good = lst.page_doc(1)
    # well-formed up to the middle of the second record, then broken markup
    cut = good.index('<record>', good.index('<record>') + 1) + 60
    broken = good[:cut] + '<title>unclosed</abstract>' + good[cut:]
    # once: the page is asked again and the harvest completes
    SERVER.reset(lst.handler({1: [Reply(broken)]}))
    rc, out, err = harvest(db, 'arxiv', '--from', '2026-11-01', '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    eq(summary(out), (9, 0, 0, 0))
    eq(len(SERVER.log), 4)
    check('XML error' in err and 'retrying' in err, err)
    # always broken: gives up after its retries with the first page kept and
    # nothing of the broken one; the next run resumes at the broken page
    db2 = new_db('oai_bad2')
    SERVER.reset(lst.handler({1: [Reply(broken)] * 50}))
    rc, out, err = harvest(db2, 'arxiv', '--from', '2026-11-01', '--base-url', SERVER.url + '/oai')
    eq(rc, 1, err)
    last = err.strip().splitlines()[-1]
    check(last.startswith('paperboy harvest arxiv: ') and 'gave up after 6 attempts' in last
          and 'run again to resume' in last, last)
    eq(sorted(export_ids(db2)), ids('2611', 1, 4))
    eq(len(SERVER.log), 7)  # page 1 + 6 attempts at page 2
    SERVER.reset(lst.handler())
    rc, out, err = harvest(db2, 'arxiv', '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    eq(summary(out), (6, 0, 0, 0))
    eq(SERVER.log[0]['query'], {'verb': 'ListRecords', 'resumptionToken': '7001|3'})
    eq(sorted(export_ids(db2)), ids('2611', 1, 10))


@test
def truncated_bodies_are_asked_again():
    db = new_db('trunc')
    lst = simple_list(3)
    # page 2: Content-Length promises more than comes; page 3: no length,
    # the connection closes in the middle of the XML
    SERVER.reset(lst.handler({1: [Reply(lst.page_doc(1), mode='short-cl')],
                              2: [Reply(lst.page_doc(2), mode='close')]}))
    rc, out, err = harvest(db, 'arxiv', '--from', '2026-11-01', '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    eq(summary(out), (9, 0, 0, 0))
    eq(len(SERVER.log), 5)
    eq(sorted(export_ids(db)), ids('2611', 1, 10))
    # a truncated Daily Papers day, too
    day = [hf_entry('2611.00001', 'Paper 2611.00001', 5)]
    body = json.dumps(day)
    n = {'k': 0}

    def h(req):
        n['k'] += 1
        return Reply(body, mode='close' if n['k'] == 1 else 'normal', ctype='application/json')
    SERVER.reset(h)
    rc, out, err = harvest(db, 'daily', '--date', '2026-11-19', '--base-url', SERVER.url)
    eq(rc, 0, err)
    eq(summary(out), (0, 1, 0, 0))
    eq(len(SERVER.log), 2)


@test
def oai_errors_in_a_200():
    db = new_db('oai_err')
    # noRecordsMatch: an empty harvest, not a failure
    SERVER.reset(lambda req: Reply(oai_error('noRecordsMatch', 'No records match.',
                                             'verb="ListRecords" metadataPrefix="arXivRaw" from="2026-11-19"')))
    rc, out, err = harvest(db, 'arxiv', '--from', '2026-11-19', '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    eq(summary(out), (0, 0, 0, 0))
    eq(len(SERVER.log), 1)
    # badArgument: fails in one line, not asked again
    SERVER.reset(lambda req: Reply(oai_error('badArgument', 'Illegal argument: foo')))
    rc, out, err = harvest(db, 'arxiv', '--from', '2026-11-19', '--base-url', SERVER.url + '/oai')
    eq(rc, 1)
    eq(err.strip(), 'paperboy harvest arxiv: OAI-PMH error badArgument: Illegal argument: foo')
    eq(len(SERVER.log), 1)
    # badResumptionToken: an interrupted list whose token expired starts over
    # from its beginning; what was stored merges as unchanged
    lst = simple_list(3, list_id='7100')
    SERVER.reset(lst.handler({1: [Reply('gone', 404)]}))
    db2 = new_db('oai_badtoken')
    rc, out, err = harvest(db2, 'arxiv', '--from', '2026-11-01', '--base-url', SERVER.url + '/oai')
    eq(rc, 1)
    check('HTTP 404' in err, err)
    eq(len(export_ids(db2)), 3)
    newer = simple_list(3, list_id='7200')  # the server forgot list 7100
    SERVER.reset(newer.handler())
    rc, out, err = harvest(db2, 'arxiv', '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    eq(summary(out), (6, 0, 3, 0))
    q = [r['query'] for r in SERVER.log]
    eq(q[0], {'verb': 'ListRecords', 'resumptionToken': '7100|3'})
    eq(q[1], {'verb': 'ListRecords', 'metadataPrefix': 'arXivRaw', 'from': '2026-11-01'})
    eq(q[2], {'verb': 'ListRecords', 'resumptionToken': '7200|3'})
    check('badResumptionToken' in err, err)
    eq(sorted(export_ids(db2)), ids('2611', 1, 10))


@test
def kill9_midway_then_again_no_gap_no_duplicate():
    """kill -9 a harvest at random moments; each run resumes at the first
    page not committed (asked by its token), and the end result is exactly
    the expected set of papers."""
    n_pages, per = 10, 5
    lst = simple_list(n_pages, per, prefix='2610', list_id='7300')
    expected = ids('2610', 1, n_pages * per + 1)

    def slow(req):
        r = lst.handler()(req)
        r.delay = 0.25
        return r
    SERVER.reset(slow)
    db = new_db('kill')
    rng = random.Random(int(os.environ.get('PB_CRASH_SEED', '8')))
    env = dict(os.environ)
    env.update(FAST)
    env.pop('PAPERBOY_DB', None)
    kills, resumed_at = 0, []
    for i in range(6):
        before = len(export_ids(db)) if is_pg(db) or os.path.exists(db) else 0
        if before == len(expected):
            break
        SERVER.reset(slow)
        p = subprocess.Popen([BIN, 'harvest', 'arxiv', '--db', db, '--from', '2026-10-01',
                              '--base-url', SERVER.url + '/oai'],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.3, 1.2))
        p.send_signal(signal.SIGKILL)
        p.wait()
        kills += 1
        eq(integrity(db), 'ok')
        # the run began where the store said: page before/per + 1
        first = SERVER.log[0]['query'] if SERVER.log else None
        if first is not None:
            want = ({'verb': 'ListRecords', 'resumptionToken': '7300|%d' % before} if before
                    else {'verb': 'ListRecords', 'metadataPrefix': 'arXivRaw', 'from': '2026-10-01'})
            eq(first, want, 'run %d began at the first page not stored' % i)
            resumed_at.append(before)
        got = export_ids(db)
        eq(len(got), len(set(got)), 'no duplicate')
        eq(sorted(got), expected[:len(got)], 'no gap: whole pages in order')
        eq(len(got) % per, 0, 'pages are all or nothing')
    check(kills >= 3, kills)
    SERVER.reset(lst.handler())
    before = len(export_ids(db))
    rc, out, err = harvest(db, 'arxiv', '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    a, u, n, r = summary(out)
    eq(a, len(expected) - before, 'only the pages not stored were added')
    eq(sorted(export_ids(db)), expected)
    eq(stats(db)['papers'], len(expected))
    eq(integrity(db), 'ok')
    print('  stored before each run: %s' % resumed_at)


@test
def sigint_stops_between_pages_and_the_next_run_resumes():
    db = new_db('sigint')
    lst = simple_list(6, list_id='7400')

    def slow(req):
        r = lst.handler()(req)
        r.delay = 0.6
        return r
    SERVER.reset(slow)
    env = dict(os.environ)
    env.update(FAST)
    p = subprocess.Popen([BIN, 'harvest', 'arxiv', '--db', db, '--from', '2026-11-01',
                          '--base-url', SERVER.url + '/oai'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # interrupt once a first page is committed (not after a fixed 1.5 s:
    # under a load average of 17 nothing was committed yet)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60 and p.poll() is None:
        time.sleep(0.2)
        try:
            if is_pg(db):  # no papers table until the store is made
                n = sql_one(db, 'SELECT count(*) FROM papers')[0]
            else:  # read-only: never make the file before paperboy does
                c = sqlite3.connect('file:%s?mode=ro' % db, uri=True,
                                    timeout=5)
                n = c.execute('SELECT count(*) FROM papers').fetchone()[0]
                c.close()
        except (sqlite3.Error, AssertionError):
            continue
        if n > 0:
            break
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    out, err = out.decode(), err.decode()
    check(time.monotonic() - t0 < 3, 'stops within a few seconds')
    eq(p.returncode, 130, err)
    check('interrupted: run again to resume' in out, out)
    a, u, n, r = summary(out)
    got = export_ids(db)
    eq(len(got), a)
    check(0 < a < 18, a)
    SERVER.reset(lst.handler())
    rc, out, err = harvest(db, 'arxiv', '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    eq(summary(out)[0], 18 - a)
    eq(SERVER.log[0]['query'], {'verb': 'ListRecords', 'resumptionToken': '7400|%d' % a})
    eq(sorted(export_ids(db)), ids('2611', 1, 19))


@test
def default_delay_measured():
    """No delay override: arXiv's 3 s between requests. 3 requests take
    at least 6 s."""
    db = new_db('delay')
    lst = simple_list(3)
    SERVER.reset(lst.handler())
    env = {'PAPERBOY_CONTACT': 'harvest-test@example.org'}
    t0 = time.monotonic()
    rc, out, err = harvest(db, 'arxiv', '--from', '2026-11-01', '--base-url', SERVER.url + '/oai',
                           env=env)
    took = time.monotonic() - t0
    eq(rc, 0, err)
    log = SERVER.log
    eq(len(log), 3)
    gaps = [log[i + 1]['t'] - log[i]['t'] for i in range(2)]
    check(all(g >= 2.95 for g in gaps), gaps)
    check(log[2]['t'] - log[0]['t'] >= 5.9 and took >= 6.0, (gaps, took))
    print('  gaps %.2f s, %.2f s; whole run %.2f s' % (gaps[0], gaps[1], took))


# --- no network, limits, redirects, compression --------------------------------


def closed_port():
    import socket
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


@test
def no_network_fails_in_one_line():
    db = new_db('nonet')
    url = 'http://127.0.0.1:%d' % closed_port()
    for args in (['daily', '--days', '1', '--base-url', url],
                 ['arxiv', '--base-url', url + '/oai'],
                 ['arxiv-api', '--query', 'cat:cs.CL', '--base-url', url]):
        t0 = time.monotonic()
        rc, out, err = harvest(db, *args)
        eq(rc, 1, (args, err))
        lines = err.strip().splitlines()
        eq(len(lines), 1, lines)
        check(re.match(r'paperboy harvest \S+: cannot reach 127\.0\.0\.1:\d+: .*\(no network\?\)$',
                       lines[0]), lines[0])
        eq(out, '')
        check(time.monotonic() - t0 < 10, 'no long backoff when there is no network')


@test
def response_size_cap_redirect_and_gzip():
    db = new_db('limits')
    lst = simple_list(1)
    doc = lst.page_doc(0)

    def h(req):
        if req['path'] == '/old':
            return Reply('', 301, {'Location': '/oai?' + req['raw_query']})
        if req['path'] == '/oai':
            return Reply(doc, headers={'Content-Encoding': 'gzip'})
        return Reply('no', 404)
    SERVER.reset(h)
    rc, out, err = harvest(db, 'arxiv', '--from', '2026-11-01', '--base-url', SERVER.url + '/old')
    eq(rc, 0, err)
    eq(summary(out), (3, 0, 0, 0))
    eq([r['path'] for r in SERVER.log], ['/old', '/oai'])
    # the cap counts decoded bytes (a gzip bomb cannot get past it), and a
    # response over it is not asked again
    SERVER.reset(h)
    rc, out, err = harvest(new_db('cap'), 'arxiv', '--from', '2026-11-01',
                           '--max-bytes', '1000', '--base-url', SERVER.url + '/oai')
    eq(rc, 1)
    check('over the 1000-byte limit' in err, err)
    eq(len(SERVER.log), 1)
    # a slow server: the whole-request timeout, then backoff and retries
    SERVER.reset(lambda req: Reply(doc, delay=2.5) if len(SERVER.log) == 1 else Reply(doc))
    rc, out, err = harvest(new_db('slow'), 'arxiv', '--from', '2026-11-01', '--timeout', '1',
                           '--base-url', SERVER.url + '/oai', timeout=60)
    eq(rc, 0, err)
    check('timed out' in err.lower() or 'timeout' in err.lower(), err)


@test
def lowering_the_delay_needs_loopback_and_usage_errors():
    db = new_db('usage')
    rc, out, err = harvest(db, 'nowhere')
    eq(rc, 2)
    rc, out, err = harvest(db, 'arxiv-api')
    eq(rc, 2)
    check('--query is required' in err, err)
    rc, out, err = harvest(db, 'daily', '--date', '2026-11-01', '--days', '2')
    eq(rc, 2)
    rc, out, err = harvest(db, 'arxiv', '--contact', 'x@y\r\nX-Evil: 1')
    eq(rc, 2)
    rc, out, err = harvest(db, 'arxiv', '--from', 'yesterday', '--base-url', SERVER.url + '/oai')
    eq(rc, 1)
    check('not a day' in err, err)
    rc, out, err = run('harvest', '--help')
    eq(rc, 0)
    check('arxiv-api' in out, out)


# --- the arXiv API (Atom) -------------------------------------------------------


def atom_feed(entries, start, total):
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            '  <link href="http://arxiv.org/api/query?search_query%%3Dcat%%3Acs.CL%%26id_list%%3D'
            '%%26start%%3D%d%%26max_results%%3D100" rel="self" type="application/atom+xml"/>\n'
            '  <title type="html">ArXiv Query: search_query=cat:cs.CL&amp;id_list=&amp;start=%d'
            '&amp;max_results=100</title>\n'
            '  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>\n'
            '  <updated>2026-11-20T00:00:00-05:00</updated>\n'
            '  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">%d'
            '</opensearch:totalResults>\n'
            '  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">%d'
            '</opensearch:startIndex>\n'
            '  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">100'
            '</opensearch:itemsPerPage>\n' % (start, start, total, start))
    body = ''
    for aid in entries:
        body += ('  <entry>\n    <id>http://arxiv.org/abs/%sv1</id>\n'
                 '    <updated>2026-11-18T18:00:00Z</updated>\n'
                 '    <published>2026-11-18T18:00:00Z</published>\n'
                 '    <title>Atom paper %s</title>\n'
                 '    <summary>  An abstract of %s.\n</summary>\n'
                 '    <author>\n      <name>Grace Hopper</name>\n    </author>\n'
                 '    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">12 pages</arxiv:comment>\n'
                 '    <link href="http://arxiv.org/abs/%sv1" rel="alternate" type="text/html"/>\n'
                 '    <link title="pdf" href="http://arxiv.org/pdf/%sv1" rel="related" type="application/pdf"/>\n'
                 '    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.CL" '
                 'scheme="http://arxiv.org/schemas/atom"/>\n'
                 '    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>\n'
                 '  </entry>\n' % (aid, aid, aid, aid, aid))
    return head + body + '</feed>\n'


@test
def arxiv_api_pages_by_start_and_max_results():
    db = new_db('api')
    all_ids = ids('2611', 1, 231)  # 230 results in all

    def h(req):
        if req['path'] != '/api/query':
            return Reply('no', 404)
        q = req['query']
        start, n = int(q['start']), int(q['max_results'])
        return Reply(atom_feed(all_ids[start:start + n], start, len(all_ids)),
                     ctype='application/atom+xml; charset=UTF-8')
    SERVER.reset(h)
    rc, out, err = harvest(db, 'arxiv-api', '--query', 'cat:cs.CL AND ti:"language model"',
                           '--max', '150', '--base-url', SERVER.url)
    eq(rc, 0, err)
    eq(summary(out), (150, 0, 0, 0))
    q = [r['query'] for r in SERVER.log]
    eq([(x['start'], x['max_results']) for x in q], [('0', '100'), ('100', '50')])
    eq(q[0]['search_query'], 'cat:cs.CL AND ti:"language model"')
    rc, p = show(db, '2611.00007')
    eq(p['title'], 'Atom paper 2611.00007')
    eq(p['authors'], ['Grace Hopper'])
    # past the end: a short page ends the pull
    SERVER.reset(h)
    rc, out, err = harvest(db, 'arxiv-api', '--query', 'cat:cs.CL', '--max', '1000',
                           '--base-url', SERVER.url)
    eq(rc, 0, err)
    eq(summary(out), (80, 0, 150, 0))
    eq(len(SERVER.log), 3)


# --- Daily Papers ------------------------------------------------------------------


def hf_entry(aid, title, upvotes, repo=None, submitter='taesiri', day='2026-11-19'):
    paper = {
        'id': aid,
        'authors': [{'_id': '6a87afc589e517cbfd75dbcf', 'name': 'Chengsong Huang', 'hidden': False},
                    {'_id': '6a87afc589e517cbfd75dbd0', 'name': 'Zifeng Wang', 'hidden': False}],
        'publishedAt': '2026-11-17T00:00:00.000Z',
        'submittedOnDailyAt': day + 'T00:00:00.000Z',
        'title': title,
        'submittedOnDailyBy': {'_id': '6039478ab3ecf716b1a5fd4d', 'avatarUrl': 'https://cdn-avatars.huggingface.co/x.jpeg',
                               'isPro': True, 'fullname': submitter, 'user': submitter, 'type': 'user',
                               'name': submitter},
        'summary': 'We study %s at length.' % title.lower(),
        'upvotes': upvotes,
        'discussionId': '6a87afc589e517cbfd75dbe0',
        'ai_summary': 'A one-line summary of %s.' % title,
        'ai_keywords': ['LLM agents', 'reinforcement learning'],
        'githubStars': 8,
    }
    if repo:
        paper['githubRepo'] = repo
        paper['githubRepoAddedBy'] = 'user'
    return {'paper': paper, 'publishedAt': '2026-11-18T20:00:00.000Z', 'title': title,
            'summary': paper['summary'],
            'thumbnail': 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/%s.png' % aid,
            'numComments': 2,
            'submittedBy': {'_id': '6039478ab3ecf716b1a5fd4d', 'avatarUrl': 'https://cdn-avatars.huggingface.co/x.jpeg',
                            'fullname': submitter, 'name': submitter, 'type': 'user', 'isPro': True,
                            'isHf': False, 'isHfAdmin': False, 'isMod': False, 'followerCount': 362,
                            'isUserFollowing': False},
            'isAuthorParticipating': False}


@test
def daily_day_with_known_and_unknown_papers():
    db = new_db('daily')
    # the store knows 2611.00001 and 2611.00002 from arXiv
    SERVER.reset(OaiList([[raw_record(i, 'Paper %s' % i) for i in ids('2611', 1, 3)]]).handler())
    rc, out, err = harvest(db, 'arxiv', '--from', '2026-11-01', '--base-url', SERVER.url + '/oai')
    eq(rc, 0, err)
    days = {
        '2026-11-19': [hf_entry('2611.00001', 'Paper 2611.00001', 163,
                                'https://github.com/google-research/envharness'),
                       hf_entry('2611.00099', 'A paper arXiv has not told us of', 12)],
        '2026-11-20': [],
    }

    def h(req):
        if req['path'] != '/api/daily_papers':
            return Reply('no', 404)
        d = req['query'].get('date')
        if d not in days:
            return Reply('{"error":"Invalid date"}', 400, ctype='application/json')
        return Reply(json.dumps(days[d]), ctype='application/json; charset=utf-8')
    SERVER.reset(h)
    rc, out, err = harvest(db, 'daily', '--date', '2026-11-19', '--base-url', SERVER.url + '/')
    eq(rc, 0, err)
    eq(summary(out), (1, 1, 0, 0))
    eq([r['query'] for r in SERVER.log], [{'date': '2026-11-19'}])
    rc, p = show(db, '2611.00001')
    eq(p['upvotes'], 163)
    eq(p['github_repo'], 'https://github.com/google-research/envharness')
    eq(p['listed_day'], '2026-11-19')
    eq(p['submitter'], 'taesiri', 'who put it on Daily Papers')
    eq(p['authors'], ['Ada Lovelace', 'Charles Babbage'], 'arXiv authors kept')
    check('hf-daily' in p['sources'] and 'oai' in p['sources'], p['sources'])
    rc, p = show(db, '2611.00099')
    eq(rc, 0)
    eq(p['upvotes'], 12)
    eq(p['submitter'], 'taesiri')
    # the same day again: unchanged; a later count of upvotes merges in
    days['2026-11-19'][1]['paper']['upvotes'] = 40
    SERVER.reset(h)
    rc, out, err = harvest(db, 'daily', '--date', '2026-11-19', '--base-url', SERVER.url)
    eq(rc, 0, err)
    eq(summary(out), (0, 1, 1, 0))
    rc, p = show(db, '2611.00099')
    eq(p['upvotes'], 40)
    # --days N asks for the last N days up to today (UTC), oldest first
    SERVER.reset(lambda req: Reply('[]', ctype='application/json'))
    rc, out, err = harvest(db, 'daily', '--days', '3', '--base-url', SERVER.url)
    eq(rc, 0, err)
    today = time.gmtime()
    want = [time.strftime('%Y-%m-%d', time.gmtime(time.time() - 86400 * k)) for k in (2, 1, 0)]
    eq([r['query']['date'] for r in SERVER.log], want)
    eq(summary(out), (0, 0, 0, 0))
    # a day the server refuses: one line, exit 1
    SERVER.reset(h)
    rc, out, err = harvest(db, 'daily', '--date', '2030-01-01', '--base-url', SERVER.url)
    eq(rc, 1)
    eq(err.strip(), 'paperboy harvest daily: 127.0.0.1:%d: HTTP 400' % SERVER.port)


@test
def arxiv_fill_categories_for_daily_papers():
    """Daily Papers brings no categories: arxiv-fill asks the arXiv API by
    id_list, 100 ids a request at most, honours Retry-After, and keeps what
    Daily Papers said (upvotes, listing, submitter)."""
    db = new_db('fill')
    day_ids = ids('2611', 201, 351)  # 150 papers listed on one day
    day = [hf_entry(a, 'Daily %s' % a, 7) for a in day_ids]
    SERVER.reset(lambda req: Reply(json.dumps(day), ctype='application/json'))
    rc, out, err = harvest(db, 'daily', '--date', '2026-11-19', '--base-url', SERVER.url)
    eq(rc, 0, err)
    rc, p = show(db, day_ids[0])
    eq(p.get('categories'), None)
    unknown = day_ids[-1]   # arXiv answers no entry for it
    first = {'done': False}

    def h(req):
        if req['path'] != '/api/query':
            return Reply('no', 404)
        if not first['done']:
            first['done'] = True
            return Reply('busy', 503, headers={'Retry-After': '1'})
        asked = req['query']['id_list'].split(',')
        return Reply(atom_feed([a for a in asked if a != unknown], 0, len(asked)),
                     ctype='application/atom+xml; charset=UTF-8')
    SERVER.reset(h)
    rc, out, err = harvest(db, 'arxiv-fill', '--base-url', SERVER.url)
    eq(rc, 0, err)
    eq(summary(out), (0, 149, 0, 0))
    lists = [r['query']['id_list'].split(',') for r in SERVER.log]
    eq([len(x) for x in lists], [100, 100, 50], 'a 503, then 100 and 50 ids')
    check(SERVER.log[1]['t'] - SERVER.log[0]['t'] >= 0.95, 'Retry-After: 1 honoured')
    eq(sorted(lists[1] + lists[2]), sorted(day_ids))
    rc, p = show(db, day_ids[0])
    eq(p['categories'], 'cs.CL')
    eq(p['authors'], ['Grace Hopper'], "arXiv's author list")
    eq(p['upvotes'], 7)
    eq(p['listed_day'], '2026-11-19')
    eq(p['submitter'], 'taesiri')
    rc, p = show(db, unknown)
    eq(p.get('categories'), None)
    # the next run starts over and asks only what is still missing
    SERVER.reset(h)
    rc, out, err = harvest(db, 'arxiv-fill', '--base-url', SERVER.url)
    eq(rc, 0, err)
    eq([r['query']['id_list'] for r in SERVER.log], [unknown])
    # --max bounds a run
    SERVER.reset(h)
    rc, out, err = harvest(db, 'arxiv-fill', '--max', '1', '--base-url', SERVER.url)
    eq(rc, 0, err)
    eq(len(SERVER.log), 1)


@test
def demo_script_without_network():
    script = os.path.join(ROOT, 'scripts', 'demo-harvest.sh')
    check(os.access(script, os.X_OK), script)
    env = dict(os.environ)
    env['PAPERBOY_DEMO_BASE_URL'] = 'http://127.0.0.1:%d' % closed_port()
    env['PAPERBOY_BIN'] = BIN
    env['DEMO_DB'] = Tmp.path('demo.db')
    p = subprocess.run(['bash', script], capture_output=True, env=env, timeout=60, cwd=Tmp.dir)
    eq(p.returncode, 0, 'the demo goes on')
    lines = (p.stdout + p.stderr).decode().strip().splitlines()
    eq(len(lines), 1, lines)
    check('live harvest' in lines[0] and 'bundled sample' in lines[0], lines[0])


if __name__ == '__main__':
    try:
        main()
    finally:
        SERVER.close()
