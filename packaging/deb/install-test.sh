#!/usr/bin/env bash
# Installs the .deb into a clean Debian 12 (bookworm) root with apt, which resolves its Depends
# and Recommends from the mirror, and checks that what it installed works there: --help of every
# program and lab command, the installed scenarios, a 5-node `raintree-lab run` with full
# coverage, the studio on the offscreen platform, then (with man-db, bash-completion,
# desktop-file-utils and appstream added afterwards, so they cannot stand in for a missing
# dependency) the man pages, the bash completion, the desktop file and the AppStream metadata.
#
#   packaging/deb/install-test.sh [PACKAGE.deb]    (root; exit 77 = not root)
#
# Without an argument it builds Release into build/ and runs cpack there. The pristine root
# (debootstrap --variant=minbase) is cached as a tarball, and the downloaded packages in an apt
# archive, under RT_DEB_CACHE (default /var/cache/raintree-studio); every run extracts a fresh
# root and removes it afterwards (RT_KEEP_ROOT=1 keeps it). RT_DEB_MIRROR picks the mirror.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test: needs root (debootstrap, chroot and mounts); skipped" >&2
  exit 77
fi
started=$(date +%s.%N)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
suite=bookworm
mirror="${RT_DEB_MIRROR:-http://deb.debian.org/debian}"
cache="${RT_DEB_CACHE:-/var/cache/raintree-studio}"
arch="$(dpkg --print-architecture)"
pristine="$cache/$suite-minbase-$arch.tar.gz"

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%6.1f s", b - a }'; }
say() { printf '[%s] %s\n' "$(elapsed "$started")" "$*"; }
fail() {
  say "FAIL: $*" >&2
  exit 1
}
# step NAME COMMAND...: runs it, prints how long it took, fails the test if it fails. (Inside
# `cmd || fail`, bash ignores set -e, so the step functions return on every failure themselves.)
step() {
  local name="$1" t0
  shift
  t0=$(date +%s.%N)
  say "$name ..."
  "$@" || fail "$name"
  say "$name: done in $(elapsed "$t0")"
}

# --- what the host needs ------------------------------------------------------------------------
missing=()
for tool in debootstrap python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- the package --------------------------------------------------------------------------------
build_deb() {
  # shellcheck source=../common.sh
  source "$repo/packaging/common.sh"
  rt_install_packages || return 1
  rt_build || return 1  # what run.sh and test.sh build; cpack would build it all anyway
  (cd "$repo/build" && cpack -G DEB >/dev/null)
}
if [ $# -ge 1 ]; then
  deb="$(realpath "$1")"
  [ -f "$deb" ] || fail "$1 does not exist"
else
  step "build the .deb (cmake --build build, cpack -G DEB)" build_deb
  deb="$(ls -t "$repo"/build/raintree-studio_*_"$arch".deb | head -n1)"
fi
say "package: $deb ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb --field "$deb" Package Version Depends Recommends Suggests | sed 's/^/    /'

# --- a fresh root, always torn down -------------------------------------------------------------
root="" mounted=() pristine_tmp=""
cleanup() {
  local status=$? pid i
  set +e
  [ -n "$pristine_tmp" ] && rm -rf "$pristine_tmp"  # an interrupted debootstrap
  if [ -n "$root" ]; then
    # Anything still running inside the root (a node the lab failed to stop) holds the mounts.
    for pid in /proc/[0-9]*; do
      pid="${pid#/proc/}"
      [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ] && kill -KILL "$pid" 2>/dev/null
    done
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
      umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}"
    done
    if grep -q " $root/" /proc/self/mounts; then
      say "mounts left under $root, not removing it:" >&2
      grep " $root/" /proc/self/mounts >&2
      status=1
    elif [ -n "${RT_KEEP_ROOT:-}" ]; then
      say "kept $root"
    else
      local t0
      t0=$(date +%s.%N)
      rm -rf "$root"
      say "removed the root in $(elapsed "$t0")"
    fi
  fi
  say "total $(elapsed "$started"), exit $status"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

make_pristine() {
  mkdir -p "$cache"
  pristine_tmp="$(mktemp -d "$cache/debootstrap.XXXXXX")"
  if ! debootstrap --variant=minbase "$suite" "$pristine_tmp/root" "$mirror" \
    >"$pristine_tmp/log" 2>&1; then
    tail -n 20 "$pristine_tmp/log" >&2
    return 1
  fi
  rm -f "$pristine_tmp/root/var/cache/apt/archives/"*.deb
  tar -C "$pristine_tmp/root" -czf "$pristine_tmp/root.tar.gz" . || return 1
  mv "$pristine_tmp/root.tar.gz" "$pristine" || return 1
  rm -rf "$pristine_tmp"
  pristine_tmp=""
}
if [ ! -f "$pristine" ]; then
  step "debootstrap --variant=minbase $suite (cached as $pristine)" make_pristine
else
  say "pristine root: $pristine ($(du -m "$pristine" | cut -f1) MiB, cached)"
fi

root="$(mktemp -d /var/tmp/raintree-deb-test.XXXXXX)"
step "extract a fresh root into $root" tar -C "$root" -xzf "$pristine"

bind() {  # bind SOURCE TARGET-IN-ROOT [mount options...]
  local source="$1" target="$root$2"
  shift 2
  mkdir -p "$target"
  mount "$@" "$source" "$target" && mounted+=("$target")
}
bind proc /proc -t proc
bind sysfs /sys -t sysfs
bind /dev /dev --bind
bind /dev/pts /dev/pts --bind
mkdir -p "$cache/apt-archives/partial"
bind "$cache/apt-archives" /var/cache/apt/archives --bind  # downloads kept between runs
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
# A throwaway root: dpkg need not fsync every file (as in pbuilder and sbuild).
echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/raintree-unsafe-io"
# No service starts inside the root (nftables ships a unit).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
echo "deb $mirror $suite main" >"$root/etc/apt/sources.list"
cp "$deb" "$root/tmp/"
deb_in_root="/tmp/$(basename "$deb")"

# in_root COMMAND...: runs a shell command in the root with a clean environment.
in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive /bin/bash -euo pipefail -c "$*"
}
apt_in_root() { in_root "apt-get -o DPkg::Lock::Timeout=60 -o Acquire::Retries=3 -q $* >/tmp/apt.log 2>&1 || { tail -n 30 /tmp/apt.log; exit 1; }"; }
# The mirror's name does not always resolve at the first try: three, 5 s apart.
apt_update() {
  local attempt
  for attempt in 1 2 3; do
    apt_in_root update --error-on=any && return 0
    [ "$attempt" -lt 3 ] && echo "    apt-get update failed (try $attempt of 3), again in 5 s" && sleep 5
  done
  return 1
}

