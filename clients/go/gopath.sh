#!/usr/bin/env bash
# Runs a command (e.g. `go test ./...`, `go build -o /tmp/bench ./cmd/bench`) from this module's
# directory in GOPATH mode: a temporary GOPATH maps the import path to this checkout, and
# Debian's Go packages (/usr/share/gocode) provide the dependencies, so nothing is downloaded.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
module="github.com/baton-dev/baton/clients/go"
gopath="$(mktemp -d)"
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/$(dirname "$module")"
ln -s "$here" "$gopath/src/$module"
cd "$gopath/src/$module"
GO111MODULE=off GOFLAGS= GOPATH="$gopath:/usr/share/gocode" "$@"
