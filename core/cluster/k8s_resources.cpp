#include "cluster/k8s_resources.hpp"

#include <initializer_list>
#include <string_view>
#include <utility>

namespace rt::cluster::k8s {
namespace {

// The image's non-root user (packaging/kubernetes/Containerfile).
constexpr int kUserId = 10001;
// 0440: the key files are readable by the pod's group (fsGroup) only.
constexpr int kKeyFileMode = 0440;

// `text` with every placeholder replaced by its value.
std::string fill(std::string text,
                 std::initializer_list<std::pair<std::string_view, std::string>> values) {
  for (const auto& [placeholder, value] : values) {
    for (auto at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size())) {
      text.replace(at, placeholder.size(), value);
    }
  }
  return text;
}

Json metadata(const Options& o, const std::string& name) {
  return {{"name", name}, {"namespace", o.ns}, {"labels", labels(o)}};
}

Json port(const char* name, std::uint16_t number) {
  return {{"name", name}, {"port", number}, {"targetPort", name}, {"protocol", "TCP"}};
}

Json container_port(const char* name, std::uint16_t number) {
  return {{"name", name}, {"containerPort", number}, {"protocol", "TCP"}};
}

// /metrics is plain HTTP and read-only, and it answers from the node's one network thread:
// a node whose loop is stuck fails it. (A bare TCP probe of the control port would be logged
// as a failed TLS handshake every few seconds.)
Json metrics_probe(int initial_delay, int period, int timeout) {
  return {{"httpGet", {{"path", "/metrics"}, {"port", "metrics"}, {"scheme", "HTTP"}}},
          {"initialDelaySeconds", initial_delay},
          {"periodSeconds", period},
          {"timeoutSeconds", timeout},
          {"failureThreshold", 3}};
}

Json container(const Options& o) {
  return {
      {"name", "node"},
      {"image", o.image},
      {"imagePullPolicy", o.image_pull_policy},
      {"command", {"/bin/sh", "-c", container_script(o)}},
      {"env", Json::array({Json{{"name", "POD_NAME"},
                                {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}}})},
      {"ports",
       {container_port("peer", kPeerPort), container_port("control", kControlPort),
        container_port("metrics", kMetricsPort)}},
      {"readinessProbe", metrics_probe(1, 5, 2)},
      {"livenessProbe", metrics_probe(10, 10, 3)},
      {"resources",
       {{"requests", {{"cpu", o.cpu_request}, {"memory", o.memory_request}}},
        {"limits", {{"cpu", o.cpu_limit}, {"memory", o.memory_limit}}}}},
      {"securityContext",
       {{"allowPrivilegeEscalation", false},
        {"readOnlyRootFilesystem", true},
        {"runAsNonRoot", true},
        {"capabilities", {{"drop", Json::array({"ALL"})}}}}},
      {"volumeMounts",
       Json::array(
           {Json{{"name", "address-book"}, {"mountPath", kAddressBookDir}, {"readOnly", true}},
            Json{{"name", "keys"}, {"mountPath", kKeysDir}, {"readOnly", true}}})},
  };
}

}  // namespace

std::string config_map_name(const Options& o) {
  return o.name + "-address-book";
}

std::string secret_name(const Options& o) {
  return o.name + "-keys";
}

std::string pod_dns_name(const Options& o, int ordinal) {
  return o.name + "-" + std::to_string(ordinal) + "." + o.name + "." + o.ns + ".svc." +
         o.cluster_domain;
}

Json selector_labels(const Options& o) {
  return {{"app.kubernetes.io/name", "raintree-node"}, {"app.kubernetes.io/instance", o.name}};
}

Json labels(const Options& o) {
  Json out = selector_labels(o);
  out["app.kubernetes.io/part-of"] = "raintree-studio";
  out["app.kubernetes.io/managed-by"] = "raintree-lab";
  return out;
}

Json service(const Options& o) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", metadata(o, o.name)},
          {"spec",
           {// Headless: one DNS record per pod, which is what the address book names ...
            {"clusterIP", "None"},
            // ... published while pods start, so that peers resolve each other at once.
            {"publishNotReadyAddresses", true},
            {"selector", selector_labels(o)},
            {"ports",
             {port("peer", kPeerPort), port("control", kControlPort),
              port("metrics", kMetricsPort)}}}}};
}

