"""Integration tests of `paperboy import` and the commands around it, run
on the real binary with real files: ../shared/data (read by path; the
bundled sample data/sample stands in where a few real papers do, and the
tests that need the whole corpora are skipped without it) and hand-made
fixtures written here."""
import ast
import glob, json, lzma, os, re, signal, sqlite3, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pbtest import *

HF = os.path.join(DATA, 'hf-daily')
ARXIV = sorted(glob.glob(os.path.join(DATA, 'arxiv', '*.jsonl.xz')))
SAMPLE_HF = os.path.join(SAMPLE, 'hf-daily')
SAMPLE_ARXIV = os.path.join(SAMPLE, 'arxiv', 'arxiv-sample.jsonl')


def arxiv_chunks(n=None):
    """The real arXiv chunks (all, or the first N); Skip without them."""
    if not ARXIV:
        raise Skip('needs the arXiv chunks of ../shared/data/arxiv')
    return ARXIV[:n] if n else ARXIV


def hf_expected(files):
    ids, nonobj = set(), 0
    for f in files:
        d = json.load(open(f))
        if isinstance(d, dict):
            d = d['data']
        for e in d:
            if isinstance(e, str):  # a Python repr (Dec 2024): read it
                nonobj += 1
                e = ast.literal_eval(e)
            ids.add(e['paper']['id'])
    return len(ids), nonobj


def summary(out):
    m = re.search(r'added (\d+), updated (\d+), unchanged (\d+), rejected (\d+)', out)
    check(m, 'no summary line in %r' % out)
    return tuple(int(x) for x in m.groups())


@test
def hf_daily_whole_archive():
    need_data('hf-daily')
    db = Tmp.path('hf.db')
    rc, out, err = run('import', '--db', db, HF)
    distinct, nonobj = hf_expected(sorted(glob.glob(os.path.join(HF, '*.json'))))
    eq(nonobj, 300, 'the Python repr entries of Dec 2024 to Jan 2025')
    eq(rc, 0, 'nothing rejected: the repr entries are read too')
    a, u, n, r = summary(out)
    eq(r, 0)
    eq(a, distinct)
    s = stats(db)
    eq(s['papers'], distinct)
    eq(s['listings'], 9881, 'one listing per entry: re-listed papers too')
    eq(err.strip(), '')
    # importing again changes nothing
    rc, out, err = run('import', '--db', db, HF)
    a2, u2, n2, r2 = summary(out)
    eq((a2, u2, r2), (0, 0, 0))
    eq(n2, a + u)
    eq(integrity(db), 'ok')


@test
def arxiv_whole_snapshot():
    """All 8 chunks: 706,750 records, none rejected. Some repeat a paper
    under an id a spreadsheet mangled (704.0002 is 0704.0002, 1704.0162 is
    1704.01620: four digits are not an id from 1501 on); they merge into
    the paper they repeat."""
    db = Tmp.path('arxiv.db')
    rc, out, err = run('import', '--db', db, *arxiv_chunks(), binary=REL)
    eq(rc, 0, err[-2000:])
    a, u, n, r = summary(out)
    eq(a + u + n, 706750, 'every record read')
    eq(r, 0)
    # the expected distinct papers, computed independently
    ids = set()
    for f in ARXIV:
        for line in lzma.open(f, 'rt'):
            i = line[8:line.index('"', 8)]
            m = re.match(r'^(\d{3,4})\.(\d+)$', i)
            ok = re.match(r'^(\d{4})\.(\d{4,5})$', i)
            if ok and len(ok.group(2)) != (5 if int(ok.group(1)) >= 1501 else 4):
                ok = None
            if m and not ok:
                x = float(i); yymm = int(x); w = 5 if yymm >= 1501 else 4
                i = '%04d.%0*d' % (yymm, w, round((x - yymm) * 10 ** w))
            ids.add(i)
    s = stats(db, binary=REL)
    eq(s['papers'], len(ids))
    eq(a, len(ids))
    eq(s['sources']['arxiv'], len(ids))
    rc, out, err = run('show', '--db', db, '--json', '0704.0002', binary=REL)
    eq(rc, 0, err)
    p = json.loads(out)
    eq(p['id'], '0704.0002')
    eq(p['title'], 'Sparsity-certifying Graph Decompositions')
    eq(p['categories'], 'math.CO cs.CG')


