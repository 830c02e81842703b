"""pbtest.py - a tiny harness for the integration tests: run paperboy, make
temporary databases, check outcomes; ends with "N passed, N failed"."""
import json, os, shutil, sqlite3, subprocess, sys, tempfile, traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get('PAPERBOY_BIN') or os.path.join(ROOT, 'build/asan/paperboy')
REL = os.path.join(ROOT, 'paperboy')  # release build, for whole-corpus runs
DATA = os.environ.get('PAPERBOY_DATA') or os.path.join(os.path.dirname(ROOT), 'shared/data')
OUT = os.environ.get('PB_TEST_OUT') or tempfile.gettempdir()
SAMPLE = os.path.join(ROOT, 'data', 'sample')

E2E = os.path.join(ROOT, 'tests', 'e2e')

_tests = []


def e2e_require():
    """Exit as one failed test unless the browser tests can run: Debian's
    chromium and tests/e2e/node_modules (make deps)."""
    missing = [p for p in ['/usr/bin/chromium',
                           os.path.join(E2E, 'node_modules', 'playwright-core'),
                           os.path.join(E2E, 'node_modules', 'axe-core')]
               if not os.path.exists(p)]
    if missing:
        print('FAIL browser test prerequisites missing (run make deps):',
              missing)
        print('0 passed, 1 failed')
        sys.exit(1)


def e2e_run(script, *args):
    """Run tests/e2e/SCRIPT with node; it prints its own checks and the
    closing "N passed, N failed". Returns its exit code."""
    return subprocess.run(['node', os.path.join(E2E, script)] + list(args),
                          timeout=300).returncode


def test(fn):
    _tests.append(fn)
    return fn


class Skip(Exception):
    """Raised by a test that cannot run here (the big corpora of
    ../shared/data are missing): counted as skipped, not failed."""


def data_file(rel):
    """The path of REL (e.g. 'hf-daily/2024-06-03.json') in ../shared/data,
    else in the bundled sample data/sample/ (the same bytes: see its
    README.md), else Skip."""
    for base in (DATA, SAMPLE):
        p = os.path.join(base, rel)
        if os.path.exists(p):
            return p
    raise Skip('%s is in neither %s nor %s' % (rel, DATA, SAMPLE))


def need_data(*rels):
    """Skip unless every REL exists under ../shared/data (for tests that
    need the whole corpora); returns their paths."""
    paths = [os.path.join(DATA, r) for r in rels]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise Skip('needs %s (../shared/data)' % ', '.join(missing))
    return paths


def skip_module_unless(cond, why):
    """For a suite whose whole fixture needs the corpora: print the skip
    and the closing line, and exit 0."""
    if not cond:
        print('skip all: %s' % why)
        print('0 passed, 0 failed, %d skipped' % max(1, len(_tests)))
        sys.exit(0)


class Tmp:
    """A temporary folder removed at the end of the run."""
    dir = tempfile.mkdtemp(prefix='pb-integ-')

    @classmethod
    def path(cls, name):
        return os.path.join(cls.dir, name)


# The run's PostgreSQL (tests/run.sh starts one: tests/pgserver.sh), as a
# libpq keyword string; unset when PostgreSQL is not installed.
PG = os.environ.get('PB_TEST_PG')
# PB_TEST_BACKEND=pg: suites that make their stores with new_db() put them
# on PostgreSQL.
BACKEND = os.environ.get('PB_TEST_BACKEND', 'sqlite')


def pg_db(name):
    """A new, empty PostgreSQL database for this suite on the run's
    server, as a --db value (a libpq keyword string); Skip without one."""
    if not PG:
        raise Skip('no PostgreSQL (PB_TEST_PG unset: tests/run.sh starts one)')
    db = 'pb_%s_%d' % (''.join(c if c.isalnum() else '_' for c in name),
                       os.getpid())
    for sql in ('DROP DATABASE IF EXISTS ' + db, 'CREATE DATABASE ' + db):
        p = subprocess.run(['psql', PG, '-qXc', sql], capture_output=True,
                           text=True)
        if p.returncode:
            raise AssertionError('psql: %s' % p.stderr)
    return '%s dbname=%s' % (PG, db)


