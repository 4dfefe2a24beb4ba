#!/usr/bin/env bash
# Configures and builds halo-mcp, the simulator and the tests into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${HALO_MCP_BUILD_DIR:-build}
jobs=${HALO_MCP_JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} >&2
cmake --build "$build_dir" -j "$jobs" >&2
