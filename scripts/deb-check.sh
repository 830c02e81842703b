#!/usr/bin/env bash
# deb-check.sh - install the package of `make deb` on a fresh Debian 12 and
# run it there (docs/DEPLOY.md):
#   1. mmdebstrap makes a bare bookworm root (--variant=apt) from the Debian
#      mirror this machine's apt uses;
#   2. the root gets this machine's resolver configuration and extra CA
#      certificates, so apt inside reaches the mirror as this machine does;
#   3. inside it (chroot; there is no systemd there): `dpkg -i` the .deb,
#      `apt-get -f install` its dependencies, then check the system user,
#      /etc/paperboy/paperboy.conf, the unit file, the man page,
#      `paperboy --version`, and `paperboy serve --config ...` run by hand
#      as the paperboy user answering /healthz and /readyz on 127.0.0.1;
#   4. on this machine: `systemd-analyze verify` of the installed unit
#      against the root's files.
# Usage: scripts/deb-check.sh [PATH.deb]  (default: the newest build/deb/*.deb)
# Needs root and mmdebstrap (make deps-dev). Removes the root when done
# unless KEEP_ROOT=1; REUSE_ROOT=DIR runs in such a kept root. Exits 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "deb-check: needs root (mmdebstrap, chroot, mount)" >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "deb-check: needs mmdebstrap (make deps-dev)" >&2; exit 2; }
DEB=${1:-$(ls -t build/deb/paperboy_*.deb 2>/dev/null | head -n 1 || true)}
[ -n "$DEB" ] && [ -f "$DEB" ] || { echo "deb-check: no .deb (run make deb)" >&2; exit 2; }
DEB=$(readlink -f "$DEB")

# REUSE_ROOT=DIR: a root kept by an earlier KEEP_ROOT=1 run (saves
# mmdebstrap's minutes while working on the package)
if [ -n "${REUSE_ROOT:-}" ]; then
  ROOT=$REUSE_ROOT KEEP_ROOT=1
  [ -f "$ROOT/etc/debian_version" ] || { echo "deb-check: $ROOT is not a root" >&2; exit 2; }
else
  ROOT=$(mktemp -d /tmp/pb-deb-root.XXXXXX)
fi
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[$i]}" 2>/dev/null || umount -R -l "${mounted[$i]}" 2>/dev/null || true
  done
  if [ "${KEEP_ROOT:-0}" != 1 ] && ! grep -q " $ROOT/" /proc/mounts; then
    rm -rf "$ROOT"
  fi
}
trap cleanup EXIT

mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
security=$(awk '/^URIs:/ && /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$security" ] || security=${mirror%/debian}/debian-security

t0=$(date +%s)
if [ -z "${REUSE_ROOT:-}" ]; then
echo "deb-check: bookworm root in $ROOT from $mirror"
mmdebstrap --variant=apt --include=ca-certificates bookworm "$ROOT" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
  "deb $security bookworm-security main" >"$ROOT.mmdebstrap.log" 2>&1 \
  || { tail -n 20 "$ROOT.mmdebstrap.log"; exit 1; }
rm -f "$ROOT.mmdebstrap.log"
echo "deb-check: root made in $(( $(date +%s) - t0 )) s"
fi
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  mkdir -p "$ROOT/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  chroot "$ROOT" update-ca-certificates >/dev/null 2>&1
fi
mount -t proc proc "$ROOT/proc"; mounted+=("$ROOT/proc")
mount --rbind /dev "$ROOT/dev"; mount --make-rslave "$ROOT/dev"; mounted+=("$ROOT/dev")
cp "$DEB" "$ROOT/tmp/"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cp scripts/deb-smoke.sh "$ROOT/tmp/deb-smoke.sh"
chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  /bin/bash /tmp/deb-smoke.sh "/tmp/$(basename "$DEB")" "$PORT"
# the unit as installed, verified on this machine against the root's files
d=$(mktemp -d)
sed "s|/usr/bin/paperboy|$ROOT/usr/bin/paperboy|" "$ROOT/lib/systemd/system/paperboy.service" > "$d/paperboy.service"
mkdir -p "$d/man/man1" && zcat "$ROOT/usr/share/man/man1/paperboy.1.gz" > "$d/man/man1/paperboy.1"
if MANPATH="$d/man" systemd-analyze verify "$d/paperboy.service"; then
  echo "deb-check: systemd-analyze verify paperboy.service: ok"
else
  rm -rf "$d"; echo "deb-check: FAIL systemd-analyze verify"; exit 1
fi
rm -rf "$d"
echo "deb-check: passed in $(( $(date +%s) - t0 )) s"
