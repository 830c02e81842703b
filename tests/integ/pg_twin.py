"""pg_twin.py - run a SQLite suite again with the store on PostgreSQL
(issue 16): the test_*_pg.py wrappers call run() with their twin's file
name. PB_TEST_BACKEND=pg makes the fixtures and new_db() create databases
on the run's PostgreSQL (tests/run.sh starts one and sets PB_TEST_PG); the
suite reads and writes the store through pbtest.sql. Without PostgreSQL
the wrapper prints that it skips and counts one skipped test."""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(twin, local_dir=True):
    """Run tests/integ/TWIN as __main__ on PostgreSQL. local_dir: a URL
    store keeps its own files (index, vectors, images) in the suite's Tmp
    (PAPERBOY_LOCAL_DIR), not in the working directory."""
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    if not os.environ.get("PB_TEST_PG"):
        print("skip %s: no PostgreSQL (PB_TEST_PG unset)" % name)
        print("0 passed, 0 failed, 1 skipped")
        sys.exit(0)
    os.environ["PB_TEST_BACKEND"] = "pg"
    if local_dir:
        sys.path.insert(0, HERE)
        import pbtest
        os.environ.setdefault("PAPERBOY_LOCAL_DIR", pbtest.Tmp.dir)
    sys.argv[0] = os.path.join(HERE, twin)
    runpy.run_path(sys.argv[0], run_name="__main__")
