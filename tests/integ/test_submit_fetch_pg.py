"""test_submit_fetch.py's checks (a submitted paper the store does not
know fetched from a stand-in arXiv API, added, then held to the usual
rules; arXiv's 3 s between requests) with the store on PostgreSQL (issue
16): community_fixture makes a database on the run's PostgreSQL
(tests/run.sh starts one) instead of a SQLite file. Skipped without
PostgreSQL."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_twin  # noqa: E402

pg_twin.run("test_submit_fetch.py")
