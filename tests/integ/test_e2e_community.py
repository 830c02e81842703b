"""Browser test of the community (tests/e2e/community.mjs) against a real
`paperboy serve` with the community fixture's database: sign up, upvote,
submit, comment, add to a collection, export BibTeX. Needs `make deps`
(Debian chromium, npm install in tests/e2e)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import community_fixture as cf  # noqa: E402

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

S = cf.Server()
try:
    r = subprocess.run(["node", os.path.join(e2e, "community.mjs"), S.base,
                        out, cf.RECENT[0]], timeout=300)
    rc = r.returncode
finally:
    S.cleanup()
sys.exit(rc)