Json stateful_set(const Options& o, const std::string& generation) {
  Json pod_metadata = {{"labels", labels(o)},
                       {"annotations",
                        {{"prometheus.io/scrape", "true"},
                         {"prometheus.io/port", std::to_string(kMetricsPort)},
                         {"prometheus.io/path", "/metrics"},
                         {"raintree.dev/generation", generation}}}};
  Json pod_spec = {
      {"automountServiceAccountToken", false},
      {"enableServiceLinks", false},
      {"terminationGracePeriodSeconds", 10},
      {"securityContext",
       {{"runAsNonRoot", true},
        {"runAsUser", kUserId},
        {"runAsGroup", kUserId},
        {"fsGroup", kUserId},
        {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"containers", Json::array({container(o)})},
      {"volumes",
       Json::array(
           {Json{{"name", "address-book"}, {"configMap", {{"name", config_map_name(o)}}}},
            Json{{"name", "keys"},
                 {"secret", {{"secretName", secret_name(o)}, {"defaultMode", kKeyFileMode}}}}})},
  };
  return {{"apiVersion", "apps/v1"},
          {"kind", "StatefulSet"},
          {"metadata", metadata(o, o.name)},
          {"spec",
           {{"serviceName", o.name},
            {"replicas", o.nodes},
            // Every pod at once: a gossip node needs its peers, not an order.
            {"podManagementPolicy", "Parallel"},
            {"selector", {{"matchLabels", selector_labels(o)}}},
            {"template", {{"metadata", pod_metadata}, {"spec", pod_spec}}}}}};
}

Json config_map(const Options& o, const std::string& address_book_json) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", metadata(o, config_map_name(o))},
          {"data", {{kAddressBookFile, address_book_json}}}};
}

Json secret(const Options& o, const std::vector<Member>& members) {
  Json data = Json::object();
  for (const Member& m : members) {
    const std::string stem = "node-" + std::to_string(m.ordinal);
    data[stem + ".key"] = m.key.private_pem();
    data[stem + ".token"] = m.token + "\n";
  }
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", metadata(o, secret_name(o))},
          {"type", "Opaque"},
          {"stringData", data}};
}

Json service_monitor(const Options& o) {
  return {{"apiVersion", "monitoring.coreos.com/v1"},
          {"kind", "ServiceMonitor"},
          {"metadata", metadata(o, o.name)},
          {"spec",
           {{"selector", {{"matchLabels", selector_labels(o)}}},
            {"namespaceSelector", {{"matchNames", Json::array({o.ns})}}},
            {"endpoints", Json::array({Json{{"port", "metrics"},
                                            {"path", "/metrics"},
                                            {"scheme", "http"},
                                            {"interval", "15s"}}})}}}};
}

Json kustomization(const Options& o, const std::vector<std::string>& resources) {
  return {{"apiVersion", "kustomize.config.k8s.io/v1beta1"},
          {"kind", "Kustomization"},
          {"namespace", o.ns},
          {"resources", resources}};
}

std::string container_script(const Options& o) {
  // The ordinal ends the pod's name (NAME-<ordinal>); rank = ordinal + 1.
  static constexpr const char* kTemplate = R"sh(set -eu
ordinal="${POD_NAME##*-}"
case "$ordinal" in
  ''|*[!0-9]*) echo "raintree: no pod ordinal in POD_NAME=$POD_NAME" >&2; exit 2 ;;
esac
exec raintree-node \
  --key "@KEYS@/node-$ordinal.key" \
  --token-file "@KEYS@/node-$ordinal.token" \
  --address-book @BOOK@ \
  --listen "$POD_NAME.@SERVICE@:@PEER@" \
  --bind @BIND@ \
  --control @CONTROL@ --control-host @BIND@ \
  --metrics @METRICS@ --metrics-host @BIND@ \
  --mode @MODE@ --log-level @LOG@
)sh";
  return fill(kTemplate, {{"@KEYS@", kKeysDir},
                          {"@BOOK@", std::string(kAddressBookDir) + "/" + kAddressBookFile},
                          {"@SERVICE@", o.name + "." + o.ns + ".svc." + o.cluster_domain},
                          {"@PEER@", std::to_string(kPeerPort)},
                          {"@BIND@", o.bind_address},
                          {"@CONTROL@", std::to_string(kControlPort)},
                          {"@METRICS@", std::to_string(kMetricsPort)},
                          {"@MODE@", o.mode},
                          {"@LOG@", o.log_level}});
}

