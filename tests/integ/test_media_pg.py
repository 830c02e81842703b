"""test_media.py's checks (thumbnails kept at import, `paperboy harvest
thumbnails` against a replay server, /media answers, covers, <img> tags,
the API's thumbnail and mediaUrls, avatars, navigation) with the store on
PostgreSQL (issue 16): media_fixture makes a database on the run's
PostgreSQL (tests/run.sh starts one) instead of a SQLite file, and the
image files go to PAPERBOY_LOCAL_DIR (pbtest.local_base), not beside a
file. Skipped without PostgreSQL."""
import os
import runpy
import sys

if not os.environ.get("PB_TEST_PG"):
    print("skip test_media_pg: no PostgreSQL (PB_TEST_PG unset)")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(0)
os.environ["PB_TEST_BACKEND"] = "pg"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest  # noqa: E402
# a URL store keeps its local files in the suite's Tmp, not in the cwd
os.environ.setdefault("PAPERBOY_LOCAL_DIR", pbtest.Tmp.dir)
sys.argv[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "test_media.py")
runpy.run_path(sys.argv[0], run_name="__main__")
