"""test_import_par.py - issue 17 item 3: `paperboy import` parses chunks of
a file on several threads and still gives the store a serial import gives:
the same papers, merged the same way, in the same pid order, with the same
messages in the same order. Hand-made arXiv snapshot files (plain, xz and
gzip) repeat papers across files and across chunks with conflicting
versions, and a Daily Papers day sits between them (a format parsed whole,
not in chunks)."""
import gzip, json, lzma, os, random, shutil, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pbtest import SAMPLE, Tmp, check, eq, main, run, stats, test  # noqa: E402

N_IDS = 240


def record(i, version, title_variant, rng):
    vs = [{'version': 'v%d' % k, 'created': 'Mon, %d Jan 2021 10:00:00 GMT' % (3 + k)}
          for k in range(1, version + 1)]
    pid = '2101.%05d' % (i + 1)
    return {'id': pid, 'submitter': 'S. Ubmitter',
            'authors': 'A. One, B. Two and C. Three',
            'title': 'Paper %d, version %d%s' % (i, version, title_variant),
            'comments': None, 'journal-ref': None, 'doi': None,
            'report-no': None, 'categories': 'cs.CL cs.LG', 'license': None,
            'abstract': 'We study %d. ' % i + ' '.join(
                '%x' % rng.getrandbits(32) for _ in range(30)),
            'versions': vs, 'update_date': '2021-01-%02d' % (4 + version)}


def fixture():
    """Three snapshot files (a.jsonl, b.jsonl.xz, d.jsonl.gz) and a Daily
    Papers day (c-day.json). Returns the directory, the expected titles by
    id, the ids in order of first appearance, and the bad lines of b."""
    rng = random.Random(17)
    d = Tmp.path('par')
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    files = {'a.jsonl': [], 'b.jsonl.xz': [], 'd.jsonl.gz': []}
    best = {}
    order = []
    for i in range(N_IDS):
        # each paper 1 to 4 times, in random files, with random versions
        for _ in range(rng.randint(1, 4)):
            name = rng.choice(sorted(files))
            v = rng.randint(1, 3)
            # same version, different title in another place: the greater
            # title wins, whatever the order
            variant = rng.choice(['', ' (revised)', ' (final)'])
            files[name].append(record(i, v, variant, rng))
    for name in files:
        rng.shuffle(files[name])
    bad_lines = []
    for name in sorted(files):
        for r in files[name]:
            key = (int(r['versions'][-1]['version'][1:]), r['update_date'], r['title'])
            if r['id'] not in best or key > best[r['id']][0]:
                best[r['id']] = (key, r['title'])
            if r['id'] not in order:
                order.append(r['id'])
    for name, recs in sorted(files.items()):
        lines = [json.dumps(r) for r in recs]
        if name == 'b.jsonl.xz':
            # a bad line, a record without an id, a blank line
            for at, text in ((7, '{"id": "2101.99999", "title": '),
                             (23, '{"title": "No id", "abstract": "x"}'),
                             (40, '')):
                lines.insert(at, text)
            bad_lines = [8, 24]
        body = ('\n'.join(lines) + '\n').encode()
        path = os.path.join(d, name)
        if name.endswith('.xz'):
            body = lzma.compress(body)
        elif name.endswith('.gz'):
            body = gzip.compress(body)
        with open(path, 'wb') as f:
            f.write(body)
    shutil.copy(os.path.join(SAMPLE, 'hf-daily', '2024-06-03.json'),
                os.path.join(d, 'c-day.json'))
    return d, {k: v[1] for k, v in best.items()}, order, bad_lines


def imported(d, threads, batch, env=None):
    db = Tmp.path('par-%s-%s.db' % (threads, batch))
    for suffix in ('', '-wal', '-shm'):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    rc, out, err = run('import', '--db', db, '--threads', str(threads),
                       '--batch', str(batch), d, env=env)
    eq(rc, 3, err)  # two records rejected
    rc2, exp, err2 = run('export', '--db', db)
    eq(rc2, 0, err2)
    return out, err, exp, db


