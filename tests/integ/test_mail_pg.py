"""test_mail.py's checks (subscribing, double opt-in, digests and their
links, one-click unsubscribe, the SMTP server going down mid-send, refused
addresses, header injection, the scheduler in serve, STARTTLS and AUTH)
with the store on PostgreSQL (issue 16): web_fixture and new_db() make
databases on the run's PostgreSQL (tests/run.sh starts one) instead of
SQLite files, and the suite reads and writes the store through
pbtest.sql. Skipped without PostgreSQL."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_twin  # noqa: E402

pg_twin.run("test_mail.py")
