// The objects of a Kubernetes deployment (k8s_manifests.hpp), one builder each, as JSON
// documents that yaml_text.hpp writes out. Internal to k8s_manifests.cpp and its tests.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/k8s_manifests.hpp"

namespace rt::cluster::k8s {

using Json = nlohmann::ordered_json;

// Where the pod finds its files.
inline constexpr const char* kKeysDir = "/etc/raintree/keys";
inline constexpr const char* kAddressBookDir = "/etc/raintree/address-book";
inline constexpr const char* kAddressBookFile = "address-book.json";

std::string config_map_name(const Options& options);
std::string secret_name(const Options& options);
// NAME-<ordinal>.NAME.<namespace>.svc.<cluster domain>
std::string pod_dns_name(const Options& options, int ordinal);
// The labels that select the pods (Service, StatefulSet, ServiceMonitor) ...
Json selector_labels(const Options& options);
// ... and those every object carries (the selector's and a few more).
Json labels(const Options& options);

Json service(const Options& options);
// `generation` is a pod template annotation: new keys make new pods on `kubectl apply`.
Json stateful_set(const Options& options, const std::string& generation);
Json config_map(const Options& options, const std::string& address_book_json);
Json secret(const Options& options, const std::vector<Member>& members);
Json service_monitor(const Options& options);
Json kustomization(const Options& options, const std::vector<std::string>& resources);

// The shell command that starts raintree-node in a pod, its key picked by the pod's ordinal.
std::string container_script(const Options& options);
// port-forward.sh: every pod's control and metrics ports to the local ports of cluster.json.
std::string port_forward_script(const Options& options, const std::vector<Member>& members);

}  // namespace rt::cluster::k8s
