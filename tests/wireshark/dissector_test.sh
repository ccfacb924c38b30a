#!/usr/bin/env bash
# The Wireshark dissector (packaging/wireshark/raintree.lua) against real traffic and the codec:
#  1. the codec's golden frames (every message type) in a synthetic TCP capture: each frame
#     dissected, in order, with the sample's field values (tests/wireshark/golden.py);
#  2. a capture on lo of a 5-node `raintree-lab run --insecure`: every TCP payload byte of the
#     run's connections lies in a dissected frame, names are the codec's, no malformed packets,
#     Lua errors or expert warnings (but TCP's own: resets, full windows), and the frame counts
#     agree exactly with the run's report (tests/wireshark/check_capture.py).
# The capture runs in a private network namespace when it can (unshare --net), so other tests
# on the machine neither add traffic nor make tcpdump drop packets; else on the shared lo.
#   tests/wireshark/dissector_test.sh [BIN_DIR]      (root; exit 77 = skipped)
# RT_KEEP_CAPTURE=1 keeps the temporary directory (capture, report, tshark output).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lua="$root/packaging/wireshark/raintree.lua"

tcpdump_pid="" lab_pid="" inner_pid="" tmp=""
# Stops whatever this shell started and still runs, then removes the temporary directory.
cleanup() {
  set +e  # a killed child's status must not end the cleanup half-way
  local pid
  for pid in "$lab_pid" "$inner_pid"; do
    if [ -n "$pid" ]; then
      kill "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
  # SIGINT: tcpdump flushes, closes the file and prints its counts; wait until it has.
  if [ -n "$tcpdump_pid" ]; then
    kill -INT "$tcpdump_pid" 2>/dev/null
    wait "$tcpdump_pid" 2>/dev/null
  fi
  if [ -n "$tmp" ]; then
    if [ -n "${RT_KEEP_CAPTURE:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
  fi
  return 0
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# capture DIR BIN_DIR: one run captured into DIR/capture.pcap, with DIR/report.json,
# DIR/cluster/ (ports), DIR/lab.log and DIR/tcpdump.log (its counts).
capture() {
  local dir="$1" bin="$2" rc=0
  # snaplen 0: whole packets; -U: each packet written at once; -Z root: keep the right to write
  # into our 0700 directory. timeout bounds it should this shell die without stopping it.
  timeout 100 tcpdump -i lo -s 0 -U -Z root -w "$dir/capture.pcap" 'tcp and host 127.0.0.1' \
    2>"$dir/tcpdump.log" &
  tcpdump_pid=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$dir/tcpdump.log" && break
    kill -0 "$tcpdump_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "listening on" "$dir/tcpdump.log" || { cat "$dir/tcpdump.log"; return 1; }

  timeout 60 nice "$bin/raintree-lab" run --nodes 5 --mode raintree --broadcasts 3 \
    --size 100000 --insecure --node-binary "$bin/raintree-node" \
    --json "$dir/report.json" --dir "$dir/cluster" >"$dir/lab.log" 2>&1 &
  lab_pid=$!
  wait "$lab_pid" || rc=$?
  lab_pid=""
  if [ "$rc" -ne 0 ]; then
    echo "raintree-lab run failed (exit $rc):"
    cat "$dir/lab.log"
    return 1
  fi
  # tcpdump may lag behind on a busy machine, and SIGINT makes it drop what it has not read
  # yet. So send a marker (a refused dial to port 9) and wait until the file holds it: it then
  # holds everything before it too.
  sleep 0.3  # the last FINs and ACKs of the stopped nodes
  (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null || true
  for _ in $(seq 300); do
    tcpdump -r "$dir/capture.pcap" -c 1 'tcp port 9' 2>/dev/null | grep -q . && break
    sleep 0.1
  done
  tcpdump -r "$dir/capture.pcap" -c 1 'tcp port 9' 2>/dev/null | grep -q . ||
    { echo "tcpdump did not catch up within 30 s"; return 1; }
  kill -INT "$tcpdump_pid"
  wait "$tcpdump_pid" || true
  tcpdump_pid=""
}

if [ "${1:-}" = "--capture-in-netns" ]; then
  ip link set lo up
  capture "$2" "$3"
  exit
fi

# ---- the test ---------------------------------------------------------------------------------
bin="${1:-$root/build/bin}"
skip() {
  echo "SKIP: $*"
  exit 77
}
[ "$(id -u)" -eq 0 ] || skip "capturing on lo needs root"
for tool in tshark tcpdump python3 timeout; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (packaging/common.sh installs it)"
done
for exe in raintree-lab raintree-node; do
  [ -x "$bin/$exe" ] || { echo "FAIL: $bin/$exe not built"; exit 1; }
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/rt-wireshark.XXXXXX")"

# tshark with only this script: a copy installed in the personal plugin folder would clash.
# Heuristics first: a random port may be one some other dissector is registered on.
mkdir -p "$tmp/home"
run_tshark() {
  HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home" timeout 60 nice tshark -n \
    -o tcp.try_heuristic_first:TRUE -X "lua_script:$lua" "$@"
}
fields_args() { python3 -B -c "import sys; sys.path.insert(0, '$here'); import $1 as m; print(' '.join('-e ' + f for f in m.FIELDS))"; }
# tshark's stderr, less its root warning, must be empty (Lua load or runtime errors land there).
check_stderr() {
  if grep -v "Running as user \"root\"" "$1" | grep -q .; then
    echo "FAIL: tshark wrote errors:"
    cat "$1"
    exit 1
  fi
}

echo "== golden frames (tests/unit/wire/codec_test.cpp)"
python3 -B "$here/golden.py" write "$root/tests/unit/wire/codec_test.cpp" "$tmp/golden.pcap"
# shellcheck disable=SC2046  # one argument per field
run_tshark -r "$tmp/golden.pcap" -Y raintree -T fields -E separator=/t -E occurrence=a \
  -E aggregator=, $(fields_args golden) >"$tmp/golden.tsv" 2>"$tmp/golden.err"
check_stderr "$tmp/golden.err"
python3 -B "$here/golden.py" check "$root/tests/unit/wire/codec_test.cpp" "$tmp/golden.tsv"

echo "== capture of raintree-lab run --nodes 5 --mode raintree --broadcasts 3 --size 100000 --insecure"
netns=0
if command -v unshare >/dev/null && command -v ip >/dev/null && unshare --net true 2>/dev/null; then
  netns=1
  echo "   (in a private network namespace)"
  unshare --net bash "${BASH_SOURCE[0]}" --capture-in-netns "$tmp" "$bin" &
  inner_pid=$!
  rc=0
  wait "$inner_pid" || rc=$?
  inner_pid=""
  [ "$rc" -eq 0 ] || { echo "FAIL: capture failed"; exit 1; }
else
  echo "   (on the shared lo: no private network namespace here)"
  capture "$tmp" "$bin"
fi
tail -n 3 "$tmp/tcpdump.log" | sed 's/^/   tcpdump: /'
dropped="$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$tmp/tcpdump.log")"
if [ "${dropped:-0}" -ne 0 ]; then
  [ "$netns" -eq 1 ] && { echo "FAIL: tcpdump dropped $dropped packets"; exit 1; }
  skip "tcpdump dropped $dropped packets on the busy shared lo: the capture cannot be checked"
fi
grep -E "^mode raintree" "$tmp/lab.log" | sed 's/^/   report: /'

# The run's connections: every node's peer and control ports (not the metrics port: HTTP).
ports="$(python3 -c "
import json
c = json.load(open('$tmp/cluster/cluster.json'))
print(','.join(n[k].rsplit(':', 1)[1] for n in c['nodes'] for k in ('listen', 'control')))")"
links="tcp.port in {$ports}"

# (a)-(c) Frame by frame, against the report.
# shellcheck disable=SC2046  # one argument per field
run_tshark -r "$tmp/capture.pcap" -Y "$links" -T fields -E separator=/t -E occurrence=a \
  -E aggregator=, $(fields_args check_capture) >"$tmp/fields.tsv" 2>"$tmp/fields.err"
check_stderr "$tmp/fields.err"
python3 -B "$here/check_capture.py" "$tmp/fields.tsv" "$tmp/report.json" \
  "$tmp/cluster/cluster.json" "$root/core/wire/messages.hpp" "$root/core/wire/messages.cpp"

echo "PASS"
