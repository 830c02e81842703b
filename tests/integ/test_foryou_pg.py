"""test_foryou.py's checks (For you from a member's upvotes and
collections over vectors made by the real train-vectors and embed,
"Not interested" and its undo, moderated papers left out, the JSON API,
the CLI giving the same list, a server without vectors) with the store on
PostgreSQL (issue 16): foryou_fixture makes a database on the run's
PostgreSQL (tests/run.sh starts one) instead of a SQLite file, and the
vectors go to PAPERBOY_LOCAL_DIR, where the CLI and serve both find them.
Skipped without PostgreSQL."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_twin  # noqa: E402

pg_twin.run("test_foryou.py")
