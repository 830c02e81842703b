#!/usr/bin/env bash
# Install the Debian packages paperboy builds, tests and benchmarks with.
# Idempotent: packages already installed are skipped; apt-get runs only when
# something is missing.
set -euo pipefail
PKGS=(
  build-essential pkg-config clang libclang-rt-14-dev
  libsqlite3-dev sqlite3 libjansson-dev libexpat1-dev liblzma-dev zlib1g-dev
  libutf8proc-dev libstemmer-dev xz-utils gzip python3
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
