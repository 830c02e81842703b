"""test_harvest.py's checks (OAI-PMH, the arXiv API, Daily Papers,
thumbnails, retries, limits, kills) with the store on PostgreSQL (issue
16): its stores come from new_db(), a database on the run's PostgreSQL
(tests/run.sh starts one) instead of a SQLite file. Skipped without
PostgreSQL."""
import os
import runpy
import tempfile
import sys

if not os.environ.get("PB_TEST_PG"):
    print("skip test_harvest_pg: no PostgreSQL (PB_TEST_PG unset)")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(0)
os.environ["PB_TEST_BACKEND"] = "pg"
# a URL store keeps its local files (images) here, not in the cwd
os.environ.setdefault("PAPERBOY_LOCAL_DIR", tempfile.mkdtemp(prefix="pbhpg-"))
sys.argv[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "test_harvest.py")
runpy.run_path(sys.argv[0], run_name="__main__")