def pg_url(conninfo):
    """The same database as a postgresql:// URL."""
    kv = dict(w.split('=', 1) for w in conninfo.split())
    return 'postgresql://%s@%s:%s/%s' % (kv.get('user', 'postgres'),
                                         kv.get('host', '127.0.0.1'),
                                         kv.get('port', '5432'), kv['dbname'])


def pg_sql(conninfo, sql):
    """Rows of one query on a PostgreSQL database, as lists of strings
    (psql's unaligned output; NULL as \\N)."""
    p = subprocess.run(['psql', conninfo, '-qXAt', '-F', '\t', '-P',
                        'null=\\N', '-c', sql], capture_output=True,
                       text=True)
    if p.returncode:
        raise AssertionError('psql: %s' % p.stderr)
    return [l.split('\t') for l in p.stdout.splitlines()]


def _pg_literal(v):
    """V as a PostgreSQL literal (standard_conforming_strings on, which
    sql() sets): what a client library does for a bound parameter."""
    if v is None:
        return 'NULL'
    if isinstance(v, bool):
        return 'TRUE' if v else 'FALSE'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "'\\x%s'::bytea" % bytes(v).hex()
    s = str(v)
    if '\0' in s:
        raise ValueError('NUL in a text parameter')
    return "'" + s.replace("'", "''") + "'"


def _pg_bind(query, params):
    """QUERY with each ? outside quotes replaced by the next of PARAMS."""
    out, it, q = [], iter(params), None
    n = 0
    for ch in query:
        if q:
            q = None if ch == q else q
        elif ch in '\'"':
            q = ch
        elif ch == '?':
            try:
                ch = _pg_literal(next(it))
            except StopIteration:
                raise AssertionError('too few parameters for %r' % query)
            n += 1
        out.append(ch)
    if n != len(params):
        raise AssertionError('%d parameters for %d ?s in %r' %
                             (len(params), n, query))
    return ''.join(out)


def _returns_rows(query):
    return query.lstrip().split(None, 1)[0].upper() in ('SELECT', 'WITH',
                                                        'VALUES')


def sql(db, query, params=(), many=None):
    """Run QUERY (placeholders ?) on the store DB, a SQLite file or a
    PostgreSQL --db value, in one transaction; with MANY, once per tuple
    of parameters in it. Returns the rows of a SELECT as tuples (ints as
    int, text as str, NULL as None; a PostgreSQL boolean is a bool, equal
    to SQLite's 0 or 1), else []. PostgreSQL goes through psql (the
    rows come back as json_agg), so the tests need no Python driver."""
    if not is_pg(db):
        c = sqlite3.connect(db, timeout=30)
        try:
            with c:
                if many is not None:
                    c.executemany(query, many)
                    return []
                return [tuple(r) for r in c.execute(query, params)]
        finally:
            c.close()
    lines = ['SET standard_conforming_strings = on;']
    select = many is None and _returns_rows(query)
    if many is not None:
        lines += [_pg_bind(query, tuple(p)) + ';' for p in many]
    elif select:
        lines.append("SELECT coalesce(json_agg(t), '[]') FROM (%s) t;" %
                     _pg_bind(query, tuple(params)))
    else:
        lines.append(_pg_bind(query, tuple(params)) + ';')
    p = subprocess.run(['psql', db, '-qXAt1', '-v', 'ON_ERROR_STOP=1',
                        '-f', '-'], input='\n'.join(lines) + '\n',
                       capture_output=True, text=True)
    if p.returncode:
        raise AssertionError('psql: %s' % p.stderr)
    if not select:
        return []
    # each row an object in column order; the pairs keep columns of the
    # same name (two "?column?"s) apart
    rows = json.loads(p.stdout, object_pairs_hook=lambda kv: tuple(
        v for _, v in kv))
    return list(rows)