@test
def parallel_import_gives_the_serial_store():
    d, titles, order, bad = fixture()
    out1, err1, exp1, db1 = imported(d, 1, 5)
    # the serial store is what the files say
    papers = [json.loads(l) for l in exp1.splitlines()]
    arxiv = [p for p in papers if p['id'] in titles]
    eq(len(arxiv), N_IDS)
    eq([p['id'] for p in arxiv], order, 'pid order: first appearance in the files')
    wrong = [(p['id'], p['title'], titles[p['id']]) for p in arxiv
             if p['title'] != titles[p['id']]]
    eq(wrong, [], 'the freshest version (then the greater title) wins')
    eq([l.split(': ')[0] for l in err1.strip().splitlines()],
       ['%s:%d' % (os.path.join(d, 'b.jsonl.xz'), n) for n in bad])
    check(stats(db1)['papers'] > N_IDS, 'the Daily Papers day is in too')
    # parallel, several times and with other chunk sizes: the same bytes
    for threads, batch, rounds in ((2, 5, 3), (4, 3, 1), (2, 4096, 1)):
        for _ in range(rounds):
            out, err, exp, _ = imported(d, threads, batch)
            eq(out, out1, 'summary, %d threads, batch %d' % (threads, batch))
            eq(err, err1, 'messages, %d threads, batch %d' % (threads, batch))
            check(exp == exp1, 'export differs: %d threads, batch %d'
                  % (threads, batch))


def file_lines(path):
    op = lzma.open if path.endswith('.xz') else gzip.open if path.endswith('.gz') else open
    with op(path, 'rb') as f:
        return f.read().decode().split('\n')[:-1]


@test
def interleaved_pairs_give_the_same_store():
    """Two line files in a row are written in turns of L lines (4,096; 7
    here, through the tests-only PB_TEST_INTERLEAVE_LINES), so that both
    decompress at once: the order, and so the pids, follow the turns
    whatever the threads and the batch size; a pair with a file of another
    format (the Daily Papers day, then d.jsonl.gz) goes one file after the
    other."""
    d, titles, _, bad = fixture()
    L = 7
    env = {'PB_TEST_INTERLEAVE_LINES': str(L)}
    a = file_lines(os.path.join(d, 'a.jsonl'))
    b = file_lines(os.path.join(d, 'b.jsonl.xz'))
    seq = []
    for k in range(0, max(len(a), len(b)), L):
        seq += a[k:k + L] + b[k:k + L]
    seq += file_lines(os.path.join(d, 'd.jsonl.gz'))
    order = []
    for line in seq:
        try:
            i = json.loads(line).get('id')
        except ValueError:
            continue
        if i in titles and i not in order:
            order.append(i)
    out1, err1, exp1, _ = imported(d, 1, 5, env)
    arxiv = [p for p in (json.loads(l) for l in exp1.splitlines())
             if p['id'] in titles]
    eq([p['id'] for p in arxiv], order, 'pid order: first appearance in turns')
    wrong = [p['id'] for p in arxiv if p['title'] != titles[p['id']]]
    eq(wrong, [], 'the freshest version (then the greater title) wins')
    eq([l.split(': ')[0] for l in err1.strip().splitlines()],
       ['%s:%d' % (os.path.join(d, 'b.jsonl.xz'), n) for n in bad])
    for threads, batch in ((2, 5), (2, 5), (4, 3), (2, 4096), (1, 4096)):
        out, err, exp, _ = imported(d, threads, batch, env)
        eq(out, out1, 'summary, %d threads, batch %d' % (threads, batch))
        eq(err, err1, 'messages, %d threads, batch %d' % (threads, batch))
        check(exp == exp1, 'export differs: %d threads, batch %d'
              % (threads, batch))
    # the default turn (4,096 lines) is longer than these files: one file
    # after the other, the store of the first test
    _, _, exp4096, _ = imported(d, 2, 5)
    check(exp4096 != exp1, 'turns of 7 lines change the pid order')


@test
def batch_option_is_checked():
    rc, out, err = run('import', '--db', Tmp.path('b.db'), '--batch', '0',
                       os.path.join(SAMPLE, 'arxiv'))
    eq(rc, 2)
    check('--batch' in err, err)


if __name__ == '__main__':
    main()
