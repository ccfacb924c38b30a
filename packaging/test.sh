#!/usr/bin/env bash
# Sets up everything (Debian packages, Release build in build/) and runs the whole suite, then
# a short libFuzzer run of every fuzz target (packaging/fuzz.sh; RT_FUZZ_SECONDS per target,
# default 10, 0 skips it). Exits non-zero on any failure. Safe to run again: it only does what
# is missing.
set -euo pipefail
source "$(dirname "$0")/common.sh"

fuzz_seconds="${RT_FUZZ_SECONDS:-10}"
rt_install_packages
rt_build
echo "==> running the test suite"
cd "$RT_ROOT/build"
ctest --output-on-failure --timeout 600 --parallel 2 "$@"
if [ "$fuzz_seconds" != 0 ]; then
  "$RT_ROOT/packaging/fuzz.sh" "$fuzz_seconds"
fi
