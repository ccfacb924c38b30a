#!/usr/bin/env bash
# Checks raintree-node's /metrics against the real Prometheus server (Debian's `prometheus`):
# starts two nodes on loopback, runs Prometheus with a temporary config and storage directory
# scraping one of them every second, asks Prometheus's HTTP API for raintree metrics, prints
# the answer and cleans everything up. Exit 0 when Prometheus scraped the node successfully.
#
#   packaging/check-prometheus.sh [path/to/raintree-node]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node_bin="${1:-${here}/../build/bin/raintree-node}"
[[ -x "${node_bin}" ]] || { echo "check-prometheus: no raintree-node at ${node_bin} (build first or pass its path)" >&2; exit 2; }
command -v prometheus >/dev/null || { echo "check-prometheus: the prometheus binary is missing (apt-get install prometheus)" >&2; exit 2; }
command -v curl >/dev/null || { echo "check-prometheus: curl is missing (apt-get install curl)" >&2; exit 2; }

work="$(mktemp -d /tmp/rt-prometheus-XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  rm -rf "${work}"
}
trap cleanup EXIT

# Sets $port to a loopback port nobody answers on right now, distinct from earlier picks.
# (No command substitution: a subshell would replay the same $RANDOM sequence.)
used_ports=" "
port=0
pick_port() {
  local candidate
  for _ in $(seq 200); do
    candidate=$((20000 + RANDOM % 12000))  # below Linux's ephemeral range (32768+)
    [[ "${used_ports}" == *" ${candidate} "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/${candidate}") 2>/dev/null; then
      used_ports+="${candidate} "
      port=${candidate}
      return 0
    fi
  done
  echo "check-prometheus: no free port found" >&2
  exit 1
}

id1=$(printf '1%.0s' $(seq 64))
id2=$(printf '2%.0s' $(seq 64))
pick_port; peer1=${port}
pick_port; peer2=${port}
pick_port; control1=${port}
pick_port; control2=${port}
pick_port; metrics1=${port}
pick_port; metrics2=${port}
pick_port; web=${port}

cat >"${work}/book.json" <<EOF
{"members": [
  {"id": "${id1}", "role": "validator", "endpoint": "127.0.0.1:${peer1}"},
  {"id": "${id2}", "role": "validator", "endpoint": "127.0.0.1:${peer2}"}
]}
EOF

start_node() {  # id peer control metrics index
  "${node_bin}" --id "$1" --listen "127.0.0.1:$2" --address-book "${work}/book.json" \
    --control "$3" --token check --metrics "$4" --mode random --log-level warn \
    >"${work}/node$5.out" 2>"${work}/node$5.log" &
  pids+=($!)
}
start_node "${id1}" "${peer1}" "${control1}" "${metrics1}" 1
start_node "${id2}" "${peer2}" "${control2}" "${metrics2}" 2
for i in 1 2; do
  for _ in $(seq 100); do
    grep -qx ready "${work}/node${i}.out" 2>/dev/null && break
    sleep 0.1
  done
  grep -qx ready "${work}/node${i}.out" || { echo "check-prometheus: node ${i} did not start:" >&2; cat "${work}/node${i}.log" >&2; exit 1; }
done

cat >"${work}/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: raintree
    static_configs:
      - targets: ["127.0.0.1:${metrics1}"]
EOF
prometheus --config.file="${work}/prometheus.yml" --storage.tsdb.path="${work}/data" \
  --web.listen-address="127.0.0.1:${web}" >"${work}/prometheus.log" 2>&1 &
pids+=($!)

query() {
  curl -fsS --max-time 2 "http://127.0.0.1:${web}/api/v1/query" --data-urlencode "query=$1" 2>/dev/null || true
}

answer=""
for _ in $(seq 60); do
  answer=$(query 'raintree_peers_connected')
  if [[ "${answer}" == *'"result":[{'* ]]; then break; fi
  sleep 0.5
done
if [[ "${answer}" != *'"result":[{'* ]]; then
  echo "check-prometheus: FAILED: Prometheus has no raintree_peers_connected sample" >&2
  echo "last answer: ${answer}" >&2
  tail -n 20 "${work}/prometheus.log" >&2
  exit 1
fi

echo "Prometheus $(prometheus --version 2>&1 | head -n 1 | awk '{print $3}') scraped raintree-node at 127.0.0.1:${metrics1}"
echo "up:                        $(query 'up{job="raintree"}')"
echo "raintree_peers_connected:  ${answer}"
echo "raintree_frames_total:     $(query 'raintree_frames_total')"
health=$(curl -fsS --max-time 2 "http://127.0.0.1:${web}/api/v1/targets" || true)
if [[ "${health}" != *'"health":"up"'* ]]; then
  echo "check-prometheus: FAILED: the scrape target is not healthy: ${health}" >&2
  exit 1
fi
echo "check-prometheus: OK (target health up, raintree metrics queryable)"
