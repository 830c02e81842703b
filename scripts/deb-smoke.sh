#!/usr/bin/env bash
# deb-smoke.sh - install a paperboy .deb on the Debian system this runs on
# and check it works as a packaged service would (docs/DEPLOY.md). Run as
# root inside a throwaway root: scripts/deb-check.sh runs it in a bare
# mmdebstrap root, scripts/fresh-check.sh in its fresh root after
# `make test` (on the package `make deb` built there).
#   dpkg -i, `apt-get -f install` of its dependencies, then the system
#   user, /var/lib/paperboy, /etc/paperboy/paperboy.conf (a conffile), the
#   unit file, the man page, `paperboy --version`, `paperboy serve --config`
#   run by hand as the paperboy user (no systemd in a chroot) answering
#   /healthz and /readyz on 127.0.0.1:PORT, exit 0 on SIGTERM, and a
#   `paperboy backup` that opens.
# Usage: scripts/deb-smoke.sh PATH.deb PORT   Exits 0 when every check passed.
set -euo pipefail
DEB=${1:?PATH.deb}; PORT=${2:?PORT}
export DEBIAN_FRONTEND=noninteractive
[ "$(id -u)" -eq 0 ] || { echo "deb-smoke: needs root (dpkg -i)" >&2; exit 2; }
fail() { echo "deb-smoke: FAIL $*"; exit 1; }
echo "deb-smoke: dpkg -i $(basename "$DEB")"
dpkg -i "$DEB" >/tmp/dpkg.log 2>&1 || echo "deb-smoke: dpkg -i needs dependencies (expected on a bare root)"
apt-get update -qq
apt-get -f install -y -qq >/tmp/apt.log 2>&1 || { tail -n 20 /tmp/apt.log; fail "apt-get -f install"; }
dpkg-query -W -f="\${Status} \${Version}\n" paperboy | grep -q "install ok installed" \
  || fail "paperboy is not installed"
echo "deb-smoke: installed $(dpkg-query -W -f="\${Version}" paperboy)"
getent passwd paperboy | grep -q ":/var/lib/paperboy:" || fail "no paperboy system user"
[ "$(stat -c %U:%a /var/lib/paperboy)" = paperboy:750 ] || fail "/var/lib/paperboy owner/mode"
[ -f /etc/paperboy/paperboy.conf ] || fail "no /etc/paperboy/paperboy.conf"
grep -q /etc/paperboy/paperboy.conf /var/lib/dpkg/info/paperboy.conffiles || fail "config not a conffile"
[ -f /lib/systemd/system/paperboy.service ] || fail "no unit"
[ -f /usr/share/man/man1/paperboy.1.gz ] || fail "no man page"
v=$(paperboy --version) || fail "paperboy --version"
echo "deb-smoke: paperboy --version: $v"
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
echo "deb-smoke: /healthz: $(echo "$ok" | tail -n 1)"
exec 3<>/dev/tcp/127.0.0.1/$PORT
printf "GET /readyz HTTP/1.0\r\n\r\n" >&3
r=$(cat <&3); exec 3>&-
echo "$r" | head -n 1 | grep -q "200 OK" || fail "/readyz: $r"
echo "deb-smoke: /readyz: $(echo "$r" | tail -n 1)"
kill -TERM $pid
rc=0; wait $pid || rc=$?
trap - EXIT
[ $rc -eq 0 ] || fail "serve exited $rc on SIGTERM"
echo "deb-smoke: SIGTERM: exit 0"
[ -s /var/lib/paperboy/papers.db ] || fail "no store in /var/lib/paperboy"
grep -q "GET /healthz" /var/log/paperboy/access.log || fail "no access log"
as_paperboy paperboy backup --config /etc/paperboy/paperboy.conf /var/lib/paperboy/copy.db \
  || fail "backup"
paperboy stats --db /var/lib/paperboy/copy.db >/dev/null || fail "the backup does not open"
echo "deb-smoke: paperboy backup: a copy that opens"
echo "deb-smoke: in the root: all checks passed"
