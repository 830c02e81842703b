"""test_mail_crash.py's checks with the sent-log on PostgreSQL (issue 16):
`paperboy digest send` and serve's scheduler killed with SIGKILL at the
moments that matter (PB_TEST_CRASH_AT: before the claim, after the claim
and before the SMTP transaction, after the server accepted a digest and
before the sent-log says so), and a server that keeps a message without
answering. What the SQLite suite shows of a file that a killed process
left, this shows of transactions a killed client left on a server: each
step of the sent-log is committed on PostgreSQL before the next SMTP
step, so the rerun never sends a digest twice and reports the uncertain
ones. Skipped without PostgreSQL."""
import os
import runpy
import sys

if not os.environ.get("PB_TEST_PG"):
    print("skip test_mail_crash_pg: no PostgreSQL (PB_TEST_PG unset)")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(0)
os.environ["PB_TEST_BACKEND"] = "pg"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest  # noqa: E402
# a URL store keeps its local files in the suite's Tmp, not in the cwd
os.environ.setdefault("PAPERBOY_LOCAL_DIR", pbtest.Tmp.dir)
sys.argv[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "test_mail_crash.py")
runpy.run_path(sys.argv[0], run_name="__main__")
