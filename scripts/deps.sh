#!/usr/bin/env bash
# Install the Debian packages paperboy needs.
#   scripts/deps.sh         what building and running need (make deps)
#   scripts/deps.sh --dev   that plus what the tests and benchmarks use, and
#                           the npm packages of tests/e2e (make deps-dev)
# Idempotent: packages already installed are skipped; apt-get runs only when
# something is missing.
set -euo pipefail
# build and run: the compiler, the libraries of the Makefile's PKGS, and
# what the demo uses (curl fetches its first page, xz reads .xz dumps,
# ca-certificates lets harvests reach https, tzdata gives the digest
# scheduler its time zones: a bare Debian root has none)
PKGS=(
  build-essential pkg-config ca-certificates curl xz-utils gzip tzdata
  libsqlite3-dev libjansson-dev libexpat1-dev liblzma-dev zlib1g-dev
  libutf8proc-dev libstemmer-dev libmicrohttpd-dev libcurl4-openssl-dev
  libsodium-dev libcmark-dev liblinear-dev
  libpq-dev                           # the PostgreSQL store (libpq; docs/STORE.md)
  poppler-utils                       # thumbnails from a PDF's first page (pdftoppm)
)
# tests (make test) and benchmarks (make bench), with who uses them
DEV_PKGS=(
  python3 python3-feedparser          # tests/integ; feeds parsed in test_web.py
  python3-aiosmtpd                    # tests/integ: the SMTP server of the mail tests
  chromium                            # browser tests (tests/e2e, playwright-core;
                                      # Node.js and npm below)
  clang libclang-rt-14-dev            # make fuzz (libFuzzer)
  sqlite3                             # bench/search (FTS5 baseline), backups by hand
  wrk nginx-light                     # bench/http
  python3-xapian                      # bench/search (Xapian baseline)
  python3-hnswlib fasttext            # bench/vector (hnswlib and fastText baselines)
  mmdebstrap                          # scripts/fresh-check.sh, scripts/deb-check.sh
  python3-prometheus-client           # test_service.py parses /metrics
  systemd                             # systemd-analyze verify of the unit
  debhelper dpkg-dev lintian git      # make deb (git lists the checkout's files)
  postgresql-15                       # the tests' throwaway PostgreSQL (initdb,
                                      # pg_ctl; tests/pgserver.sh) and psql
)
dev=0
[ "${1:-}" = "--dev" ] && dev=1
want=("${PKGS[@]}")
[ $dev -eq 1 ] && want+=("${DEV_PKGS[@]}")
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#want[@]} packages present"
else
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
[ $dev -eq 1 ] || exit 0
# Node.js and npm from Debian, unless the machine has them already (a
# NodeSource nodejs bundles npm and conflicts with Debian's npm package)
if ! command -v npm >/dev/null; then
  [ ${#missing[@]} -eq 0 ] && $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
# Browser tests: playwright-core and axe-core from npm (tests/e2e), driving
# Debian's chromium; no browser is downloaded.
cd "$(dirname "$0")/../tests/e2e"
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund
fi
