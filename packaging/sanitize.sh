#!/usr/bin/env bash
# Builds the tests with sanitizers and runs the unit and integration suites under them
# (docs/sanitizers.md): `asan` is AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer
# (build-asan/), `tsan` is ThreadSanitizer (build-tsan/), `all` is both, one after the other.
# The raintree-node and raintree-lab processes that the tests start come from the same build,
# so they are checked too. Every report of every process goes to
# build-<preset>/sanitizer-logs/ (a child's stderr is often a log file that nobody reads);
# the script exits non-zero if any test failed or any report was written.
#
# Environment: RT_SANITIZE_JOBS (default 2) for the build and ctest; RT_SANITIZE_CTEST_ARGS
# adds ctest arguments (e.g. "-R Transport" to run a subset); ASAN_OPTIONS, UBSAN_OPTIONS and
# TSAN_OPTIONS are appended to the script's own (later options win).
set -euo pipefail

usage() {
  cat <<EOF
usage: $0 [asan|tsan|all]   (default: all)

Builds the 'asan' (ASan + UBSan) and/or 'tsan' (TSan) CMake preset and runs the unit and
integration tests under it (not the soak, the GUI or the benchmarks). Exits non-zero on any
failed test or any sanitizer report; reports are kept in build-<preset>/sanitizer-logs/.
See docs/sanitizers.md.
EOF
}

case "${1:-all}" in
  asan | tsan) presets=("$1") ;;
  all) presets=(asan tsan) ;;
  -h | --help)
    usage
    exit 0
    ;;
  *)
    usage >&2
    exit 2
    ;;
esac

source "$(dirname "$0")/common.sh"
jobs="${RT_SANITIZE_JOBS:-2}"
read -r -a extra_ctest_args <<<"${RT_SANITIZE_CTEST_ARGS:-}"
user_asan="${ASAN_OPTIONS:-}" user_ubsan="${UBSAN_OPTIONS:-}" user_tsan="${TSAN_OPTIONS:-}"

rt_install_packages
cd "$RT_ROOT"

# run_preset PRESET: build, test, count reports; prints one summary line into $summary_line
# and returns non-zero on any failure.
run_preset() {
  local preset="$1"
  local build="$RT_ROOT/build-$preset"
  local logs="$build/sanitizer-logs"
  local start=$SECONDS

  if [ ! -f "$build/build.ninja" ]; then
    echo "==> [$preset] configuring in build-$preset/"
    cmake --preset "$preset" >/dev/null || return 1
  fi
  echo "==> [$preset] building (-j$jobs; a cold build takes a while: sanitizers slow the compiler)"
  cmake --build "$build" --parallel "$jobs" || return 1

  rm -rf "$logs"
  mkdir -p "$logs"
  # log_path: every process (test, node, lab) writes its reports to its own file, <name>.<pid>.
  # Reports must stop the process where continuing would be meaningless (ASan, UBSan without
  # recover); TSan goes on after a race so that one run shows all of them, then exits 66.
  local common="log_path=$logs/$preset:print_suppressions=0"
  local supp="$RT_ROOT/packaging/sanitizers/$preset.supp"
  if [ "$preset" = asan ]; then
    # quarantine_size_mb: freed memory that ASan holds back to catch use-after-free counts in
    # RSS; at the default 256 MiB a node that delivered a flood "grows" past the tests' bounds
    # on resident memory (hostile_peer_test.cpp) with nothing leaked. 64 MiB fits them.
    export ASAN_OPTIONS="$common:halt_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1:quarantine_size_mb=64${user_asan:+:$user_asan}"
    export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1${user_ubsan:+:$user_ubsan}"
    [ -f "$RT_ROOT/packaging/sanitizers/lsan.supp" ] &&
      export LSAN_OPTIONS="suppressions=$RT_ROOT/packaging/sanitizers/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  else
    export TSAN_OPTIONS="$common:halt_on_error=0:second_deadlock_stack=1:history_size=4${user_tsan:+:$user_tsan}"
    [ -f "$supp" ] && export TSAN_OPTIONS="$TSAN_OPTIONS:suppressions=$supp"
  fi

  # Left out: the soak (81 nodes for a minute, checking RSS that sanitizers inflate; it has its
  # own script), the layering check (a CMake script: nothing to instrument) and, unless
  # RT_SANITIZE_SLOW=1, the simulator's sweeps (6600 single-threaded simulations: 20 min
  # under ASan for what the other simulator tests already cover, and nothing for TSan to see).
  local exclude='^(layering)$'
  [ "${RT_SANITIZE_SLOW:-0}" = 1 ] ||
    exclude='^(layering|RaintreeSweep\..*|RaintreeSim\.HundredThousandNodes)$'
  # The floods must outpace a node's inbound budget (20 000 frames/s) from an instrumented
  # test process: next to another heavy test they cannot, and fail for want of CPU. They run
  # on their own after the rest.
  local floods='^(HostilePeer\..*|AdvertProcess\.AnAdvertFlood.*)$'
  echo "==> [$preset] running the unit and integration tests (-j$jobs; reports in $logs)"
  local status=0
  (cd "$build" && ctest --output-on-failure --parallel "$jobs" --timeout 900 -LE soak \
    -E "$exclude|$floods" "${extra_ctest_args[@]}" 2>&1 | tee "$build/ctest.log") || status=$?
  echo "==> [$preset] running the flood tests one at a time"
  (cd "$build" && ctest --output-on-failure --timeout 900 -LE soak -R "$floods" -E "$exclude" \
    "${extra_ctest_args[@]}" 2>&1 | tee "$build/ctest-floods.log") || status=$?

  # A report has an ERROR, a WARNING or a "runtime error" (UBSan) line. LeakSanitizer also
  # writes a lone "Unable to get registers from thread N" when a thread is exiting while it
  # stops the world at exit: a note (that thread's registers go unscanned), not a finding.
  local reports="" notes="" f
  for f in $(find "$logs" -type f | sort); do
    if grep -qE 'ERROR: |WARNING: |runtime error' "$f"; then
      reports+="$f"$'\n'
    else
      notes+="$f"$'\n'
    fi
  done
  local count=0
  [ -n "$reports" ] && count=$(grep -c . <<<"$reports")
  if [ -n "$notes" ]; then
    echo "==> [$preset] sanitizer notes (not findings):"
    for f in $notes; do sed "s|^|  $(basename "$f"): |" "$f"; done
  fi
  if [ "$count" -gt 0 ]; then
    status=1
    echo "==> [$preset] $count sanitizer report file(s):"
    for f in $reports; do
      echo "---- $f"
      head -n 60 "$f"
    done
  fi
  local tests
  tests=$(grep -hE '^[0-9]+% tests passed' "$build/ctest.log" "$build/ctest-floods.log" |
    sed -E 's/^[0-9]+% tests passed, //' | paste -sd '+' -)
  summary_line="$(printf '%-5s %s; %d sanitizer report file(s); %d min %02d s' "$preset" \
    "${tests:-ctest did not finish}" "$count" $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)))"
  return "$status"
}

failed=0
summary=()
for preset in "${presets[@]}"; do
  summary_line=""
  run_preset "$preset" || failed=1
  summary+=("$summary_line")
done

echo "==> sanitizer summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
