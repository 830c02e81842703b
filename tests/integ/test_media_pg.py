"""test_media.py's checks (thumbnails kept at import, `paperboy harvest
thumbnails` against a replay server, /media answers, covers, <img> tags,
the API's thumbnail and mediaUrls, avatars, navigation) with the store on
PostgreSQL (issue 16): media_fixture makes a database on the run's
PostgreSQL (tests/run.sh starts one) instead of a SQLite file, and the
image files go to PAPERBOY_LOCAL_DIR (pbtest.local_base), not beside a
file. Skipped without PostgreSQL."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_twin  # noqa: E402

pg_twin.run("test_media.py")
