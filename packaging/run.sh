#!/usr/bin/env bash
# Sets up everything (Debian packages, Release build in build/) and opens RainTree Studio on
# a default local cluster of real node processes. Extra arguments go to raintree-studio.
set -euo pipefail
source "$(dirname "$0")/common.sh"

rt_install_packages
rt_build

studio="$RT_ROOT/build/bin/raintree-studio"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  cat <<MSG
No display found (DISPLAY and WAYLAND_DISPLAY are unset), so the studio window cannot open.
Headless alternatives:
  - a screenshot of the studio on a live cluster:
      QT_QPA_PLATFORM=offscreen $studio --nodes 16 --screenshot studio.png --quit-after 8
  - the studio in a virtual display:   xvfb-run -a $studio
  - the same cluster from the terminal:
      $RT_ROOT/build/bin/raintree-lab run --nodes 16 --mode random --broadcasts 10 --json report.json
MSG
  exit 0
fi
exec "$studio" "$@"
