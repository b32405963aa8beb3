#!/usr/bin/env bash
# Runs the Go client's tests (go test -v ./...) against a `baton serve` this script starts from
# the repository root, on a free port with the memory store, and stops afterwards. It builds
# offline in GOPATH mode from Debian's Go packages (gopath.sh); the exit status is go test's.
# Arguments go to go test (e.g. -run Lock, -race).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

command -v go >/dev/null 2>&1 || { echo "test.sh: go is not installed (see clients/go/README.md)" >&2; exit 1; }
[ -d "$root/node_modules" ] || { echo "test.sh: run npm ci in $root first" >&2; exit 1; }

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# --max-queue 32: the queue-full test fills a queue; every other test queues fewer.
(cd "$root" && exec node bin/baton.js serve --port 0 --store memory --max-queue 32) 2>"$work/server.log" &
server=$!
url=""
for _ in $(seq 1 600); do
  url="$(sed -n 's/^baton: serving on \(http:\/\/[^ ]*\).*/\1/p' "$work/server.log" | head -n1)"
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { echo "test.sh: baton serve exited:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "test.sh: baton serve did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
echo "test.sh: baton serving on $url"

status=0
BATON_URL="$url" BATON_ROOT="$root" "$here/gopath.sh" go test -v -count=1 -p 1 -timeout 300s "$@" ./... || status=$?
if [ "$status" -ne 0 ]; then
  echo "test.sh: FAILED (server log: last lines below)" >&2
  tail -n 20 "$work/server.log" >&2 || true
fi
exit "$status"
