#!/usr/bin/env bash
# fresh-check.sh - prove that `make demo` and `make test` work on the first
# try on a fresh Debian 12 (bookworm), as a new user would run them:
#
#   1. mmdebstrap makes a bare bookworm root (--variant=apt, plus make) from
#      the Debian mirror this machine's apt uses;
#   2. the root gets this machine's resolver configuration, its extra CA
#      certificates (/usr/local/share/ca-certificates) and /etc/npmrc, so
#      that apt and npm reach their registries as they do here;
#   3. a clean `git clone` of this repository (HEAD) goes to /root/paperboy
#      inside it: no ../shared/data beside it, no build, no node_modules;
#   4. inside it (chroot, with /proc, /sys, /dev and /dev/shm mounted):
#      `make demo DEMO_SMOKE=1` (installs packages, builds, imports the
#      sample, serves, fetches the first page), then `make test`;
#   5. then, in the same root, `make deb` (with lintian) and
#      scripts/deb-smoke.sh: dpkg -i, the system user, `paperboy --version`,
#      `paperboy serve` as the paperboy user (/healthz, /readyz, SIGTERM),
#      `paperboy backup` (FRESH_DEB=0 skips this step; FRESH_TEST=0 skips
#      `make test`, to check the demo and the package alone).
#
# Prints the time from the clone to the first page, the closing line of
# `make test` and the package's verdict; exits non-zero if either failed. Needs root and mmdebstrap
# (make deps-dev). Mounts are undone and the root removed on exit (also on
# Ctrl-C); FRESH_KEEP=1 keeps the root. Logs go to FRESH_LOG_DIR (default
# build/fresh-check). Inside the root FRESH_CHECK_INSIDE=1 is set, so that a
# `.ci/run` there does not start another fresh check.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
if [ -n "${FRESH_CHECK_INSIDE:-}" ]; then
  echo "fresh-check: already inside a fresh root; not nesting" >&2
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "fresh-check: needs root (mmdebstrap, chroot, mount)" >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "fresh-check: needs mmdebstrap (make deps-dev)" >&2; exit 2; }

LOGS=${FRESH_LOG_DIR:-$REPO/build/fresh-check}
mkdir -p "$LOGS"
ROOT=$(mktemp -d /var/tmp/pb-fresh-root.XXXXXX)
mounted=()

cleanup() {
  local rc=$?
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[$i]}" 2>/dev/null || umount -R -l "${mounted[$i]}" 2>/dev/null || true
  done
  if [ -z "${FRESH_KEEP:-}" ]; then
    # never remove a root that still has something mounted in it
    if ! grep -q " $ROOT/" /proc/mounts; then rm -rf "$ROOT"; fi
  else
    echo "fresh-check: root kept in $ROOT"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The mirror apt uses here (deb822 sources or one-line sources.list).
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
security=$(awk '/^URIs:/ && /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$security" ] || security=${mirror%/debian}/debian-security

t_start=$(date +%s)
echo "fresh-check: bookworm root in $ROOT from $mirror"
mmdebstrap --variant=apt --include=make,ca-certificates bookworm "$ROOT" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
  "deb $security bookworm-security main" >"$LOGS/mmdebstrap.log" 2>&1 \
  || { tail -n 20 "$LOGS/mmdebstrap.log"; exit 1; }
t_root=$(date +%s)

# reach the registries as this machine does
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
[ -f /etc/hosts ] && cp /etc/hosts "$ROOT/etc/hosts"
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  mkdir -p "$ROOT/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
fi
[ -f /etc/npmrc ] && cp /etc/npmrc "$ROOT/etc/npmrc"

for m in proc sys dev; do
  mkdir -p "$ROOT/$m"
done
mount -t proc proc "$ROOT/proc"; mounted+=("$ROOT/proc")
mount --rbind /sys "$ROOT/sys"; mount --make-rslave "$ROOT/sys"; mounted+=("$ROOT/sys")
mount --rbind /dev "$ROOT/dev"; mount --make-rslave "$ROOT/dev"; mounted+=("$ROOT/dev")
if [ ! -d "$ROOT/dev/shm" ] || ! mountpoint -q "$ROOT/dev/shm"; then
  mkdir -p "$ROOT/dev/shm"
  mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"; mounted+=("$ROOT/dev/shm")
fi

inside() {  # run a shell command line inside the root, as a login would
  chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM=dumb FRESH_CHECK_INSIDE=1 /bin/bash -c "$1"
}
inside "update-ca-certificates >/dev/null 2>&1"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
t_clone=$(date +%s)
git clone -q "$REPO" "$ROOT/root/paperboy"
echo "fresh-check: clone of $(git -C "$ROOT/root/paperboy" rev-parse --short HEAD) in /root/paperboy; make demo DEMO_SMOKE=1"
demo_ok=0
if inside "cd /root/paperboy && make demo DEMO_SMOKE=1 DEMO_PORT=$port" >"$LOGS/demo.log" 2>&1; then
  demo_ok=1
fi
t_page=$(date +%s)
smoke=$(grep -E '^demo smoke:' "$LOGS/demo.log" | tail -n 1 || true)
if [ $demo_ok -eq 1 ]; then
  echo "first page: $((t_page - t_clone)) s from clone to first page ($smoke)"
else
  echo "first page: FAILED after $((t_page - t_clone)) s (${smoke:-no smoke line}); see $LOGS/demo.log"
  tail -n 30 "$LOGS/demo.log"
fi

test_ok=0
if [ "${FRESH_TEST:-1}" = 0 ]; then  # FRESH_TEST=0: demo and package only
  echo "0 passed, 0 failed (FRESH_TEST=0: make test not run)" >"$LOGS/test.log"
  test_ok=1
else
  echo "fresh-check: make test (log $LOGS/test.log)"
  if inside "cd /root/paperboy && make test" >"$LOGS/test.log" 2>&1; then
    test_ok=1
  fi
fi
t_test=$(date +%s)
closing=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOGS/test.log" | tail -n 1 || true)
[ $test_ok -eq 1 ] || grep -E '^FAIL' "$LOGS/test.log" | head -n 20 || true
echo "make test: ${closing:-no closing line} ($((t_test - t_page)) s)"

# the package, built and installed in the same root (FRESH_DEB=0 skips)
deb_ok=1
if [ "${FRESH_DEB:-1}" != 0 ]; then
  echo "fresh-check: make deb, then dpkg -i and the service checks (log $LOGS/deb.log)"
  deb_ok=0
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if inside "cd /root/paperboy && make deb && scripts/deb-smoke.sh \$(ls -t build/deb/paperboy_*.deb | head -n 1) $port" \
      >"$LOGS/deb.log" 2>&1; then
    deb_ok=1
  fi
  lintian_tags=$(grep -cE '^[EWIPXO]: paperboy' "$LOGS/deb.log" || true)
  grep -E '^deb-smoke: (installed|paperboy --version|FAIL|in the root)' "$LOGS/deb.log" || tail -n 20 "$LOGS/deb.log"
  echo "make deb: lintian tags: $lintian_tags; installed and checked: $([ $deb_ok -eq 1 ] && echo ok || echo FAILED) ($(( $(date +%s) - t_test )) s)"
fi
t_end=$(date +%s)
echo "fresh-check: total $((t_end - t_start)) s (root $((t_root - t_start)) s, clone to first page $((t_page - t_clone)) s, make test $((t_test - t_page)) s, package $((t_end - t_test)) s)"
[ $demo_ok -eq 1 ] && [ $test_ok -eq 1 ] && [ $deb_ok -eq 1 ]
