"""test_mail_sources.py's checks (collections followed by mail, private
ones refused, recommendations from the real train-vectors and embed,
linking a subscription to a member) with the store on PostgreSQL (issue
16): web_fixture makes a database on the run's PostgreSQL (tests/run.sh
starts one) instead of a SQLite file; the vectors that the CLI makes and
reads go to PAPERBOY_LOCAL_DIR (a URL store has nothing "beside" it).
Skipped without PostgreSQL."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_twin  # noqa: E402

pg_twin.run("test_mail_sources.py")
