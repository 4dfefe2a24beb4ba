#!/usr/bin/env bash
# Runs one libFuzzer campaign: scripts/fuzz.sh TARGET [SECONDS]   (default 600 s)
# Targets: stdio_fuzz schema_fuzz halo_response_fuzz query_url_fuzz http_transport_fuzz
# HALO_MCP_FUZZ_WORKERS=N runs N processes over the same corpus (each picks up what the others
# find); the summary adds up their executions.
#
# Builds the target in build-fuzz/ (clang, -DHALO_MCP_FUZZ=ON) when needed. The corpus grows in
# build-fuzz/corpus/TARGET, starting from the committed seeds (tests/fuzz/corpus/TARGET); crash
# inputs land in build-fuzz/artifacts/TARGET/. Prints one summary line (executions, crashes,
# places with undefined behaviour) and the distinct findings; exits 1 when there are any.
set -euo pipefail
cd "$(dirname "$0")/.."

targets="stdio_fuzz schema_fuzz halo_response_fuzz query_url_fuzz http_transport_fuzz"
target=${1:-}
seconds=${2:-600}
if [[ -z "$target" || " $targets " != *" $target "* ]]; then
  echo "usage: scripts/fuzz.sh TARGET [SECONDS]; TARGET is one of: $targets" >&2
  exit 2
fi
build_dir=${HALO_MCP_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${HALO_MCP_JOBS:-$(nproc)}
workers=${HALO_MCP_FUZZ_WORKERS:-1}
if ! [[ "$workers" =~ ^[1-9][0-9]?$ ]]; then
  echo "HALO_MCP_FUZZ_WORKERS must be a number of processes from 1 to 99, got '$workers'" >&2
  exit 2
fi

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHALO_MCP_FUZZ=ON -DHALO_MCP_BUILD_TESTS=OFF -DHALO_MCP_BUILD_BENCH=OFF >&2
fi
cmake --build "$build_dir" --target "$target" -j "$jobs" >&2

seeds=tests/fuzz/corpus/$target
corpus=$build_dir/corpus/$target
artifacts=$build_dir/artifacts/$target
log=$build_dir/fuzz-$target.log
mkdir -p "$corpus" "$artifacts"

options=()
case $target in
  query_url_fuzz) dicts=(tests/fuzz/dict/query.dict) ;;
  http_transport_fuzz) dicts=(tests/fuzz/dict/json.dict tests/fuzz/dict/http.dict) ;;
  *) dicts=(tests/fuzz/dict/json.dict) ;;
esac
case $target in
  # These serve one server for the whole run (see their file comments): memory that outlives an
  # input is state, not a leak.
  stdio_fuzz | http_transport_fuzz) options+=(-detect_leaks=0) ;;
esac
dict=$build_dir/$target.dict
cat "${dicts[@]}" >"$dict"

stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT
# UB is recoverable in the fuzz build: a campaign longer than two minutes notes each place once
# and goes on; a short run (scripts/test.sh) stops at the first. Memory errors and broken
# invariants always stop the run.
halt=1
if ((seconds > 120)); then halt=0; fi
# fuzz_worker LOG: one libFuzzer process over the shared corpus.
fuzz_worker() {
  ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=10} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=$halt:print_stacktrace=1} \
    "$build_dir/tests/fuzz/$target" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -dict="$dict" -artifact_prefix="$artifacts/" "${options[@]}" \
    "$corpus" "$seeds" >"$1" 2>&1
}
logs=("$log")
if ((workers > 1)); then
  logs=()
  for ((i = 1; i <= workers; i++)); do logs+=("${log%.log}.$i.log"); done
fi
pids=()
for worker_log in "${logs[@]}"; do
  fuzz_worker "$worker_log" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done

executions=$( (grep -hE '^stat::number_of_executed_units:' "${logs[@]}" || true) |
  awk '{n += $2} END {if (NR) print n}')
crashes=$(find "$artifacts" -type f -newer "$stamp" | wc -l)
ub=$( (grep -hE ': runtime error: ' "${logs[@]}" || true) | sed -E 's/: runtime error: .*//' | sort -u | wc -l)
inputs=$(find "$corpus" -type f | wc -l)
echo "fuzz $target: ${seconds} s, ${executions:-0} executions, $crashes crashes, $ub UB places," \
  "corpus $inputs inputs (log: ${logs[*]})"
if ((crashes > 0 || ub > 0)); then
  grep -hE '^SUMMARY: |^fuzz invariant broken: |: runtime error: ' "${logs[@]}" |
    sort | uniq -c | sort -rn | head -20 | sed 's/^/  /'
  if ((crashes > 0)); then
    echo "  inputs: $(find "$artifacts" -type f -newer "$stamp" | head -5 | tr '\n' ' ')"
  fi
  exit 1
fi
if [[ -z "$executions" || $status -ne 0 ]]; then
  echo "  libFuzzer failed (exit $status); see ${logs[*]}" >&2
  exit 1
fi
