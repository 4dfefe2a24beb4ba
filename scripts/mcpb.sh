#!/usr/bin/env bash
# Builds the Claude Desktop bundle (MCPB) from a built tree:
#   scripts/mcpb.sh [BUILD_DIR] [OUTPUT]   (defaults: build, build/halo-mcp-<version>.mcpb)
# The bundle holds packaging/mcpb/manifest.json, bin/halo-mcp (stripped) and
# share/halo-mcp/schemas, the layout `cmake --install` makes, so the binary finds its schemas.
# It is packed by the pinned @anthropic-ai/mcpb of tests/node (scripts/node-deps.sh installs it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
version=$(sed -n 's/^project(halo_mcp VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
out=${2:-$build/halo-mcp-$version.mcpb}
mcpb="$root/tests/node/node_modules/.bin/mcpb"
if [ ! -x "$mcpb" ]; then
  echo "mcpb: $mcpb is missing; run scripts/node-deps.sh" >&2
  exit 1
fi
[ -x "$build/server/halo-mcp" ] || { echo "mcpb: build halo-mcp first (scripts/build.sh)" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/halo-mcp-mcpb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cmake --install "$build" --prefix "$stage" --strip >/dev/null
rm -rf "$stage/share/man" "$stage/share/doc"  # Claude Desktop shows neither
cp "$root/packaging/mcpb/manifest.json" "$stage/manifest.json"
cp "$root/LICENSE" "$stage/LICENSE"
"$mcpb" validate "$stage/manifest.json" >&2
"$mcpb" pack "$stage" "$out" >&2
echo "$out"
