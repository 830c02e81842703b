#!/usr/bin/env bash
# Install the Debian packages paperboy builds, tests and benchmarks with.
# Idempotent: packages already installed are skipped; apt-get runs only when
# something is missing.
set -euo pipefail
PKGS=(
  build-essential pkg-config clang libclang-rt-14-dev
  libsqlite3-dev sqlite3 libjansson-dev libexpat1-dev liblzma-dev zlib1g-dev
  libutf8proc-dev libstemmer-dev xz-utils gzip python3
  libmicrohttpd-dev python3-feedparser chromium wrk nginx-light
  libcurl4-openssl-dev libsodium-dev libcmark-dev python3-aiosmtpd
  liblinear-dev python3-hnswlib fasttext
  python3-xapian poppler-utils
  python3-prometheus-client systemd debhelper dpkg-dev lintian mmdebstrap
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
else
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
# Browser tests: playwright-core and axe-core from npm (tests/e2e), driving
# Debian's chromium; no browser is downloaded.
if ! command -v npm >/dev/null; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
cd "$(dirname "$0")/../tests/e2e"
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund
fi
