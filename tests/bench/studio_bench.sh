#!/usr/bin/env bash
# The studio under load (issue: "smooth under load"): drives the real main window offscreen
# with a simulated 300-node raintree cluster's traffic and prints frame times, paint and ingest
# costs and the event rate reached, at the target rate and at three times it for headroom.
#   tests/bench/studio_bench.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
seconds="${1:-20}"
build="${2:-$(cd "$(dirname "$0")/../.." && pwd)/build}"
studio="$build/bin/raintree-studio"
if [ ! -x "$studio" ]; then
  echo "studio_bench: $studio not found; build first (packaging/test.sh or rt_build)" >&2
  exit 2
fi
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
for rate in 10000 30000; do
  "$studio" --bench "$seconds" --nodes 300 --mode raintree --bench-rate "$rate"
done
