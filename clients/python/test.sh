#!/usr/bin/env bash
# Runs the Python client's tests against a real server: starts `baton serve` (memory store) from
# the repository root on a free port, runs pytest with /usr/bin/python3 (or $PYTHON) against it,
# and stops the server. Extra arguments go to pytest. The exit status is pytest's.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-/usr/bin/python3}"

log="$(mktemp)"
(cd "$root" && exec node bin/baton.js serve --port 0 --store memory) 2>"$log" &
server=$!
cleanup() {
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

url=""
for _ in $(seq 1 600); do
  url="$(grep -o 'serving on http://[^ ]*' "$log" | head -n1 | cut -d' ' -f3 || true)"
  [ -n "$url" ] && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "test.sh: baton serve exited before it listened:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "test.sh: baton serve did not start within 60 s" >&2
  cat "$log" >&2
  exit 1
fi
echo "test.sh: baton serve at $url; running pytest with $python"

cd "$here"
set +e
BATON_URL="$url" PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$python" -m pytest -p no:cacheprovider "$@"
status=$?
set -e
exit "$status"
