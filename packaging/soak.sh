#!/usr/bin/env bash
# The soak (docs/soak.md): builds raintree-lab and raintree-node into build/ when needed, then
# runs NODES real nodes (default 81) for DURATION (default 10m; 90s, 1h, ...) under a steady
# stream of broadcasts and random faults, and checks that no broadcast was lost, no process
# leaked memory or descriptors and none crashed. Further arguments go to `raintree-lab soak`
# (e.g. --seed 7 --rate 10 --mode random). Exits non-zero on any failure, with the reasons.
# Leaves in build/soak/: soak.json (summary and verdict), report.json (the event report) and
# cluster/ (cluster.json and every node's log).
set -euo pipefail
source "$(dirname "$0")/common.sh"

duration="${1:-10m}"
nodes="${2:-81}"
shift $(($# < 2 ? $# : 2))
if ! [[ "$nodes" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [DURATION] [NODES] [raintree-lab soak options...]" >&2
  exit 2
fi

rt_install_packages
rt_build raintree-lab raintree-node
out="$RT_ROOT/build/soak"
rm -rf "$out"
mkdir -p "$out"
echo "==> soak: $nodes nodes for $duration (results in $out)"
exec "$RT_ROOT/build/bin/raintree-lab" soak --nodes "$nodes" --duration "$duration" \
  --dir "$out/cluster" --json "$out/soak.json" --report "$out/report.json" "$@"
