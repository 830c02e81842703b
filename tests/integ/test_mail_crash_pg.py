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
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_twin  # noqa: E402

pg_twin.run("test_mail_crash.py")
