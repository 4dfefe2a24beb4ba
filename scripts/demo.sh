#!/usr/bin/env bash
# Quick start: install what is missing, build, and serve the embedded demo tenant over stdio.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/server/halo-mcp --demo "$@"
