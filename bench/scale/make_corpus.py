#!/usr/bin/env python3
"""A corpus the size of arXiv (issue 17 point 2) made from the snapshot.

The arXiv snapshot (../shared/data/arxiv/*.jsonl.xz, 706,750 records) holds
about 574-590k distinct papers; arXiv holds about 2.6M. This script writes
TARGET - N copies of the snapshot's papers (N = its distinct papers), in
arXiv snapshot format (the importer reads them as it reads the snapshot), so
that the originals plus the copies make TARGET papers (default 2,600,000).

Method (deterministic: one random.Random(SEED) drawn in a fixed order):
- distinct papers: records are keyed by their id with float-mangled ids
  (704.0002) restored to arXiv's spelling (0704.0002), as the store merges
  them; the first record of each key is the paper (later repeats are not
  copied).
- copies are made in passes over the snapshot, one output file a pass
  (copies-1.jsonl, copies-2.jsonl, ...): every paper gets floor(C/N)
  copies, and a seeded sample of C mod N papers one more in the last pass.
  Passes, not copies next to their original: a term's postings then spread
  over the whole docid range as a later year's papers would, instead of
  sitting in runs of neighbouring docids that compress and prune too well.
- new ids: new-style ids in months arXiv has not reached, 9001.00001 to
  9912.99999 (the store accepts any month from 0704; arXiv reaches 9001 in
  2090), numbered in output order; doi and report-no dropped (a copy is
  another paper); versions, dates, categories, comments kept.
- text: the abstract's sentences shuffled; 10% of its words dropped (not
  words holding LaTeX: $, \\, braces); the title's words permuted (a $...$
  span moves as one word), one word of a title of 4+ words dropped half the
  time; each author replaced with probability 0.5 by an author drawn from the
  real author pool (a seeded reservoir of 400,000 author occurrences, so
  frequent authors stay frequent); about one copy in two gets one new word
  (an abstract word with a letter suffix numbered in order: vocabulary grows
  as it does in a larger corpus, where new rare words keep appearing).
- no two papers identical: a 64-bit hash of (title, abstract, authors) of
  every original and of every copy of the pass is kept; a copy that collides
  is varied again; --check then reads every file and counts papers whose
  (title, abstract, authors) repeat across all passes (0 in the run of
  docs/BENCHMARKS.md).
- passes are independent (pass 1 continues the random stream of the
  prepass, pass K >= 2 draws from random.Random(SEED * 1000 + K), its ids
  and new-word numbers start at (K - 1) * N), so --pass K can run the
  passes as parallel processes and give the same files.

Limits: the copies reuse the snapshot's words, so the vocabulary grows far
less than a real 2.6M corpus's (only the one-in-two new words); document
lengths are 10% shorter than the originals'; topic and category mix stay
those of 2007-2019 arXiv; dates repeat the originals' (a day holds ~4.5x
the papers); shuffled sentences leave phrase statistics (adjacent words)
less realistic than bag-of-words statistics.

usage: make_corpus.py [--seed 17] [--target 2600000] [--xz] [--pass K]
                      [--check] ARXIV_DIR OUTDIR
Writes OUTDIR/copies-K.jsonl (or .jsonl.xz with --xz, preset 0) and prints
counts on stderr. Import: paperboy import --db X.db ARXIV_DIR OUTDIR
"""
import glob, hashlib, json, lzma, os, random, re, sys

args = sys.argv[1:]
seed, target, use_xz, only, check = 17, 2600000, False, 0, False
pos = []
i = 0
while i < len(args):
    a = args[i]
    if a == '--seed':
        seed = int(args[i + 1]); i += 2
    elif a == '--target':
        target = int(args[i + 1]); i += 2
    elif a == '--xz':
        use_xz = True; i += 1
    elif a == '--pass':
        only = int(args[i + 1]); i += 2
    elif a == '--check':
        check = True; i += 1
    else:
        pos.append(a); i += 1
if len(pos) != 2:
    sys.exit(__doc__)
src, out = pos
files = sorted(glob.glob(os.path.join(src, '*.jsonl.xz')))
if not files:
    sys.exit('no *.jsonl.xz in ' + src)
os.makedirs(out, exist_ok=True)

NEW_ID = re.compile(r'^(\d{3,4})\.(\d+)$')


def key(rid):
    """The paper's id as arXiv spells it (float-mangled ids restored)."""
    rid = str(rid).strip()
    m = NEW_ID.match(rid)
    if not m:
        return rid
    yymm, num = m.group(1).zfill(4), m.group(2)
    width = 5 if int(yymm) >= 1501 else 4
    if len(num) > width:  # float noise such as 1710.0313199999998
        num = ('%.*f' % (width, float('0.' + num)))[2:]
    return yymm + '.' + num.ljust(width, '0')


def records():
    for f in files:
        with lzma.open(f, 'rt', encoding='utf-8') as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def split_authors(s):
    if not s:
        return []
    s = s.replace(' and ', ', ')
    return [a.strip() for a in s.split(',') if a.strip()]


def h64(*parts):
    return int.from_bytes(hashlib.blake2b('\x1f'.join(parts).encode(),
                                          digest_size=8).digest(), 'little')


