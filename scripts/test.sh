#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. Ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
if [ -x scripts/node-deps.sh ]; then scripts/node-deps.sh; fi
cd "${HALO_MCP_BUILD_DIR:-build}"
exec ctest --output-on-failure --timeout 600 -j "$(nproc)"
