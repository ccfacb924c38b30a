#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan; the `fuzz` preset, in
# build-fuzz/) and runs each one in turn for SECONDS_PER_TARGET (default 60) from a copy of
# its seed corpus, so that runs never grow the repository. Prints per target the executions,
# the corpus size and whether it crashed; exits non-zero on any crash, naming the input that
# crashed (reproduce with: build-fuzz/bin/fuzz_<target> <that file>). See docs/fuzzing.md.
set -euo pipefail
source "$(dirname "$0")/common.sh"

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS_PER_TARGET]" >&2
  exit 2
fi
targets=(frames bodies control scenario)

rt_install_packages
cd "$RT_ROOT"
if [ ! -f build-fuzz/build.ninja ]; then
  echo "==> configuring the fuzz build in build-fuzz/"
  cmake --preset fuzz >/dev/null
fi
echo "==> building the fuzz targets"
cmake --build build-fuzz --target fuzz_targets --parallel "$(nproc)"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=0
summary=()
for target in "${targets[@]}"; do
  work="$RT_ROOT/build-fuzz/runs/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp "$RT_ROOT/tests/fuzz/corpus/$target"/* "$work/corpus/"
  seeds=$(find "$work/corpus" -type f | wc -l)
  # One allocation above 2 GiB is a bug (a length taken on trust); the process as a whole may
  # grow further: ASan's own bookkeeping adds about 1 KB per execution (docs/fuzzing.md).
  args=(-max_total_time="$seconds" -timeout=10 -malloc_limit_mb=2048 -rss_limit_mb=8192
        -print_final_stats=1 -artifact_prefix="$work/artifacts/")
  dict="$RT_ROOT/tests/fuzz/$target.dict"
  [ -f "$dict" ] && args+=(-dict="$dict")
  echo "==> fuzz_$target for ${seconds}s from $seeds seeds (log: $work/fuzz.log)"
  status=0
  "$RT_ROOT/build-fuzz/bin/fuzz_$target" "${args[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1 ||
    status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -1)
  if [ -z "$runs" ]; then  # a crash skips the final stats: take the last progress line
    runs=$(grep -oE '^#[0-9]+' "$work/fuzz.log" | tail -1 | tr -d '#')
  fi
  corpus=$(find "$work/corpus" -type f | wc -l)
  crash=$(find "$work/artifacts" -type f | head -1)
  if [ "$status" -ne 0 ] || [ -n "$crash" ]; then
    failed=1
    tail -n 40 "$work/fuzz.log"
    result="CRASHED (exit $status): ${crash:-see $work/fuzz.log}"
  else
    result="no crash"
  fi
  summary+=("$(printf '%-9s %10s executions  %5s inputs in corpus  %s' \
    "$target" "${runs:-?}" "$corpus" "$result")")
done

echo "==> fuzzing summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit "$failed"
