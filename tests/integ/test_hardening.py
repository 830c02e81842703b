"""test_hardening.py - issue 15 items 3, 4(a) and 5 against the real server:
request smuggling (CL+TE, two Content-Lengths) refused with 400 and the
connection closed, 413 for a body over the limit, one status line per
error; a per-address connection cap and a total deadline on headers; a
damaged or truncated index that must not take search or the server down."""
import os, random, re, shutil, signal, socket, struct, subprocess, sys, time
import urllib.error, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pbtest import BIN, ROOT, Tmp, check, eq, main, run, test  # noqa: E402

SAMPLE = os.path.join(ROOT, 'data', 'sample')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


_db = None


def sample_db():
    """The bundled sample imported once, with its index."""
    global _db
    if _db is None:
        _db = Tmp.path('sample.db')
        rc, _, err = run('import', '--db', _db, SAMPLE)
        check(rc == 0, err)
        rc, _, err = run('reindex', '--db', _db)
        check(rc == 0, err)
    return _db


def copy_db(name):
    """A private copy of the sample store and its index."""
    src = sample_db()
    dst = Tmp.path(name)
    shutil.copy(src, dst)
    shutil.copy(src + '.idx', dst + '.idx')
    return dst


class Server:
    def __init__(self, db, *extra):
        self.port = free_port()
        self.err = open(Tmp.path('serve-%d.err' % self.port), 'w+')
        self.proc = subprocess.Popen(
            [BIN, 'serve', '--db', db, '--port', str(self.port), '--threads',
             '2', '--access-log', 'off'] + list(extra),
            stdout=subprocess.DEVNULL, stderr=self.err)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url('/subscribe'), timeout=2)
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError('server did not start: ' + self.stderr())

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def get(self, path, timeout=20):
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def alive(self):
        return self.proc.poll() is None

    def stderr(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def raw(port, data, wait=3.0, src='127.0.0.1'):
    """Send data on one connection; everything read until the server closes
    (or wait seconds of silence), and whether it closed."""
    s = socket.socket()
    s.bind((src, 0))
    s.connect(('127.0.0.1', port))
    s.sendall(data)
    s.settimeout(wait)
    out, closed = b'', False
    try:
        while True:
            b = s.recv(65536)
            if not b:
                closed = True
                break
            out += b
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    s.close()
    return out, closed


def status_lines(out):
    return re.findall(rb'HTTP/1\.[01] (\d\d\d)', out)


NEXT = b'GET /subscribe HTTP/1.1\r\nHost: x\r\n\r\n'
FORM = b'Content-Type: application/x-www-form-urlencoded\r\n'

_srv = None


def server():
    global _srv
    if _srv is None:
        _srv = Server(sample_db(), '--per-ip-limit', '20',
                      '--header-timeout', '3')
    return _srv


# --- item 5: request smuggling -----------------------------------------------

@test
def smuggling_cl_and_te_refused_and_closed():
    out, closed = raw(server().port,
                      b'POST /login HTTP/1.1\r\nHost: x\r\n' + FORM +
                      b'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n'
                      b'\r\n0\r\n\r\n' + NEXT)
    eq(status_lines(out), [b'400'], out[:200])
    check(closed, 'connection left open')
    check(b'Connection: close' in out)


@test
def smuggling_te_then_cl_on_get_refused():
    out, closed = raw(server().port,
                      b'GET /subscribe HTTP/1.1\r\nHost: x\r\n'
                      b'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n'
                      b'\r\n0\r\n\r\n' + NEXT)
    eq(status_lines(out), [b'400'], out[:200])
    check(closed)


@test
def smuggling_two_content_lengths_refused_and_closed():
    out, closed = raw(server().port,
                      b'POST /login HTTP/1.1\r\nHost: x\r\n' + FORM +
                      b'Content-Length: 4\r\nContent-Length: 40\r\n\r\n'
                      b'a=bc' + NEXT)
    eq(status_lines(out), [b'400'], out[:200])
    check(closed)


@test
def smuggling_transfer_encoding_other_than_chunked_refused():
    out, closed = raw(server().port,
                      b'POST /login HTTP/1.1\r\nHost: x\r\n' + FORM +
                      b'Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n' +
                      NEXT)
    eq(status_lines(out), [b'400'], out[:200])
    check(closed)


@test
def pipelined_requests_still_served():
    out, _ = raw(server().port, NEXT + NEXT, wait=1.5)
    eq(status_lines(out), [b'200', b'200'])


@test
def body_over_limit_gets_413_not_a_reset():
    body = b'a=' + b'x' * 100000
    out, closed = raw(server().port,
                      b'POST /login HTTP/1.1\r\nHost: x\r\n' + FORM +
                      b'Content-Length: %d\r\n\r\n' % len(body) + body)
    eq(status_lines(out), [b'413'], out[:200])
    check(closed)


@test
def body_over_limit_with_expect_continue_gets_413_at_once():
    out, closed = raw(server().port,
                      b'POST /login HTTP/1.1\r\nHost: x\r\n' + FORM +
                      b'Content-Length: 100000\r\nExpect: 100-continue\r\n'
                      b'\r\n')
    eq(status_lines(out), [b'413'], out[:200])
    check(closed)


@test
def chunked_body_over_limit_gets_413_and_next_not_served():
    chunk = b'4000\r\n' + b'a' * 0x4000 + b'\r\n'
    out, closed = raw(server().port,
                      b'POST /login HTTP/1.1\r\nHost: x\r\n' + FORM +
                      b'Transfer-Encoding: chunked\r\n\r\n' + chunk * 6 +
                      b'0\r\n\r\n' + NEXT)
    eq(status_lines(out), [b'413'], out[:200])
    check(closed)


# --- item 4(a): one client must not starve everyone --------------------------

@test
def per_address_cap_leaves_room_for_others():
    srv = server()
    socks = []
    try:
        for _ in range(30):  # cap is 20
            s = socket.create_connection(('127.0.0.1', srv.port))
            s.sendall(b'GET / HTTP/1.1\r\n')  # and never finish
            socks.append(s)
        time.sleep(0.5)
        refused = 0
        for s in socks:
            s.settimeout(0.05)
            try:
                if s.recv(10) == b'':
                    refused += 1
            except socket.timeout:
                pass
            except ConnectionResetError:
                refused += 1
        eq(refused, 10, 'connections over the cap of 20')
        # another address (all of 127/8 is loopback) is served at once
        t = time.time()
        out, _ = raw(srv.port, NEXT.replace(b'\r\n\r\n',
                                            b'\r\nConnection: close\r\n\r\n'),
                     src='127.0.0.2', wait=5)
        eq(status_lines(out), [b'200'])
        check(time.time() - t < 5)
    finally:
        for s in socks:
            s.close()
    time.sleep(0.3)
    # and the address gets its connections back once they are closed
    eq(srv.get('/subscribe')[0], 200)


@test
def headers_trickled_are_cut_by_the_total_deadline():
    srv = server()
    s = socket.socket()
    s.bind(('127.0.0.3', 0))
    s.connect(('127.0.0.1', srv.port))
    t = time.time()
    closed_after = None
    for ch in b'GET /subscribe HTTP/1.1\r\nX-Slow: ' + b'a' * 40:
        try:
            s.sendall(bytes([ch]))
            s.settimeout(0.5)  # one byte every half second: never idle
            if s.recv(100) == b'':
                closed_after = time.time() - t
                break
        except socket.timeout:
            pass
        except (ConnectionResetError, BrokenPipeError):
            closed_after = time.time() - t
            break
    s.close()
    check(closed_after is not None, 'still open after 20 s of trickling')
    check(2.5 <= closed_after < 10, 'closed after %.1f s' % closed_after)
    eq(srv.get('/subscribe')[0], 200)


# --- item 3: a damaged index must not crash search or the server -------------

HDR = dict(n_docs=8, n_terms=12, n_slots=16, n_cats=20, cat_off=176, cats=184,
           id_off=192, strings=240, terms=224, size=256)


def hdr_u64(path, field):
    with open(path, 'rb') as f:
        f.seek(HDR[field])
        return struct.unpack('<Q', f.read(8))[0]


def poke(path, off, data):
    with open(path, 'r+b') as f:
        f.seek(off)
        f.write(data)


def term_off(idx, word):
    """Where the postings of the (stemmed) word start in the file."""
    data = open(idx, 'rb').read()
    n_terms = struct.unpack_from('<I', data, HDR['n_terms'])[0]
    terms = hdr_u64(idx, 'terms')
    strings = hdr_u64(idx, 'strings')
    for k in range(n_terms):
        off, df, nblk, maxtf, so, sl, _ = struct.unpack_from(
            '<QIIfIII', data, terms + 32 * k)
        if data[strings + so:strings + so + sl] == word:
            return off
    raise AssertionError('no term %r' % word)


def cli_search(db, q='title:language'):
    rc, out, err = run('search', '--db', db, q, '--limit', '5')
    check(rc >= 0, 'search died of signal %d: %s' % (-rc, err[-1500:]))
    return rc, out, err


def search_page_ok(db):
    """Serve db, GET /search?q=title:language: the server answers and stays
    up; its stderr."""
    srv = Server(db)
    try:
        st, body = srv.get('/search?q=title%3Alanguage')
        eq(st, 200, body[:300])
        st, body = srv.get('/api/papers/search?q=language')
        eq(st, 200, body[:300])
        check(srv.alive(), 'server died: ' + srv.stderr()[-1500:])
    finally:
        eq(srv.stop(), 0, srv.stderr()[-1500:])
    return srv.stderr()


@test
def damaged_header_strings_offset_refused():
    db = copy_db('strings.db')
    poke(db + '.idx', HDR['strings'], struct.pack('<Q', 1 << 40))
    rc, out, err = cli_search(db)
    eq(rc, 1, out + err)
    check('damaged' in err and 'reindex' in err, err)
    log = search_page_ok(db)
    check('damaged' in log and 'in memory' in log, log)


@test
def damaged_category_offsets_refused():
    db = copy_db('catoff.db')
    idx = db + '.idx'
    off = hdr_u64(idx, 'cat_off')
    # paper 10's category offset far past the categories
    poke(idx, off + 4 * 10, struct.pack('<I', 0x7fffff00))
    rc, out, err = cli_search(db, 'cat:cs.CL language')
    eq(rc, 1, out + err)
    check('damaged' in err and 'per-paper offsets' in err, err)
    search_page_ok(db)


@test
def damaged_term_text_offset_refused():
    db = copy_db('termstr.db')
    idx = db + '.idx'
    terms = hdr_u64(idx, 'terms')
    poke(idx, terms + 20, struct.pack('<I', 0xfffffff0))  # term 0's str_off
    rc, out, err = cli_search(db)
    eq(rc, 1, out + err)
    check("a term's text" in err, err)


@test
def damaged_postings_read_as_absent_not_a_crash():
    db = copy_db('postings.db')
    idx = db + '.idx'
    off = term_off(idx, b'languag')
    # the term's first block: its data far past the end of the file
    poke(idx, off + 4, struct.pack('<I', 0x7ffffff0))
    rc, out, err = cli_search(db, 'language model')
    eq(rc, 0, err)
    srv = Server(db)
    try:
        for q in ['language', 'model', 'title%3Alanguage', 'a', 'the']:
            eq(srv.get('/search?q=' + q)[0], 200)
        check(srv.alive())
    finally:
        eq(srv.stop(), 0, srv.stderr()[-1500:])


@test
def random_byte_changes_never_crash_search():
    src = copy_db('random-src.db')
    idx = src + '.idx'
    size = os.path.getsize(idx)
    orig = open(idx, 'rb').read()
    rnd = random.Random(15)
    refused = 0
    for i in range(60):
        data = bytearray(orig)
        for _ in range(rnd.choice([1, 1, 2, 8])):
            data[rnd.randrange(size)] = rnd.randrange(256)
        with open(idx, 'wb') as f:
            f.write(data)
        for q in ['title:language', 'model cat:cs.CL', '"language model"']:
            rc, out, err = cli_search(src, q)
            refused += rc != 0
    check(refused > 0, 'no change was noticed at all')


@test
def index_truncated_under_running_server():
    db = copy_db('trunc.db')
    srv = Server(db)
    try:
        eq(srv.get('/search?q=title%3Alanguage')[0], 200)
        eq(srv.get('/search?q=model')[0], 200)
        with open(db + '.idx', 'r+b') as f:
            f.truncate(4096)
        for q in ['title%3Alanguage', 'model', 'learning', 'the+data',
                  '%22large+language%22', 'cat%3Acs.CL']:
            eq(srv.get('/search?q=' + q)[0], 200)
        with open(db + '.idx', 'r+b') as f:  # rewritten in place
            f.write(b'\xff' * 4096)
        eq(srv.get('/search?q=neural')[0], 200)
        check(srv.alive(), srv.stderr()[-1500:])
    finally:
        eq(srv.stop(), 0, srv.stderr()[-1500:])



@test
def vector_and_graph_files_truncated_under_running_server():
    db = copy_db('vec.db')
    for args in (['train-vectors', '--db', db, '--min-count', '2', '--epochs',
                  '2', '--dim', '16'], ['embed', '--db', db]):
        rc, out, err = run(*args)
        eq(rc, 0, err)
    srv = Server(db)
    try:
        st, body = srv.get('/api/papers?limit=3')
        eq(st, 200, body[:200])
        ids = [p['id'] for p in __import__('json').loads(body)['papers']]
        paths = ['/api/papers/%s/similar' % i for i in ids] + [
            '/search?q=language&mode=semantic',
            '/api/papers/search?q=model&mode=hybrid']
        for p in paths:
            eq(srv.get(p)[0], 200, p)
        for ext in ('.vec', '.hnsw', '.wv'):
            with open(db + ext, 'r+b') as f:
                f.truncate(0)
        for p in paths + ['/search?q=data&mode=semantic']:
            eq(srv.get(p)[0], 200, p)
        check(srv.alive(), srv.stderr()[-1500:])
    finally:
        eq(srv.stop(), 0, srv.stderr()[-1500:])


@test
def zz_stop_server():
    if _srv is not None:
        eq(_srv.stop(), 0, _srv.stderr()[-2000:])


if __name__ == '__main__':
    main()
