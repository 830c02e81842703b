"""test_import_damage.py - issue 15 item 8: import keeps what it can. A NUL
byte in the first 64 KiB rejects one line, not the file; gzip damage keeps
the records before it with one clear message; a --format that the file has
nothing in is an error, not a silent exit 0."""
import gzip, json, os, random, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pbtest import ROOT, Tmp, check, eq, main, run, stats, test  # noqa: E402


def records(n, seed=3):
    r = random.Random(seed)
    return [json.dumps({
        'id': '2101.%05d' % (i + 1), 'title': 'Paper %d on data' % i,
        # hex words: gzip cannot shrink them much, so the damage below
        # lands well inside the stream
        'abstract': ' '.join('%x' % r.getrandbits(40) for _ in range(20)),
        'categories': 'cs.CL', 'authors': ['Ada Lovelace'],
        'published': '2021-01-05'}) for i in range(n)]


@test
def nul_byte_early_rejects_one_line():
    lines = records(200)
    lines[50] = lines[50][:20] + '\x00' + lines[50][20:]
    path = Tmp.path('nul.jsonl')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    db = Tmp.path('nul.db')
    rc, out, err = run('import', '--db', db, path)
    eq(rc, 3, err)  # some rejected
    eq(stats(db)['papers'], 199, err)
    check('nul.jsonl:51:' in err, err)
    check('binary data' not in err, err)


@test
def gzip_damage_keeps_records_before_it():
    data = gzip.compress(('\n'.join(records(200)) + '\n').encode())
    b = bytearray(data)
    at = len(b) * 2 // 3
    for k in range(at, at + 40):
        b[k] ^= 0x55
    path = Tmp.path('damaged.jsonl.gz')
    with open(path, 'wb') as f:
        f.write(bytes(b))
    db = Tmp.path('gz.db')
    rc, out, err = run('import', '--db', db, path)
    eq(rc, 3, err)
    n = stats(db)['papers']
    # everything before the damage (about two thirds of the file) is kept
    check(n >= 100, 'kept %d: %s' % (n, err[-800:]))
    msgs = [l for l in err.splitlines() if 'gzip' in l]
    eq(len(msgs), 1, err[-800:])
    check('byte 0: byte 0' not in err, err)


@test
def gzip_damage_at_the_start_one_clear_message():
    data = bytearray(gzip.compress(('\n'.join(records(50)) + '\n').encode()))
    for k in range(30, 60):
        data[k] ^= 0x55
    path = Tmp.path('early.jsonl.gz')
    with open(path, 'wb') as f:
        f.write(bytes(data))
    rc, out, err = run('import', '--db', Tmp.path('early.db'), path)
    check(rc != 0, err)
    msgs = [l for l in err.splitlines() if 'gzip' in l]
    eq(len(msgs), 1, err)
    eq(err.count('byte 0'), 1, err)
    check('corrupt gzip data' in msgs[0], err)


@test
def wrong_format_named_is_an_error():
    atom = os.path.join(ROOT, 'tests', 'fuzz', 'corpus', 'atom',
                        'valid_two_entries.xml')
    db = Tmp.path('fmt.db')
    rc, out, err = run('import', '--db', db, '--format', 'oai', atom)
    check(rc != 0, 'exit 0 for a file with no oai records: ' + out + err)
    check('no oai records' in err and 'atom' in err, err)
    eq(stats(db)['papers'], 0)
    # the right format imports it
    rc, out, err = run('import', '--db', db, '--format', 'atom', atom)
    eq(rc, 0, err)
    eq(stats(db)['papers'], 2)


if __name__ == '__main__':
    main()
