"""test_web.py's checks (pages, API, feeds, search, hostile input, the
access log) with the store on PostgreSQL (issue 16): web_fixture makes a
database on the run's PostgreSQL (tests/run.sh starts one) instead of a
SQLite file; everything else is the same suite. Skipped without
PostgreSQL."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_twin  # noqa: E402

pg_twin.run("test_web.py", local_dir=False)