rng = random.Random(seed)
POOL = 400000
pool, seen_auth = [], 0
keys = set()
hashes = set()
n = 0
for r in records():
    k = key(r.get('id'))
    if k in keys:
        continue
    keys.add(k)
    n += 1
    hashes.add(h64(r.get('title') or '', r.get('abstract') or '',
                   r.get('authors') or ''))
    for a in split_authors(r.get('authors') or ''):
        seen_auth += 1
        if len(pool) < POOL:
            pool.append(a)
        else:
            j = rng.randrange(seen_auth)
            if j < POOL:
                pool[j] = a
del keys
copies = max(0, target - n)
base, extra = divmod(copies, n)
passes = base + (1 if extra else 0)
last = bytearray(n)
for j in rng.sample(range(n), extra):
    last[j] = 1
print('distinct papers %d, copies %d: %d each, one more for %d (passes %d), '
      'author pool %d of %d occurrences' % (n, copies, base, extra, passes,
                                            len(pool), seen_auth),
      file=sys.stderr)

SENT = re.compile(r'(?<=[.!?])\s+(?=[A-Z$\\(\[])')
TITLE_TOK = re.compile(r'\$[^$]*\$\S*|\S+')
LATEX = re.compile(r'[$\\{}]')
MONTHS = [yy * 100 + mm for yy in range(90, 100) for mm in range(1, 13)]
made = 0
novel = 0


def new_id(k):
    m, num = divmod(k, 99999)
    return '%04d.%05d' % (MONTHS[m], num + 1)


def suffix(k):
    s = ''
    k += 26 * 26  # at least three letters
    while k:
        k, d = divmod(k, 26)
        s = chr(97 + d) + s
    return s


def vary(r):
    global novel
    ab = ' '.join((r.get('abstract') or '').split())
    sents = SENT.split(ab) if ab else []
    if len(sents) > 1:
        rng.shuffle(sents)
    words = ' '.join(sents).split(' ') if sents else []
    kept = [w for w in words if LATEX.search(w) or rng.random() >= 0.10]
    if not kept and words:
        kept = words[:1]
    if kept and rng.random() < 0.5:
        plain = [i for i, w in enumerate(kept) if w.isalpha() and len(w) > 3]
        if plain:
            i = plain[rng.randrange(len(plain))]
            kept.insert(i + 1, kept[i].lower() + suffix(novel))
            novel += 1
    t = TITLE_TOK.findall(' '.join((r.get('title') or '').split()))
    rng.shuffle(t)
    if len(t) >= 4 and rng.random() < 0.5:
        del t[rng.randrange(len(t))]
    au = split_authors(r.get('authors') or '')
    au = [pool[rng.randrange(len(pool))] if rng.random() < 0.5 else a for a in au]
    return ' '.join(t), ' '.join(kept), ', '.join(au)


def copy_files():
    return [os.path.join(out, 'copies-%d.jsonl' % p + ('.xz' if use_xz else ''))
            for p in range(1, passes + 1)]


if check:
    dup = total = 0
    for name in copy_files():
        op = lzma.open if name.endswith('.xz') else open
        with op(name, 'rt', encoding='utf-8') as fh:
            for line in fh:
                c = json.loads(line)
                hv = h64(c['title'], c['abstract'], c['authors'])
                total += 1
                if hv in hashes:
                    dup += 1
                hashes.add(hv)
    print('check: %d copies, %d repeat an original or another copy' % (total, dup),
          file=sys.stderr)
    sys.exit(1 if dup else 0)

for p in range(1, passes + 1):
    if only and p != only:
        continue
    if p >= 2:
        rng = random.Random(seed * 1000 + p)
    made = novel = (p - 1) * n
    name = copy_files()[p - 1]
    tmp = name + '.tmp'
    fh = (lzma.open(tmp, 'wt', encoding='utf-8', preset=0) if use_xz
          else open(tmp, 'w', encoding='utf-8'))
    keys = set()
    j = -1
    wrote = 0
    for r in records():
        k = key(r.get('id'))
        if k in keys:
            continue
        keys.add(k)
        j += 1
        if p > base and not last[j]:
            continue
        for _ in range(20):
            title, ab, au = vary(r)
            hv = h64(title, ab, au)
            if hv not in hashes:
                break
        else:
            sys.exit('no distinct variant of ' + k)
        hashes.add(hv)
        c = {'id': new_id(made), 'submitter': r.get('submitter'),
             'authors': au, 'title': title, 'comments': r.get('comments'),
             'journal-ref': None, 'doi': None, 'report-no': None,
             'categories': r.get('categories'), 'license': r.get('license'),
             'abstract': ab, 'versions': r.get('versions'),
             'update_date': r.get('update_date')}
        fh.write(json.dumps(c, ensure_ascii=False) + '\n')
        made += 1
        wrote += 1
    fh.close()
    os.replace(tmp, name)
    print('pass %d: %d copies -> %s' % (p, wrote, name), file=sys.stderr)
print('done (passes %s): ids up to %s, new words up to %d' %
      (only or 'all', new_id(made - 1), novel), file=sys.stderr)
