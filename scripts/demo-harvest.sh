#!/usr/bin/env bash
# demo-harvest.sh - for `make demo`: try a small live harvest (today's
# Hugging Face Daily Papers) into the demo database. Without network (or
# when it takes too long) say so in one line and exit 0, so that the demo
# goes on with the bundled sample.
#   DEMO_DB                 the database (default demo.db)
#   PAPERBOY_BIN            the binary (default ./paperboy)
#   PAPERBOY_DEMO_BASE_URL  another server (tests)
#   PAPERBOY_DEMO_TIMEOUT   seconds for the whole harvest (default 20)
set -u
cd "$(dirname "$0")/.."
BIN=${PAPERBOY_BIN:-./paperboy}
DB=${DEMO_DB:-demo.db}
args=(harvest daily --days 1 --db "$DB" --quiet --timeout 10)
[ -n "${PAPERBOY_DEMO_BASE_URL:-}" ] && args+=(--base-url "$PAPERBOY_DEMO_BASE_URL")
out=$(timeout "${PAPERBOY_DEMO_TIMEOUT:-20}" "$BIN" "${args[@]}" 2>&1)
rc=$?
last=$(printf '%s\n' "$out" | tail -n 1)
case $rc in
  0|3) echo "live harvest of today's Daily Papers: $last" ;;
  124) echo "no live harvest (no answer within ${PAPERBOY_DEMO_TIMEOUT:-20} s); going on with the bundled sample" ;;
  *)   echo "no live harvest (${last#paperboy harvest daily: }); going on with the bundled sample" ;;
esac
exit 0
