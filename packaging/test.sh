#!/usr/bin/env bash
# Sets up everything (Debian packages, Release build in build/) and runs the whole suite.
# Exits non-zero on any failure. Safe to run again: it only does what is missing.
set -euo pipefail
source "$(dirname "$0")/common.sh"

rt_install_packages
rt_build
echo "==> running the test suite"
cd "$RT_ROOT/build"
ctest --output-on-failure --timeout 600 --parallel 2 "$@"
