"""Browser tests of the feed people look at (tests/e2e/look.mjs): the day,
paper and member pages of media_fixture's store (thumbnails fetched from a
replay server, a rendered PDF page, covers, identicons) at 390 and 1280 px,
light and dark. Needs `make deps` (Debian chromium, npm install in
tests/e2e, poppler-utils)."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as T  # noqa: E402
import media_fixture as mf  # noqa: E402
import web_fixture as wf  # noqa: E402
import community_fixture as cf  # noqa: E402

T.e2e_require()
tmp = tempfile.mkdtemp(prefix="pblook-")
db, rp, h = mf.build(T.BIN, tmp)
if h.returncode != 0:
    print("FAIL harvest thumbnails:", h.stderr)
    print("0 passed, 1 failed")
    sys.exit(1)
rc, err = cf.user_add(db, "grace", "a long enough password")
if rc:
    print("FAIL user add:", err)
    print("0 passed, 1 failed")
    sys.exit(1)
S = mf.serve(T.BIN, db)
try:
    rc = T.e2e_run("look.mjs", S.base, T.OUT)
finally:
    S.stop()
    rp.close()
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(rc)
