"""test_mail.py's checks (subscribing, double opt-in, digests and their
links, one-click unsubscribe, the SMTP server going down mid-send, refused
addresses, header injection, the scheduler in serve, STARTTLS and AUTH)
with the store on PostgreSQL (issue 16): web_fixture and new_db() make
databases on the run's PostgreSQL (tests/run.sh starts one) instead of
SQLite files, and the suite reads and writes the store through
pbtest.sql. Skipped without PostgreSQL."""
import os
import runpy
import sys

if not os.environ.get("PB_TEST_PG"):
    print("skip test_mail_pg: no PostgreSQL (PB_TEST_PG unset)")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(0)
os.environ["PB_TEST_BACKEND"] = "pg"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest  # noqa: E402
# a URL store keeps its local files in the suite's Tmp, not in the cwd
os.environ.setdefault("PAPERBOY_LOCAL_DIR", pbtest.Tmp.dir)
sys.argv[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "test_mail.py")
runpy.run_path(sys.argv[0], run_name="__main__")