def sql_one(db, query, params=()):
    """The first row of a SELECT on DB (see sql()), or None."""
    rows = sql(db, query, params)
    return rows[0] if rows else None


def tables(db):
    """The names of the store's tables."""
    if is_pg(db):
        return {r[0] for r in sql(
            db, "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
                " AND table_type = 'BASE TABLE'")}
    return {r[0] for r in sql(
        db, "SELECT name FROM sqlite_master WHERE type = 'table'")}


def local_base(db):
    """Where paperboy keeps the store's own files (index, vectors, media),
    as store_files.h says: the path of a SQLite store; for PostgreSQL,
    $PAPERBOY_LOCAL_DIR (else the working directory) /paperboy-DBNAME."""
    if not is_pg(db):
        return db
    if '://' in db:
        name = db.rsplit('/', 1)[-1].split('?', 1)[0]
    else:
        kv = dict(w.split('=', 1) for w in db.split() if '=' in w)
        name = kv.get('dbname', '')
    name = ''.join(c for c in name if c.isalnum() or c in '-_')
    return os.path.join(os.environ.get('PAPERBOY_LOCAL_DIR') or '.',
                        'paperboy-' + name if name else 'paperboy')


def new_db(name):
    """--db for a new store: a SQLite file in Tmp, or a new PostgreSQL
    database when the run asks for that backend (PB_TEST_BACKEND=pg)."""
    if BACKEND == 'pg':
        return pg_db(name)
    return Tmp.path(name + '.db')


def run(*args, binary=None, env=None, timeout=600, input=None):
    """Run paperboy; returns (exit status, stdout, stderr)."""
    e = dict(os.environ)
    e.pop('PAPERBOY_DB', None)
    if env:
        e.update(env)
    p = subprocess.run([binary or BIN] + [str(a) for a in args], capture_output=True,
                       env=e, timeout=timeout, input=input)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def stats(db, binary=None):
    rc, out, err = run('stats', '--db', db, '--json', binary=binary)
    assert rc == 0, err
    return json.loads(out)


def is_pg(db):
    """True for a PostgreSQL --db value (a URL or a keyword string)."""
    return db.startswith(('postgres://', 'postgresql://')) or (
        '=' in db and '/' not in db.split('=', 1)[0])


def integrity(db):
    """'ok' when the store is whole: SQLite's integrity_check; on
    PostgreSQL (which keeps its own pages whole) the schema version row
    and every table of the store answer a count."""
    if is_pg(db):
        rows = pg_sql(db, "SELECT count(*) FROM pb_schema")
        if rows != [['1']]:
            return 'no schema version row: %r' % rows
        for t in ('papers', 'listings', 'members', 'votes', 'comments'):
            pg_sql(db, 'SELECT count(*) FROM %s' % t)
        return 'ok'
    c = sqlite3.connect(db)
    try:
        return c.execute('PRAGMA integrity_check').fetchone()[0]
    finally:
        c.close()


def check(cond, msg=''):
    if not cond:
        raise AssertionError(msg)


def eq(a, b, msg=''):
    if a != b:
        raise AssertionError('%r != %r %s' % (a, b, msg))


def main():
    passed = failed = skipped = 0
    only = sys.argv[1] if len(sys.argv) > 1 else None
    for fn in _tests:
        if only and only not in fn.__name__:
            continue
        try:
            fn()
            passed += 1
            print('ok   %s' % fn.__name__, flush=True)
        except Skip as e:
            skipped += 1
            print('skip %s: %s' % (fn.__name__, e), flush=True)
        except Exception:
            failed += 1
            print('FAIL %s' % fn.__name__, flush=True)
            traceback.print_exc(file=sys.stdout)
    shutil.rmtree(Tmp.dir, ignore_errors=True)
    if skipped:
        print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
    else:
        print('%d passed, %d failed' % (passed, failed))
    sys.exit(1 if failed else 0)
