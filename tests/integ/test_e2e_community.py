"""Browser test of the community (tests/e2e/community.mjs) against a real
`paperboy serve` with the community fixture's database: sign up, upvote,
submit, comment, add to a collection, export BibTeX. Needs `make deps`
(Debian chromium, npm install in tests/e2e)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as T  # noqa: E402
import community_fixture as cf  # noqa: E402

T.e2e_require()
S = cf.Server()
try:
    rc = T.e2e_run("community.mjs", S.base, T.OUT, cf.RECENT[0])
finally:
    S.cleanup()
sys.exit(rc)
