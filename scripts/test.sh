#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. ASan+UBSan build (build-asan/, clang) running the unit, e2e and integration tests;
#   2. TSan build (build-tsan/) running the concurrency tests;
#   3. each fuzz target (build-fuzz/) over its regression inputs, then for a short time;
#   4. the normal build (build/) running every test, last, so the run ends with ctest's summary.
# Every stage runs even when an earlier one failed; a summary of stages 1-3 is printed before
# the final ctest, and any failure makes the script fail. HALO_MCP_SKIP_SANITIZERS=1 and
# HALO_MCP_SKIP_FUZZ=1 skip stages 1-2 and 3 for a quick local run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/install-deps.sh
scripts/build.sh
scripts/node-deps.sh         # MCP SDK clients and Claude Code (tests/node)
scripts/conformance-deps.sh  # Node 22 and the MCP conformance suites (tests/conformance)

build_dir=${HALO_MCP_BUILD_DIR:-build}
jobs=${HALO_MCP_JOBS:-$(nproc)}
fuzz_seconds=${HALO_MCP_FUZZ_SECONDS:-20}
summary=()
failed=0

note() { summary+=("$1"); }
fail() {
  summary+=("FAILED: $1")
  failed=1
}

# Sanitizer reports go to files as well as failing the test that saw them, so that a report
# from a child process (halo-mcp, halo-sim started by an e2e test) is never lost.
# LeakSanitizer prints "Unable to get registers from thread N" when a thread of a process being
# checked at exit cannot be stopped (on a loaded machine, a thread still winding down): it is not
# a finding, so a file holding nothing else is not counted.
report_files() {
  for f in $(find "$1" -type f 2>/dev/null); do
    if grep -qv 'Unable to get registers from thread' "$f"; then echo "$f"; fi
  done
}
reports_in() {
  report_files "$1" | wc -l
}
show_reports() {
  for f in $(report_files "$1" | head -5); do
    echo "--- $f"
    grep -E '^SUMMARY|^(WARNING|ERROR): |#[0-9] .* in .*(halo|server|sim|tests)/' "$f" | head -12 ||
      head -5 "$f"
  done
}

# configure DIR SANITIZER
configure() {
  if [ ! -f "$1/CMakeCache.txt" ]; then
    cmake -S . -B "$1" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHALO_MCP_SANITIZE="$2" -DHALO_MCP_BUILD_BENCH=OFF >&2
  fi
}

# sanitized_tests NAME DIR LABELS EXCLUDE TARGETS... : builds TARGETS, runs the tests labelled
# LABELS except those matching EXCLUDE (a ctest -E regex; "" for none).
sanitized_tests() {
  local name=$1 dir=$2 labels=$3 exclude=$4
  shift 4
  local reports=$root/$dir/sanitizer-reports
  rm -rf "$reports"
  mkdir -p "$reports"
  local started=$SECONDS
  if ! cmake --build "$dir" -j "$jobs" --target "$@" >"$dir/build.log" 2>&1; then
    tail -30 "$dir/build.log"
    fail "$name: build (see $dir/build.log)"
    return
  fi
  local log=$root/$dir/ctest.log status=0
  local filter=(-L "$labels")
  if [ -n "$exclude" ]; then filter+=(-E "$exclude"); fi
  (cd "$dir" && ctest "${filter[@]}" --output-on-failure --timeout 900 -j "$jobs") >"$log" 2>&1 ||
    status=$?
  local result
  result=$(grep -E '^[0-9]+% tests passed' "$log" || echo "ctest did not finish")
  local n
  n=$(reports_in "$reports")
  local what="$name: $result, $n sanitizer reports, $((SECONDS - started)) s (log: $dir/ctest.log)"
  if ((status != 0 || n > 0)); then
    grep -E -A30 '^The following tests FAILED' "$log" || true
    show_reports "$reports"
    fail "$what"
    # The names again in the summary, which is what survives when the output is cut.
    local names
    names=$(sed -n '/^The following tests FAILED/,$p' "$log" | grep -E '^[[:space:]]+[0-9]+ - ' |
      head -5 | sed -E 's/^[[:space:]]+[0-9]+ - /    /')
    if [ -n "$names" ]; then note "  failed in $name:"$'\n'"$names"; fi
  else
    note "$what"
  fi
}

