"""test_web.py's checks (pages, API, feeds, search, hostile input, the
access log) with the store on PostgreSQL (issue 16): web_fixture makes a
database on the run's PostgreSQL (tests/run.sh starts one) instead of a
SQLite file; everything else is the same suite. Skipped without
PostgreSQL."""
import os
import runpy
import sys

if not os.environ.get("PB_TEST_PG"):
    print("skip test_web_pg: no PostgreSQL (PB_TEST_PG unset)")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(0)
os.environ["PB_TEST_BACKEND"] = "pg"
sys.argv[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "test_web.py")
runpy.run_path(sys.argv[0], run_name="__main__")
