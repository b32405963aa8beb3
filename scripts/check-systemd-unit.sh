#!/usr/bin/env bash
# Checks deploy/baton.service with `systemd-analyze verify`. verify exits 0 on mere warnings (an
# unknown key, a bad value), so any line it prints about the unit fails the check too; lines about
# other units of the machine it loads on the way are shown but not held against ours.
set -euo pipefail
cd "$(dirname "$0")/.."
unit=deploy/baton.service
set +e
out=$(systemd-analyze verify "$unit" 2>&1)
status=$?
set -e
[ -n "$out" ] && printf '%s\n' "$out"
if [ "$status" -ne 0 ] || grep -q "baton.service" <<<"$out"; then
  echo "check-systemd-unit: $unit does not verify cleanly" >&2
  exit 1
fi
echo "check-systemd-unit: $unit verifies cleanly"