if [ "${HALO_MCP_SKIP_SANITIZERS:-0}" != 1 ]; then
  configure build-asan address
  ASAN_OPTIONS="log_path=$root/build-asan/sanitizer-reports/asan:detect_leaks=1:abort_on_error=0" \
    UBSAN_OPTIONS="log_path=$root/build-asan/sanitizer-reports/ubsan:print_stacktrace=1" \
    sanitized_tests "ASan+UBSan (unit, e2e, integration)" build-asan 'unit|e2e|integration' '' \
    halo_tests halo_sim_tests server_tests sim_tests e2e_tests tool_e2e_tests http_e2e_tests \
    workflow_e2e_tests day_tool_e2e_tests office_e2e_tests feature_e2e_tests openapi_binding_tests \
    dynamic_e2e_tests oauth_e2e_tests \
    fault_soak_tests

  # Left out of the TSan run: the soak's 1,000 writes, whose ~250 dropped connections make the
  # in-process simulator walk /proc/self/fd while client threads close sockets; TSan's own fd
  # bookkeeping then sometimes fails an internal CHECK (ScopedReportBase::AddLocation), which no
  # suppression can stop (tests/sanitizers/tsan.supp has the report side).
  configure build-tsan thread
  TSAN_OPTIONS="log_path=$root/build-tsan/sanitizer-reports/tsan:second_deadlock_stack=1:suppressions=$root/tests/sanitizers/tsan.supp" \
    sanitized_tests "TSan (client, HTTP transport, stdio e2e, soak)" build-tsan \
    'unit|e2e|integration' 'Soak: 1,000 writes' halo_tests halo_sim_tests server_tests e2e_tests \
    http_e2e_tests fault_soak_tests
fi

if [ "${HALO_MCP_SKIP_FUZZ:-0}" != 1 ]; then
  fuzz_dir=${HALO_MCP_FUZZ_BUILD_DIR:-build-fuzz}
  if [ ! -f "$fuzz_dir/CMakeCache.txt" ]; then
    cmake -S . -B "$fuzz_dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHALO_MCP_FUZZ=ON -DHALO_MCP_BUILD_TESTS=OFF -DHALO_MCP_BUILD_BENCH=OFF >&2
  fi
  if ! cmake --build "$fuzz_dir" -j "$jobs" --target fuzzers >"$fuzz_dir/build.log" 2>&1; then
    tail -30 "$fuzz_dir/build.log"
    fail "fuzz: build (see $fuzz_dir/build.log)"
  else
    for target in stdio_fuzz schema_fuzz halo_response_fuzz query_url_fuzz http_transport_fuzz; do
      # Inputs that once crashed a target must never crash it again.
      regressions=tests/fuzz/regressions/$target
      if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
        if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
          "$fuzz_dir/tests/fuzz/$target" -detect_leaks=0 "$regressions"/* \
          >"$fuzz_dir/regressions-$target.log" 2>&1; then
          grep -E '^SUMMARY|^fuzz invariant broken|Running: ' "$fuzz_dir/regressions-$target.log" | tail -4
          fail "fuzz $target: a regression input crashes it (log: $fuzz_dir/regressions-$target.log)"
        fi
      fi
      if line=$(HALO_MCP_JOBS=$jobs scripts/fuzz.sh "$target" "$fuzz_seconds" 2>/dev/null); then
        note "$line"
      else
        echo "$line"
        fail "$(head -1 <<<"$line")"
      fi
    done
  fi
fi

echo
echo "== sanitizer and fuzz runs"
for line in "${summary[@]}"; do echo "  $line"; done
# The fault soak's figures, as measured in the ASan run.
grep -hE '^soak: ' build-asan/Testing/Temporary/LastTest.log 2>/dev/null |
  sed 's/^/  (ASan) /' || true
echo

cd "$build_dir"
status=0
ctest --output-on-failure --timeout 600 -j "$jobs" || status=$?
exit $((status != 0 || failed != 0))
