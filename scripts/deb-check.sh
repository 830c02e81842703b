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

chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive DEB="/tmp/$(basename "$DEB")" PORT="$PORT" \
  /bin/bash -euo pipefail -c '
fail() { echo "deb-check: FAIL $*"; exit 1; }
echo "deb-check: dpkg -i $(basename "$DEB")"
dpkg -i "$DEB" >/tmp/dpkg.log 2>&1 || echo "deb-check: dpkg -i needs dependencies (expected on a bare root)"
apt-get update -qq
apt-get -f install -y -qq >/tmp/apt.log 2>&1 || { tail -n 20 /tmp/apt.log; fail "apt-get -f install"; }
dpkg-query -W -f="\${Status} \${Version}\n" paperboy | grep -q "install ok installed" \
  || fail "paperboy is not installed"
echo "deb-check: installed $(dpkg-query -W -f="\${Version}" paperboy)"
getent passwd paperboy | grep -q ":/var/lib/paperboy:" || fail "no paperboy system user"
[ "$(stat -c %U:%a /var/lib/paperboy)" = paperboy:750 ] || fail "/var/lib/paperboy owner/mode"
[ -f /etc/paperboy/paperboy.conf ] || fail "no /etc/paperboy/paperboy.conf"
grep -q /etc/paperboy/paperboy.conf /var/lib/dpkg/info/paperboy.conffiles || fail "config not a conffile"
[ -f /lib/systemd/system/paperboy.service ] || fail "no unit"
[ -f /usr/share/man/man1/paperboy.1.gz ] || fail "no man page"
v=$(paperboy --version) || fail "paperboy --version"
echo "deb-check: paperboy --version: $v"
# serve as the service would, by hand (no systemd here), on a free port
as_paperboy() { setpriv --reuid=paperboy --regid=paperboy --init-groups "$@"; }
# setpriv execs: $! is the server itself
setpriv --reuid=paperboy --regid=paperboy --init-groups \
  paperboy serve --config /etc/paperboy/paperboy.conf \
   --port $PORT --error-log /var/log/paperboy/error.log &
pid=$!
trap "kill -KILL $pid 2>/dev/null || true" EXIT
ok=""
for i in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then
    exec 3<>/dev/tcp/127.0.0.1/$PORT
    printf "GET /healthz HTTP/1.0\r\n\r\n" >&3
    ok=$(cat <&3); exec 3>&-
    break
  fi
  sleep 0.1
done
echo "$ok" | head -n 1 | grep -q "200 OK" || { cat /var/log/paperboy/error.log || true; fail "/healthz: $ok"; }
echo "deb-check: /healthz: $(echo "$ok" | tail -n 1)"
exec 3<>/dev/tcp/127.0.0.1/$PORT
printf "GET /readyz HTTP/1.0\r\n\r\n" >&3
r=$(cat <&3); exec 3>&-
echo "$r" | head -n 1 | grep -q "200 OK" || fail "/readyz: $r"
echo "deb-check: /readyz: $(echo "$r" | tail -n 1)"
kill -TERM $pid
rc=0; wait $pid || rc=$?
trap - EXIT
[ $rc -eq 0 ] || fail "serve exited $rc on SIGTERM"
echo "deb-check: SIGTERM: exit 0"
[ -s /var/lib/paperboy/papers.db ] || fail "no store in /var/lib/paperboy"
grep -q "GET /healthz" /var/log/paperboy/access.log || fail "no access log"
as_paperboy paperboy backup --config /etc/paperboy/paperboy.conf /var/lib/paperboy/copy.db \
  || fail "backup"
paperboy stats --db /var/lib/paperboy/copy.db >/dev/null || fail "the backup does not open"
echo "deb-check: paperboy backup: a copy that opens"
echo "deb-check: in the root: all checks passed"
'
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
