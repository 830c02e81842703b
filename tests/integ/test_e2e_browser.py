"""Browser tests (tests/e2e/browser.mjs) against a real `paperboy serve`
with the web test fixture's database. Needs `make deps` (Debian chromium,
npm install in tests/e2e)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import web_fixture as wf  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
e2e = os.path.join(here, "..", "e2e")
out = os.environ.get("PB_TEST_OUT", "/tmp")
missing = [p for p in ["/usr/bin/chromium",
                       os.path.join(e2e, "node_modules", "playwright-core"),
                       os.path.join(e2e, "node_modules", "axe-core")]
           if not os.path.exists(p)]
if missing:
    print("FAIL browser test prerequisites missing (run make deps):",
          missing)
    print("0 passed, 1 failed")
    sys.exit(1)

S = wf.Server()
try:
    r = subprocess.run(["node", os.path.join(e2e, "browser.mjs"), S.base,
                        out], timeout=300)
    rc = r.returncode
finally:
    S.cleanup()
sys.exit(rc)
