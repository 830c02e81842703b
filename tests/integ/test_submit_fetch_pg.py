"""test_submit_fetch.py's checks (a submitted paper the store does not
know fetched from a stand-in arXiv API, added, then held to the usual
rules; arXiv's 3 s between requests) with the store on PostgreSQL (issue
16): community_fixture makes a database on the run's PostgreSQL
(tests/run.sh starts one) instead of a SQLite file. Skipped without
PostgreSQL."""
import os
import runpy
import sys

if not os.environ.get("PB_TEST_PG"):
    print("skip test_submit_fetch_pg: no PostgreSQL (PB_TEST_PG unset)")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(0)
os.environ["PB_TEST_BACKEND"] = "pg"
sys.argv[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "test_submit_fetch.py")
runpy.run_path(sys.argv[0], run_name="__main__")
