"""test_community.py's checks (sign-up, log-in, votes, submissions,
comments, collections, follows, moderation, trending, the attacks, and 200
concurrent members upvoting one paper) with the store on PostgreSQL (issue
16): community_fixture makes a database on the run's PostgreSQL
(tests/run.sh starts one) instead of a SQLite file, and the suite reads
and writes the store through pbtest.sql; everything else is the same
suite. Skipped without PostgreSQL."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_twin  # noqa: E402

pg_twin.run("test_community.py", local_dir=False)
