"""test_community.py's checks (sign-up, log-in, votes, submissions,
comments, collections, follows, moderation, trending, the attacks, and 200
concurrent members upvoting one paper) with the store on PostgreSQL (issue
16): community_fixture makes a database on the run's PostgreSQL
(tests/run.sh starts one) instead of a SQLite file, and the suite reads
and writes the store through pbtest.sql; everything else is the same
suite. Skipped without PostgreSQL."""
import os
import runpy
import sys

if not os.environ.get("PB_TEST_PG"):
    print("skip test_community_pg: no PostgreSQL (PB_TEST_PG unset)")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(0)
os.environ["PB_TEST_BACKEND"] = "pg"
sys.argv[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "test_community.py")
runpy.run_path(sys.argv[0], run_name="__main__")
