"""Crash test: kill -9 an import at random moments, at least 10 times. Each
time the database must pass PRAGMA integrity_check, and a final run must
end with the exact total (nothing lost, nothing doubled)."""
import glob, json, os, random, signal, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pbtest import *

# two real chunks (about 200,000 papers): long enough to be killed mid-way;
# without ../shared/data, GEN_N records the test writes itself from the
# bundled sample's arXiv records under new ids
FILES = sorted(glob.glob(os.path.join(DATA, 'arxiv', '*.jsonl.xz')))[:2]
KILLS = 12
GEN_N = 120000


def generated():
    recs = [json.loads(l) for l in open(os.path.join(SAMPLE, 'arxiv', 'arxiv-sample.jsonl'))]
    path = Tmp.path('gen.jsonl')
    with open(path, 'w') as f:
        for i in range(GEN_N):
            r = dict(recs[i % len(recs)])
            r['id'] = '19%02d.%05d' % (1 + i // 10000, 1 + i % 10000)
            r['title'] = '%s (%d)' % (r['title'], i)
            f.write(json.dumps(r) + '\n')
    return [path]


@test
def kill9_at_random_moments():
    files = FILES or generated()
    ref = Tmp.path('ref.db')
    rc, out, err = run('import', '--db', ref, *files, binary=REL)
    eq(rc, 0, err)
    total = stats(ref, binary=REL)['papers']
    check(total > 150000 if FILES else total == GEN_N, total)
    db = Tmp.path('crash.db')
    rng = random.Random(int(os.environ.get('PB_CRASH_SEED', '20261127')))
    seen = []
    for i in range(KILLS):
        p = subprocess.Popen([REL, 'import', '--db', db] + files,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 2.5))
        p.send_signal(signal.SIGKILL)
        p.wait()
        eq(integrity(db), 'ok', 'after kill %d' % i)
        n = stats(db, binary=REL)['papers']
        check(n <= total, (n, total))
        seen.append(n)
    rc, out, err = run('import', '--db', db, *files, binary=REL)
    eq(rc, 0, err)
    eq(stats(db, binary=REL)['papers'], total)
    eq(integrity(db), 'ok')
    # the same papers as an import that was never interrupted, in the same
    # pid order: the writer commits the input in order, so each killed run
    # left a prefix of it, and the next run adds the rest in order
    rc, a, _ = run('export', '--db', db, binary=REL)
    rc, b, _ = run('export', '--db', ref, binary=REL)
    a, b = a.splitlines(), b.splitlines()
    eq(len(a), len(b))
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    check(not diff, 'first difference: %s / %s' % (a[diff[0]][:300], b[diff[0]][:300]) if diff else '')
    print('  papers after each kill: %s; total %d' % (seen, total))


if __name__ == '__main__':
    main()
