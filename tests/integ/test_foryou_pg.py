"""test_foryou.py's checks (For you from a member's upvotes and
collections over vectors made by the real train-vectors and embed,
"Not interested" and its undo, moderated papers left out, the JSON API,
the CLI giving the same list, a server without vectors) with the store on
PostgreSQL (issue 16): foryou_fixture makes a database on the run's
PostgreSQL (tests/run.sh starts one) instead of a SQLite file, and the
vectors go to PAPERBOY_LOCAL_DIR, where the CLI and serve both find them.
Skipped without PostgreSQL."""
import os
import runpy
import sys

if not os.environ.get("PB_TEST_PG"):
    print("skip test_foryou_pg: no PostgreSQL (PB_TEST_PG unset)")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(0)
os.environ["PB_TEST_BACKEND"] = "pg"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest  # noqa: E402
# a URL store keeps its local files in the suite's Tmp, not in the cwd
os.environ.setdefault("PAPERBOY_LOCAL_DIR", pbtest.Tmp.dir)
sys.argv[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "test_foryou.py")
runpy.run_path(sys.argv[0], run_name="__main__")
