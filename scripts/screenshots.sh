#!/usr/bin/env bash
# Regenerate docs/screenshot-day.png and docs/screenshot-paper.png: the
# media test fixture (tests/integ/media_fixture.py: thumbnails fetched from
# a replay server on 127.0.0.1, a PDF page rendered by poppler, covers)
# served by ./paperboy on a free port, shot by Debian's chromium through
# playwright-core (tests/e2e/look.mjs --shots). Needs `make` and `make deps`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x ./paperboy ] || make paperboy
python3 - <<'PY'
import os, shutil, subprocess, sys, tempfile
sys.path.insert(0, "tests/integ")
import media_fixture as mf
tmp = tempfile.mkdtemp(prefix="pbshots-")
try:
    db, rp, h = mf.build("./paperboy", tmp)
    if h.returncode:
        sys.exit("harvest thumbnails failed: " + h.stderr)
    s = mf.serve("./paperboy", db)
    try:
        subprocess.run(["node", "tests/e2e/look.mjs", s.base, tmp, "--shots", "docs"],
                       check=True, timeout=300)
    finally:
        s.stop()
        rp.close()
finally:
    shutil.rmtree(tmp, ignore_errors=True)
PY
ls -l docs/screenshot-day.png docs/screenshot-paper.png
