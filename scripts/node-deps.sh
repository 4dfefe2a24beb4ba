#!/usr/bin/env bash
# Installs the pinned npm packages the client tests use (tests/node/package-lock.json: the MCP
# TypeScript SDK v1 and v2 clients, Claude Code, and @anthropic-ai/mcpb for the Claude Desktop
# bundle) with `npm ci`, only when node_modules is missing or older than the lockfile. Quiet
# when there is nothing to do. If the install is not possible (no Node.js >= 18, no npm, no
# registry), it says why and leaves the node-labelled tests to fail with the same advice, so the
# rest of the test run still happens.
set -euo pipefail
cd "$(dirname "$0")/../tests/node"

warn() { echo "node-deps: $*" >&2; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  warn "node and npm are needed for the client tests (apt-get install nodejs npm); skipping the install"
  exit 0
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
  warn "Node.js >= 18 is needed for the client tests, found $(node --version); skipping the install"
  exit 0
fi

marker=node_modules/.package-lock.json  # written by npm ci
if [ -f "$marker" ] && [ ! package-lock.json -nt "$marker" ] && [ ! package.json -nt "$marker" ]; then
  exit 0
fi

echo "node-deps: npm ci in tests/node (MCP SDK clients, Claude Code)" >&2
if ! npm ci --no-audit --no-fund --loglevel=error >&2; then
  warn "npm ci failed; the node-labelled tests will fail until scripts/node-deps.sh succeeds"
  exit 0
fi
