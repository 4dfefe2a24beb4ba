#!/usr/bin/env bash
# Fails when a Catch test name cannot pass through ctest: catch_discover_tests registers each
# name, and ctest splits a name at ';' and reads a leading '--' as an option, so such a test is
# registered but never runs its own body.
set -euo pipefail
cd "$(dirname "$0")/.."
if grep -rnE 'TEST_CASE\("([^"]*;|--)' halo server sim tests bench; then
  echo "rename the test cases above: no ';' and no leading '--' in a test name" >&2
  exit 1
fi
