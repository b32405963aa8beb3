#!/usr/bin/env bash
# Regenerates the Go code under gen/ from the repository's proto/ with protoc, protoc-gen-go and
# protoc-gen-go-grpc (Debian: protobuf-compiler, libprotobuf-dev, protoc-gen-go,
# protoc-gen-go-grpc). CI runs it and fails if the result differs from what is committed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
module="github.com/baton-dev/baton/clients/go"

for tool in protoc protoc-gen-go protoc-gen-go-grpc; do
  command -v "$tool" >/dev/null 2>&1 || { echo "generate.sh: $tool is missing (see clients/go/README.md)" >&2; exit 1; }
done

# google/rpc/error_details.proto is only a declaration of two standard messages for the
# TypeScript build: Go uses genproto's errdetails, which registers the same file. The M option
# says so should a Baton proto ever import it, and the file itself is never generated here.
errdetails="Mgoogle/rpc/error_details.proto=google.golang.org/genproto/googleapis/rpc/errdetails"

# Keep protoc's own include (google/protobuf/*.proto) where Debian puts it.
includes=(-I "$root/proto")
[ -f /usr/include/google/protobuf/timestamp.proto ] && includes+=(-I /usr/include)

protos=()
while IFS= read -r file; do protos+=("${file#"$root/proto/"}"); done \
  < <(find "$root/proto/baton" -name '*.proto' | LC_ALL=C sort)

rm -rf "$here/gen"
protoc "${includes[@]}" \
  --go_out="$here" --go_opt="module=$module" --go_opt="$errdetails" \
  --go-grpc_out="$here" --go-grpc_opt="module=$module" --go-grpc_opt="$errdetails" \
  "${protos[@]}"