@test
def two_sources_merge():
    d = Tmp.path('merge')
    os.makedirs(d, exist_ok=True)
    day = os.path.join(HF, '2025-06-02.json')
    if not os.path.exists(day):     # without ../shared/data: a sample day
        day = os.path.join(SAMPLE_HF, '2024-06-03.json')
    entry = json.load(open(day))[0]
    pid = entry['paper']['id']
    snap = {"id": pid, "submitter": None, "authors": "Mingjie Liu, Shizhe Diao",
            "title": entry['paper']['title'], "comments": "12 pages", "journal-ref": None,
            "doi": "10.1234/x", "categories": "cs.LG cs.AI", "license": None,
            "abstract": entry['paper']['summary'],
            "versions": [{"version": "v1", "created": "Fri, 30 May 2025 00:00:00 GMT"}],
            "update_date": "2025-06-01"}
    with open(os.path.join(d, 'snap.jsonl'), 'w') as f:
        f.write(json.dumps(snap) + '\n')
    db = Tmp.path('merge.db')
    for order in ([day, os.path.join(d, 'snap.jsonl')], [os.path.join(d, 'snap.jsonl'), day]):
        for ext in ('', '-wal', '-shm'):
            if os.path.exists(db + ext):
                os.remove(db + ext)
        for f in order:
            rc, out, err = run('import', '--db', db, f)
            check(rc in (0, 3), err)
        rc, out, err = run('show', '--db', db, '--json', pid)
        eq(rc, 0, err)
        p = json.loads(out)
        eq(p['categories'], 'cs.LG cs.AI')             # from the snapshot
        eq(p['doi'], '10.1234/x')
        eq(p['upvotes'], entry['paper']['upvotes'])    # from Daily Papers
        eq(p.get('github_repo'), entry['paper'].get('githubRepo'))
        eq(p['listed_day'], os.path.basename(day)[:10])
        eq(sorted(p['sources']), ['arxiv', 'hf-daily'])
        eq(stats(db)['papers'], len({e['paper']['id'] for e in json.load(open(day)) if isinstance(e, dict)}))


@test
def bad_inputs_are_reported_not_fatal():
    d = Tmp.path('bad')
    os.makedirs(d, exist_ok=True)
    files = {}
    # a truncated .xz: the first 300 kB of a real chunk
    if ARXIV:
        files['trunc.jsonl.xz'] = open(ARXIV[-1], 'rb').read()[:300000]
    else:   # the sample's arXiv records, compressed here, cut in the middle
        xz = lzma.compress(open(SAMPLE_ARXIV, 'rb').read())
        files['trunc.jsonl.xz'] = xz[:len(xz) // 2]
    files['binary.bin'] = bytes(range(256)) * 40
    files['empty.json'] = b''
    good = json.dumps({"title": "A good paper", "abstract": "fine"}) + '\n'
    files['utf8.jsonl'] = (good + '{"title": "bad \xff byte"}\n').encode('latin-1') \
        if False else good.encode() + b'{"title": "bad \xff byte"}\n'
    files['longline.jsonl'] = b'{"title": "' + b'x' * (50 << 20) + b'"}\n' + \
        json.dumps({"title": "After the long line"}).encode() + b'\n'
    files['bigtitle.jsonl'] = json.dumps({"title": "t" * (1 << 20)}).encode() + b'\n'
    for name, data in files.items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)
    want = {
        'trunc.jsonl.xz': r'trunc\.jsonl\.xz:\d+: .*truncated xz stream',
        'binary.bin': r'binary\.bin: byte 0: (binary data|not an xz)',
        'empty.json': r'empty\.json: byte 0: empty file',
        'utf8.jsonl': r'utf8\.jsonl:2: invalid JSON',
        'longline.jsonl': r'longline\.jsonl:1: line is 524288\d\d bytes, over the 16777216-byte limit',
        'bigtitle.jsonl': r'bigtitle\.jsonl:1: title is 1048576 bytes, over the 4096-byte limit',
    }
    for name, pattern in want.items():
        db = Tmp.path('bad-%s.db' % name)
        rc, out, err = run('import', '--db', db, os.path.join(d, name))
        eq(rc, 3, '%s: %s' % (name, err))
        check(re.search(pattern, err), '%s: %r' % (name, err[:500]))
        eq(integrity(db), 'ok')
    # what was whole in those files was imported
    eq(stats(Tmp.path('bad-utf8.jsonl.db'))['papers'], 1)
    eq(stats(Tmp.path('bad-longline.jsonl.db'))['papers'], 1)
    eq(stats(Tmp.path('bad-bigtitle.jsonl.db'))['papers'], 0)
    # a truncated stream keeps only complete records: each one is whole
    db = Tmp.path('bad-trunc.jsonl.xz.db')
    n = stats(db)['papers']
    check(n > 0, 'records before the cut are kept')
    rc, out, err = run('export', '--db', db)
    eq(len(out.splitlines()), n)
    check(all(json.loads(l)['title'] for l in out.splitlines()))


