"""Browser test of "For you" (tests/e2e/foryou.mjs) against a real
`paperboy serve` on foryou_fixture's three-topic store with vectors made by
train-vectors and embed: log in, upvote, For you, Not interested, Undo,
with JavaScript off. Needs `make deps` (Debian chromium, npm install in
tests/e2e)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import foryou_fixture as fy  # noqa: E402

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

S = fy.Server()
try:
    r = subprocess.run(["node", os.path.join(e2e, "foryou.mjs"), S.base,
                        out, "alice", fy.PW], timeout=300)
    rc = r.returncode
finally:
    S.cleanup()
sys.exit(rc)
