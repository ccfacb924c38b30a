#!/usr/bin/env bash
# `cmake --install` into a temporary DESTDIR with prefix /usr, then checks that every file the
# package promises lands where docs/packaging.md says, that bin/ holds exactly the programs,
# that the man pages are gzipped and render, and that the installed desktop file, AppStream
# metadata and icons agree with each other (appstreamcli validate-tree).
#   tests/packaging/staged_install_test.sh BUILD_DIR PROGRAM...
set -euo pipefail

build="$1"
shift
programs=("$@")
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

fail() {
  echo "FAIL $*"
  exit 1
}

DESTDIR="$stage" cmake --install "$build" --prefix /usr >"$stage.log" 2>&1 ||
  { cat "$stage.log"; rm -f "$stage.log"; fail "cmake --install"; }
rm -f "$stage.log"
usr="$stage/usr"

expected=(
  share/bash-completion/completions/raintree-lab
  share/raintree-studio/scenarios/README.md
  share/raintree-studio/wireshark/raintree.lua
  share/raintree-studio/wireshark/README.md
  share/doc/raintree-studio/README.md
  share/doc/raintree-studio/docs/reports.md
)
for program in "${programs[@]}"; do
  expected+=("bin/$program" "share/man/man1/$program.1.gz")
done
gui=no
if [[ " ${programs[*]} " == *" raintree-studio "* ]]; then
  gui=yes
  expected+=(
    share/applications/io.github.raintree.Studio.desktop
    share/metainfo/io.github.raintree.Studio.metainfo.xml
    share/icons/hicolor/scalable/apps/io.github.raintree.Studio.svg
    share/icons/hicolor/256x256/apps/io.github.raintree.Studio.png
  )
fi
for file in "${expected[@]}"; do
  [ -f "$usr/$file" ] || fail "/usr/$file was not installed"
done
for program in "${programs[@]}"; do
  [ -x "$usr/bin/$program" ] || fail "/usr/bin/$program is not executable"
done

# bin/ holds the programs and nothing else (no test or benchmark executable).
actual_bin="$(cd "$usr/bin" && ls | sort | tr '\n' ' ')"
wanted_bin="$(printf '%s\n' "${programs[@]}" | sort | tr '\n' ' ')"
[ "$actual_bin" = "$wanted_bin" ] || fail "/usr/bin holds '$actual_bin', expected '$wanted_bin'"

scenarios=$(find "$usr/share/raintree-studio/scenarios" -name '*.yaml' | wc -l)
source_scenarios=$(find "$(dirname "$0")/../../resources/scenarios" -name '*.yaml' | wc -l)
[ "$scenarios" -eq "$source_scenarios" ] ||
  fail "$scenarios scenarios installed, $source_scenarios in resources/scenarios"

# Man pages: gzip streams whose pages carry the project's version and render without warnings.
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")"
for program in "${programs[@]}"; do
  page="$usr/share/man/man1/$program.1.gz"
  gzip -t "$page" || fail "$page is not gzip"
  zcat "$page" | grep -q "^\.TH .*\"RainTree Studio $version\"" ||
    fail "$page: .TH does not name version $version"
  if command -v groff >/dev/null; then
    warnings="$(zcat "$page" | groff -man -ww -z -Tutf8 2>&1)"
    [ -z "$warnings" ] || fail "$page: groff warns: $warnings"
  fi
done

if [ "$gui" = yes ]; then
  png="$usr/share/icons/hicolor/256x256/apps/io.github.raintree.Studio.png"
  # PNG signature, then the IHDR chunk's width and height (big-endian, bytes 16..23).
  [ "$(od -An -tx1 -N8 "$png" | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$png is not a PNG"
  size="$(od -An -tu1 -j16 -N8 "$png" | awk '{print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8}')"
  [ "$size" = "256x256" ] || fail "$png is $size, not 256x256"
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$usr/share/applications/io.github.raintree.Studio.desktop" ||
      fail "installed desktop file"
  fi
  if command -v appstreamcli >/dev/null; then
    # The whole tree: metainfo, its launchable desktop file and the icon it names.
    appstreamcli validate-tree --no-net "$stage" || fail "appstreamcli validate-tree"
  fi
fi

echo "${#expected[@]} files installed where expected under DESTDIR/usr ($(find "$usr" -type f | wc -l) files in all)"