@test
def could_not_run_exits_1():
    rc, out, err = run('import', '--db', Tmp.path('x.db'), '/nonexistent/file.json')
    eq(rc, 1)
    check('No such file' in err, err)
    rc, out, err = run('import', '--db', '/nonexistent/dir/x.db', data_file('hf-daily/2024-05-27.json'))
    eq(rc, 1)
    notdb = Tmp.path('notdb.db')
    with open(notdb, 'w') as f:
        f.write('hello, I am not a database' * 10)
    rc, out, err = run('stats', '--db', notdb)
    eq(rc, 1)
    check('not a database' in err, err)
    rc, out, err = run('import', '--format', 'pdf', 'x')
    eq(rc, 2)


@test
def export_imports_back_to_the_same_data():
    db1, db2 = Tmp.path('rt1.db'), Tmp.path('rt2.db')
    files = sorted(glob.glob(os.path.join(HF, '2025-06-*.json')))[:3] or \
        sorted(glob.glob(os.path.join(SAMPLE_HF, '2024-06-*.json')))[:3]
    for f in files + [os.path.join(ROOT, 'data/sample')]:
        rc, out, err = run('import', '--db', db1, f)
        check(rc in (0, 3), err)
    rc, exp1, err = run('export', '--db', db1)
    eq(rc, 0, err)
    dump = Tmp.path('export.jsonl')
    with open(dump, 'w') as f:
        f.write(exp1)
    rc, out, err = run('import', '--db', db2, dump)
    eq(rc, 0, err)
    rc, exp2, err = run('export', '--db', db2)
    eq(exp1, exp2)
    n = len(exp1.splitlines())
    eq(stats(db2)['papers'], n)
    # --since keeps only the recent ones
    rc, out, err = run('export', '--db', db1, '--since', os.path.basename(files[1])[:10])
    eq(rc, 0)
    check(0 < len(out.splitlines()) < n)
    rc, out, err = run('export', '--db', db1, '--since', 'tomorrow')
    eq(rc, 2)


@test
def newer_versions_update_older_do_not():
    d = Tmp.path('ver')
    os.makedirs(d, exist_ok=True)
    db = Tmp.path('ver.db')
    def imp(version, title):
        f = os.path.join(d, 'v%d.jsonl' % version)
        with open(f, 'w') as fh:
            fh.write(json.dumps({"id": "2504.08385v%d" % version, "title": title}) + '\n')
        rc, out, err = run('import', '--db', db, f)
        eq(rc, 0, err)
        return summary(out)
    eq(imp(1, 'First title'), (1, 0, 0, 0))
    eq(imp(2, 'Second title'), (0, 1, 0, 0))
    eq(imp(1, 'First title'), (0, 0, 1, 0))
    rc, out, err = run('show', '--db', db, '--json', 'https://arxiv.org/abs/2504.08385v1')
    p = json.loads(out)
    eq((p['title'], p['version']), ('Second title', 2))


