#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. Ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/node-deps.sh         # MCP SDK clients and Claude Code (tests/node)
scripts/conformance-deps.sh  # Node 22 and the MCP conformance suites (tests/conformance)
cd "${HALO_MCP_BUILD_DIR:-build}"
exec ctest --output-on-failure --timeout 600 -j "$(nproc)"
