"""test_store_copy.py - paperboy store copy, SQLite -> PostgreSQL -> SQLite:
every table comes back row for row (pids, seqs, ids, blobs, NULLs, text),
counts are equal and printed, `paperboy export` gives the same lines, and a
copy killed half-way finishes identical when run again; bad URLs are refused
with a clear message. Needs the run's PostgreSQL (tests/run.sh), else the
tests skip."""
import os, signal, sqlite3, subprocess, time

import pbtest as T
from pbtest import test, check, eq

ROOT = T.ROOT
SAMPLE = os.path.join(ROOT, 'data', 'sample')
# store.c's paper functions (export reads through them) run on PostgreSQL
# once converted (issue 16); until then the export of the PG copy skips
PG_PAPERS = os.environ.get('PB_TEST_PG_PAPERS') == '1'

TABLES = ['papers', 'meta', 'imports', 'members', 'sessions', 'votes',
          'paper_stats', 'comments', 'submissions', 'collections',
          'collection_items', 'follows', 'modlog', 'community_gen',
          'subscribers', 'mail_digests', 'mail_papers', 'dismissals',
          'sub_collections', 'listings', 'orgs', 'media']

_src = None


def source():
    """A SQLite store with papers, listings, media, and community and mail
    rows written straight into its tables (blobs, NULLs, non-ASCII text,
    gaps in the ids)."""
    global _src
    if _src:
        return _src
    db = T.Tmp.path('src.db')
    rc, out, err = T.run('import', '--db', db,
                         os.path.join(SAMPLE, 'arxiv'),
                         os.path.join(SAMPLE, 'hf-daily'))
    eq(rc, 0, err)
    c = sqlite3.connect(db)
    pids = [r[0] for r in c.execute('SELECT pid FROM papers ORDER BY pid')]
    check(len(pids) > 100)
    c.executescript('''
      INSERT INTO members(id, name, email, pwhash, role, created) VALUES
        (1, 'Alice', 'a@x.org', 'h1', 2, 100),
        (5, 'bob', 'b@x.org', 'h2', 0, 101),
        (9, 'Zoë', 'z@x.org', 'h3', 1, 102);
      INSERT INTO sessions VALUES (x'00ff10', 1, 1, 99999999999),
                                  (x'', 5, 2, 3);
      INSERT INTO collections(id, member, name, public, created) VALUES
        (3, 1, 'reading', 1, 200), (4, 5, 'läsning "x"', 0, 201);
      INSERT INTO subscribers(id, email, state, created, confirmed, member,
                              recs, last_error)
        VALUES (2, 'A@X.org', 1, 300, 301, 1, 1, NULL),
               (7, 'c@y.org', 0, 302, NULL, NULL, 0, 'tab\there');
      INSERT INTO modlog(at, actor, action, target) VALUES
        (400, 'cli', 'role', 'bob'), (401, 'Alice', 'hide', '2406.1');
      INSERT INTO follows VALUES (1, 0, 'Ann Lee'), (1, 1, 'cs.CL');
      UPDATE community_gen SET n = 42;
      INSERT INTO meta VALUES ('mail.secret', 'abc'), ('k', '');
    ''')
    for i, pid in enumerate(pids[:60]):
        c.execute('INSERT INTO votes VALUES(?, ?, ?)', (1 + 4 * (i % 2), pid, 500 + i))
        c.execute('INSERT INTO paper_stats(pid, votes, comments, hidden,'
                  ' submitted_by, submitted_at) VALUES(?, 1, ?, ?, ?, ?)',
                  (pid, i % 3, int(i == 7), 1 if i % 5 == 0 else None,
                   600 + i if i % 5 == 0 else None))
        c.execute('INSERT INTO comments(pid, member, body, created, edited)'
                  ' VALUES(?, 9, ?, ?, ?)',
                  (pid, 'comment %d: ünïcödé\n**md**' % i, 700 + i,
                   None if i % 2 else 800 + i))
        c.execute('INSERT INTO collection_items VALUES(3, ?, ?)', (pid, 900 + i))
        c.execute('INSERT INTO dismissals VALUES(5, ?, ?)', (pid, 950 + i))
        c.execute('INSERT INTO mail_papers VALUES(2, ?, ?, ?, ?, ?)',
                  (pid, 'D2024-06-03', i, i % 3, 3 if i % 3 == 1 else None))
    c.execute("INSERT INTO submissions VALUES(?, 5, 1000, '2024-06-03')", (pids[0],))
    c.execute("INSERT INTO mail_digests(sub, period, state, message_id,"
              " created, sent_at, claimed_by, claimed_at)"
              " VALUES(2, 'D2024-06-03', 1, 'm@x', 1100, 1101, 'h 1', 1100)")
    c.execute("INSERT INTO sub_collections VALUES(2, 3, 1200)")
    c.execute("INSERT INTO orgs VALUES('acme', 'ACME Research', '{\"a\":1}')")
    c.commit()
    c.close()
    _src = db
    return db