@test
def interrupt_keeps_what_was_committed():
    db = Tmp.path('int.db')
    files = arxiv_chunks(3)
    p = subprocess.Popen([REL, 'import', '--db', db] + files, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    # interrupt once a first batch is committed (not after a fixed time: on
    # a loaded machine 1.5 s could pass before the first commit)
    t0 = time.time()
    while time.time() - t0 < 120 and p.poll() is None:
        time.sleep(0.3)
        try:
            c = sqlite3.connect('file:%s?mode=ro' % db, uri=True, timeout=5)
            n = c.execute('SELECT count(*) FROM papers').fetchone()[0]
            c.close()
        except sqlite3.Error:
            continue
        if n > 0:
            break
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    eq(p.returncode, 130, err.decode()[-500:])
    check(b'interrupted' in out, out)
    eq(integrity(db), 'ok')
    first = stats(db, binary=REL)['papers']
    rc, out, err = run('import', '--db', db, *files, binary=REL)
    eq(rc, 0, err)
    total = stats(db, binary=REL)['papers']
    db2 = Tmp.path('int-ref.db')
    rc, out, err = run('import', '--db', db2, *files, binary=REL)
    eq(total, stats(db2, binary=REL)['papers'])
    check(0 < first < total, (first, total))


@test
def json_summary_help_and_env():
    db = Tmp.path('env.db')
    rc, out, err = run('import', '--json', os.path.join(ROOT, 'data/sample'), env={'PAPERBOY_DB': db})
    eq(rc, 0, err)
    j = json.loads(out)
    eq((j['added'], j['updated'], j['unchanged'], j['rejected']), (72, 0, 0, 0))
    eq(err, '', 'quiet without a terminal')
    eq(stats(db)['days_listed'], 0)     # the seed papers have no day
    for cmd in ('import', 'stats', 'show', 'export'):
        rc, out, err = run(cmd, '--help')
        eq(rc, 0)
        check(out.startswith('usage: paperboy ' + cmd), out)
    rc, out, err = run('--help')
    eq(rc, 0)
    rc, out, err = run('--version')
    check(out.startswith('paperboy '), out)
    rc, out, err = run('frobnicate')
    eq(rc, 2)
    rc, out, err = run('show', '--db', db, '9999.99999')
    eq(rc, 1)


@test
def bundled_sample_imports_whole():
    """What `make demo` imports: every record of data/sample, none rejected;
    its days, authors and categories are there for the site's pages."""
    db = Tmp.path('sample.db')
    days = sorted(glob.glob(os.path.join(SAMPLE_HF, '*.json')))
    distinct, nonobj = hf_expected(days)
    n_arxiv = sum(1 for l in open(SAMPLE_ARXIV) if l.strip())
    rc, out, err = run('import', '--db', db, os.path.join(SAMPLE, 'daily-sample.jsonl'),
                       SAMPLE_HF, os.path.dirname(SAMPLE_ARXIV))
    eq(rc, 0, err)
    eq(summary(out), (72 + distinct + n_arxiv, 0, 0, 0))
    eq((nonobj, n_arxiv), (0, 400))
    s = stats(db)
    eq(s['papers'], 72 + distinct + n_arxiv)
    eq(s['days_listed'], len(days))
    check(len(days) >= 10 and days[0][-10:-8] != days[-1][-10:-8], 'days across a month end')
    rc, out, err = run('show', '--db', db, '--json', '1902.02960')
    eq(rc, 0, err)
    p = json.loads(out)
    check(p['categories'] and p['authors'], p)


@test
def progress_bar_on_a_terminal():
    import pty
    db = Tmp.path('tty.db')
    master, slave = pty.openpty()
    p = subprocess.Popen([REL, 'import', '--db', db, arxiv_chunks()[-1]], stdout=subprocess.PIPE,
                         stderr=slave)
    os.close(slave)
    out, _ = p.communicate(timeout=120)
    buf = b''
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    os.close(master)
    eq(p.returncode, 0)
    check(b'papers/s' in buf and b'ETA' in buf and b'100%' in buf, buf[-300:])


if __name__ == '__main__':
    main()