before=$(in_root "dpkg-query -W -f '\${Package}\n' | wc -l")
step "apt-get update in the root" apt_update
step "apt-get install ./$(basename "$deb") (its Depends and Recommends from $mirror)" \
  apt_in_root install -y "$deb_in_root"
after=$(in_root "dpkg-query -W -f '\${Package}\n' | wc -l")
say "packages in the root: $before before, $after after ($((after - before)) installed with it)"
in_root "dpkg -s raintree-studio | grep -E '^(Status|Version):'" | sed 's/^/    /'
in_root "for p in iproute2 nftables; do dpkg -s \$p >/dev/null 2>&1 && echo \"    recommended \$p: installed\"; done"

# --- what the package alone must make work ------------------------------------------------------
check_help() {
  local program cmd
  for program in raintree-node raintree-lab raintree-studio; do
    in_root "command -v $program >/dev/null" || { echo "$program is not on PATH"; return 1; }
    in_root "$program --help >/dev/null" || { echo "$program --help failed"; return 1; }
  done
  in_root "raintree-node --version && raintree-lab --version" | sed 's/^/    /' || return 1
  for cmd in attach cluster "cluster up" "cluster status" "cluster down" compare fault replay run \
    scenario sim soak "attach cluster.json status" "attach cluster.json broadcast" \
    "attach cluster.json watch" "attach cluster.json fault"; do
    in_root "raintree-lab $cmd --help >/dev/null" || { echo "raintree-lab $cmd --help failed"; return 1; }
  done
  echo "    --help of 3 programs and 16 lab commands: exit 0"
}
step "every program and lab command answers --help" check_help

check_files() {
  local f
  for f in /usr/share/man/man1/raintree-node.1.gz /usr/share/man/man1/raintree-lab.1.gz \
    /usr/share/man/man1/raintree-studio.1.gz /usr/share/bash-completion/completions/raintree-lab \
    /usr/share/applications/io.github.raintree.Studio.desktop \
    /usr/share/metainfo/io.github.raintree.Studio.metainfo.xml \
    /usr/share/icons/hicolor/scalable/apps/io.github.raintree.Studio.svg \
    /usr/share/icons/hicolor/256x256/apps/io.github.raintree.Studio.png \
    /usr/share/raintree-studio/wireshark/raintree.lua /usr/share/doc/raintree-studio/README.md; do
    [ -f "$root$f" ] || { echo "missing $f"; return 1; }
  done
  echo "    $(in_root "dpkg -L raintree-studio | wc -l") paths in the package, the 10 checked present"
}
step "installed files" check_files