def sqlite_rows(db, table):
    c = sqlite3.connect(db)
    try:
        cols = [r[1] for r in c.execute('PRAGMA table_info(%s)' % table)]
        return cols, c.execute('SELECT * FROM %s ORDER BY %s' %
                               (table, ', '.join(cols))).fetchall()
    finally:
        c.close()


def same_tables(a, b):
    for t in TABLES:
        ca, ra = sqlite_rows(a, t)
        cb, rb = sqlite_rows(b, t)
        eq(ca, cb, t)
        eq(len(ra), len(rb), t)
        check(ra == rb, '%s: rows differ' % t)


def copy(src, dst, *extra):
    rc, out, err = T.run('store', 'copy', '--from', src, '--to', dst,
                         '--quiet', *extra)
    eq(rc, 0, err + out)
    return out


def counts_of(out):
    return {l.split()[0]: int(l.split()[1]) for l in out.splitlines()}


@test
def round_trip_is_lossless():
    src = source()
    pg = T.pg_db('copy_rt')
    out = copy(src, pg)
    n = counts_of(out)
    eq(n['papers'] > 100, True)
    eq(n['votes'], 60)
    eq(n['comments'], 60)
    eq(n['sessions'], 2)
    eq(n['community_gen'], 1)
    # what PostgreSQL holds: blobs, NULLs, text, the counter
    eq(T.pg_sql(pg, "SELECT encode(hash, 'hex'), member FROM sessions"
                    " ORDER BY hash"), [['', '5'], ['00ff10', '1']])
    eq(T.pg_sql(pg, 'SELECT n FROM community_gen'), [['42']])
    eq(T.pg_sql(pg, "SELECT last_error IS NULL,"
                    " replace(last_error, chr(9), '<tab>')"
                    " FROM subscribers ORDER BY id"),
       [['t', '\\N'], ['f', 'tab<tab>here']])
    # ids go on after the copied ones
    eq(T.pg_sql(pg, "INSERT INTO members(name, email, pwhash, created)"
                    " VALUES('new', 'n@x', 'h', 1) RETURNING id"), [['10']])
    eq(T.pg_sql(pg, "DELETE FROM members WHERE name = 'new' RETURNING id"),
       [['10']])
    # case-insensitive names and addresses, as SQLite's NOCASE
    eq(T.pg_sql(pg, "SELECT id FROM members WHERE name = 'ALICE'"), [['1']])
    eq(T.pg_sql(pg, "SELECT id FROM subscribers WHERE email = 'a@x.ORG'"),
       [['2']])
    back = T.Tmp.path('back.db')
    out2 = copy(T.pg_url(pg), back)
    eq(counts_of(out2), n)
    same_tables(src, back)
    rc, e1, err = T.run('export', '--db', src)
    eq(rc, 0, err)
    rc, e2, err = T.run('export', '--db', back)
    eq(rc, 0, err)
    check(e1 and e1 == e2, 'export differs after the round trip')
    if PG_PAPERS:
        rc, e3, err = T.run('export', '--db', pg)
        eq(rc, 0, err)
        check(e1 == e3, 'export of the PostgreSQL copy differs')


def killed_then_resumed(src, dst, back_to_sqlite):
    """Start a copy in batches of one row, kill it with SIGKILL while it
    runs, run it again: the destination ends identical."""
    args = [T.BIN, 'store', 'copy', '--from', src, '--to', dst, '--quiet',
            '--batch', '1']
    env = dict(os.environ)
    env['PB_TEST_COPY_DELAY_MS'] = '20'  # so the kill lands mid-copy
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env)
    time.sleep(1.5)
    killed = p.poll() is None
    if killed:
        p.send_signal(signal.SIGKILL)
    p.wait()
    check(killed, 'the copy finished before it could be killed')
    copy(src, dst, '--batch', '50')


@test
def killed_copy_resumes_to_pg_and_back():
    src = source()
    pg = T.pg_db('copy_kill')
    killed_then_resumed(src, pg, False)
    # the killed run left part of the papers: the second run finished them
    back = T.Tmp.path('back-kill.db')
    killed_then_resumed(T.pg_url(pg), back, True)
    same_tables(src, back)


@test
def bad_destination_is_refused_clearly():
    src = source()
    rc, out, err = T.run('store', 'copy', '--from', src, '--to',
                         'postgresql://pb:secretpw@127.0.0.1:1/nodb')
    eq(rc, 1)
    check('127.0.0.1' in err and 'nodb' in err and 'port 1' in err, err)
    check('secretpw' not in err, err)
    rc, out, err = T.run('store', 'copy', '--from', src)
    eq(rc, 2)


if __name__ == '__main__':
    T.main()
