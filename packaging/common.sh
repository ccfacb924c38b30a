# Shared by run.sh and test.sh: install what is missing, then configure and build Release
# into build/. Sourced, not run.

RT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian 12 packages the build, the tests and the studio need.
RT_PACKAGES=(
  cmake ninja-build g++ pkg-config ccache
  libboost-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  qt6-base-dev qt6-svg-dev libqcustomplot-dev libqcustomplot2.1-qt6 libgl-dev
  xvfb xauth prometheus curl
  clang libclang-rt-14-dev  # packaging/fuzz.sh: clang++ (14) and its libFuzzer, ASan, UBSan runtimes
  # tests/wireshark: capture a run, check packaging/wireshark/raintree.lua (noninteractive
  # install answers wireshark-common's "non-root capture?" question with its default, no)
  tshark tcpdump
  # raintree-lab --netns: namespaces, veth pairs and a bridge (ip), caps (tc), loss (nft)
  iproute2 nftables
  dpkg-dev debootstrap desktop-file-utils appstream man-db bash-completion  # .deb, its tests (docs/packaging.md)
)

rt_install_packages() {
  local missing=()
  for pkg in "${RT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
}

# rt_build [TARGET...]: everything, or only the named targets.
rt_build() {
  cd "$RT_ROOT"
  if [ ! -f build/build.ninja ]; then
    echo "==> configuring Release build in build/"
    cmake --preset release >/dev/null
  fi
  echo "==> building ${*:-everything}"
  cmake --build build --parallel "$(nproc)" ${1:+--target "$@"}
}
