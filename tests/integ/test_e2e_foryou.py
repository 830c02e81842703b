"""Browser test of "For you" (tests/e2e/foryou.mjs) against a real
`paperboy serve` on foryou_fixture's three-topic store with vectors made by
train-vectors and embed: log in, upvote, For you, Not interested, Undo,
with JavaScript off. Needs `make deps` (Debian chromium, npm install in
tests/e2e)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as T  # noqa: E402
import foryou_fixture as fy  # noqa: E402

T.e2e_require()
S = fy.Server()
try:
    rc = T.e2e_run("foryou.mjs", S.base, T.OUT, "alice", fy.PW)
finally:
    S.cleanup()
sys.exit(rc)