check_scenarios() {
  local n
  n=$(in_root "ls /usr/share/raintree-studio/scenarios/*.yaml | wc -l")
  [ "$n" -gt 0 ] || { echo "no scenario installed"; return 1; }
  in_root "for f in /usr/share/raintree-studio/scenarios/*.yaml; do raintree-lab scenario \"\$f\" --check >/dev/null; done" ||
    return 1
  echo "    $n installed scenarios pass raintree-lab scenario --check"
}
step "installed scenarios parse" check_scenarios

# On a private loopback when possible, so other tests on this machine do not share its ports.
netns=""
if unshare --net true 2>/dev/null; then netns="unshare --net"; fi
run_cluster() {
  local inner="raintree-lab run --nodes 5 --mode raintree --broadcasts 3 --json /tmp/r.json"
  if [ -n "$netns" ]; then
    $netns sh -c "ip link set lo up && chroot '$root' /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root $inner" >"$root/tmp/run.log" 2>&1
  else
    in_root "$inner" >"$root/tmp/run.log" 2>&1
  fi || { cat "$root/tmp/run.log"; return 1; }
  sed 's/^/    /' "$root/tmp/run.log"
  python3 - "$root/tmp/r.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
totals, nodes = report["totals"], report["nodes"]
problems = []
if report["mode"] != "raintree": problems.append(f"mode {report['mode']}")
if len(nodes) != 5: problems.append(f"{len(nodes)} nodes")
if totals["coverage"] != 1: problems.append(f"coverage {totals['coverage']}")
if totals.get("broadcasts", 3) != 3: problems.append(f"{totals['broadcasts']} broadcasts")
for n in nodes:
    if not n["alive"] or n["delivered"] != 3:
        problems.append(f"rank {n['rank']}: alive {n['alive']}, delivered {n['delivered']}")
if problems:
    sys.exit("report: " + "; ".join(problems))
print(f"    report: 5 nodes alive, each delivered 3 of 3, coverage {totals['coverage']}, "
      f"last delivery {totals['last_delivery_ms']:.1f} ms")
EOF
}
step "raintree-lab run --nodes 5 --mode raintree --broadcasts 3 (${netns:-shared loopback})" run_cluster

run_studio() {
  local inner="QT_QPA_PLATFORM=offscreen timeout 120 raintree-studio --nodes 5 --mode raintree --screenshot /tmp/studio.png --quit-after 1"
  in_root "$inner" >"$root/tmp/studio.log" 2>&1 || { cat "$root/tmp/studio.log"; return 1; }
  [ -s "$root/tmp/studio.png" ] || { cat "$root/tmp/studio.log"; echo "no screenshot"; return 1; }
  echo "    screenshot $(python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(24); print('%dx%d' % struct.unpack('>II', d[16:24]))" "$root/tmp/studio.png"), $(du -k "$root/tmp/studio.png" | cut -f1) KiB"
}
step "raintree-studio on 5 nodes, offscreen screenshot" run_studio

# --- with the checking tools added --------------------------------------------------------------
step "apt-get install man-db bash-completion desktop-file-utils appstream" \
  apt_in_root install -y --no-install-recommends man-db bash-completion desktop-file-utils appstream

check_docs() {
  in_root "for p in raintree-node raintree-lab raintree-studio; do man -w \$p; done" |
    sed 's/^/    /' || return 1
  in_root "MANWIDTH=80 man raintree-lab 2>/dev/null | grep -q 'raintree-lab scenario'" ||
    { echo "man raintree-lab does not render its commands"; return 1; }
  # bash-completion's own loader must find the file where the package put it (bash-completion
  # does not run under set -eu).
  in_root "set +euo pipefail
    source /usr/share/bash-completion/bash_completion
    __load_completion raintree-lab || exit 1
    complete -p raintree-lab || exit 1
    COMP_WORDS=(raintree-lab run --mode ''); COMP_CWORD=3; COMP_LINE='raintree-lab run --mode '
    COMP_POINT=\${#COMP_LINE}; COMPREPLY=(); _raintree_lab
    echo \"completes raintree-lab run --mode: \${COMPREPLY[*]}\"
    [ \"\${COMPREPLY[*]}\" = 'pocket raintree random advert' ]" | sed 's/^/    /' || return 1
  in_root "desktop-file-validate /usr/share/applications/io.github.raintree.Studio.desktop" ||
    return 1
  in_root "appstreamcli validate --no-net /usr/share/metainfo/io.github.raintree.Studio.metainfo.xml" |
    sed 's/^/    /' || return 1
}
step "man pages, bash completion, desktop file, AppStream metadata" check_docs

say "PASS: $(basename "$deb") installs and works on a clean Debian 12"
