"""Browser tests (tests/e2e/browser.mjs) against a real `paperboy serve`
with the web test fixture's database. Needs `make deps` (Debian chromium,
npm install in tests/e2e)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as T  # noqa: E402
import web_fixture as wf  # noqa: E402

T.e2e_require()
S = wf.Server()
try:
    rc = T.e2e_run("browser.mjs", S.base, T.OUT)
finally:
    S.cleanup()
sys.exit(rc)