std::string port_forward_script(const Options& o, const std::vector<Member>& members) {
  static constexpr const char* kTemplate = R"sh(#!/bin/sh
# Generated by `raintree-lab k8s generate`. Forwards the control and metrics ports of every
# pod of StatefulSet @NAME@ (namespace @NAMESPACE@) to the loopback ports that cluster.json
# names, so that `raintree-lab attach DIR status` and `raintree-studio --attach
# DIR/cluster.json` reach the nodes: over TLS 1.3 end to end, pinning each node's key. A
# forward that drops (its pod restarted) starts again 2 s later. Ctrl-C or SIGTERM stops
# them all.
#
#   ./port-forward.sh           every pod (one kubectl process per pod)
#   ./port-forward.sh 0 3 7     these pod ordinals only (rank = ordinal + 1)
#
# KUBECTL (default kubectl) and NAMESPACE (default @NAMESPACE@) may be set.
set -eu
KUBECTL="${KUBECTL:-kubectl}"
NAMESPACE="${NAMESPACE:-@NAMESPACE@}"
COUNT=@COUNT@

if ! command -v "$KUBECTL" >/dev/null 2>&1; then
  echo "port-forward.sh: $KUBECTL not found (set KUBECTL=/path/to/kubectl)" >&2
  exit 1
fi
for ordinal in "$@"; do
  case "$ordinal" in
    ''|*[!0-9]*|0?*)
      echo "port-forward.sh: \"$ordinal\" is not a pod ordinal (0..$((COUNT - 1)))" >&2
      exit 2 ;;
  esac
  if [ "$ordinal" -ge "$COUNT" ]; then
    echo "port-forward.sh: pod ordinal $ordinal is outside 0..$((COUNT - 1))" >&2
    exit 2
  fi
done
ONLY="$*"

selected() {
  [ -z "$ONLY" ] && return 0
  for wanted in $ONLY; do
    [ "$wanted" = "$1" ] && return 0
  done
  return 1
}

pids=""
stop() {
  trap - INT TERM
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  wait
  exit 0
}
trap stop INT TERM

# forward ORDINAL POD LOCAL_CONTROL_PORT LOCAL_METRICS_PORT: one loop per pod, which restarts
# its kubectl when the forward drops and kills it on SIGTERM.
forward() {
  selected "$1" || return 0
  (
    child=""
    trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' TERM
    while :; do
      "$KUBECTL" port-forward --namespace "$NAMESPACE" --address 127.0.0.1 "pod/$2" \
        "$3:@CONTROL@" "$4:@METRICS@" >/dev/null &
      child=$!
      wait "$child" || true
      sleep 2 &
      child=$!
      wait "$child" || true
    done
  ) &
  pids="$pids $!"
  echo "pod $2 (rank $(($1 + 1))): control 127.0.0.1:$3, metrics 127.0.0.1:$4"
}

)sh";
  std::string out = fill(kTemplate, {{"@NAME@", o.name},
                                     {"@NAMESPACE@", o.ns},
                                     {"@COUNT@", std::to_string(members.size())},
                                     {"@CONTROL@", std::to_string(kControlPort)},
                                     {"@METRICS@", std::to_string(kMetricsPort)}});
  const int count = static_cast<int>(members.size());
  for (const Member& m : members) {
    out += "forward " + std::to_string(m.ordinal) + " " + m.pod + " " +
           std::to_string(o.local_port_base + m.ordinal) + " " +
           std::to_string(o.local_port_base + count + m.ordinal) + "\n";
  }
  out += "\necho \"forwarding; Ctrl-C stops\"\nwait\n";
  return out;
}

}  // namespace rt::cluster::k8s
