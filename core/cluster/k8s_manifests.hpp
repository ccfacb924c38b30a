// Kubernetes deployment of a RainTree cluster (`raintree-lab k8s generate`,
// packaging/kubernetes/README.md): the manifests that run N raintree-node pods, and the
// cluster.json that attaches the lab and the studio to them through `kubectl port-forward`.
//
// One StatefulSet NAME with N replicas behind a headless Service NAME gives every pod a stable
// DNS name, NAME-<ordinal>.NAME.<namespace>.svc.<cluster domain>, which is its address book
// endpoint. Keys are generated here, sorted by the ids they derive, so pod ordinal i runs the
// node of rank i + 1: the address book (ConfigMap NAME-address-book), the keys and tokens
// (Secret NAME-keys: node-<ordinal>.key, node-<ordinal>.token) and cluster.json all list the
// same ids in the same order. A pod picks its key by the ordinal at the end of its name, binds
// 0.0.0.0 (raintree-node --bind) and advertises its DNS name (--listen); its control channel
// is off loopback, so it serves TLS 1.3 with the node's key, and cluster.json pins that key
// ("control_tls": true: the port-forward ends on loopback, the TLS runs end to end).
//
// Files written to the output directory:
//   service.yaml, statefulset.yaml, configmap.yaml, secret.yaml (0600),
//   servicemonitor.yaml (only with service_monitor), kustomization.yaml (`kubectl apply -k`),
//   address-book.json (the ConfigMap's content), cluster.json (0600), port-forward.sh (0755).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_info.hpp"
#include "crypto/node_key.hpp"

namespace rt::cluster::k8s {

// Ports inside the pod; the Service and the probes use them by name.
inline constexpr std::uint16_t kPeerPort = 7000;
inline constexpr std::uint16_t kControlPort = 7001;
inline constexpr std::uint16_t kMetricsPort = 9100;
// Keeps the Secret and the ConfigMap far below Kubernetes' 1 MiB object limit (1000 nodes:
// about 180 KB of keys and tokens) and port-forward.sh's local ports in range.
inline constexpr int kMaxNodes = 1000;

struct Options {
  int nodes = 0;
  std::string mode = "raintree";
  std::string name = "raintree";  // StatefulSet, headless Service, prefix of the other objects
  std::string ns = "raintree";    // namespace
  std::string image = "raintree-node:latest";
  std::string image_pull_policy = "IfNotPresent";
  std::vector<std::string> roles;  // cycled over the ranks; empty: all "validator"
  std::string cluster_domain = "cluster.local";
  std::string bind_address = "0.0.0.0";  // what every pod binds; "::" on IPv6-only clusters
  std::string log_level = "info";
  std::string cpu_request = "50m", cpu_limit = "1";
  std::string memory_request = "32Mi", memory_limit = "256Mi";
  bool service_monitor = false;  // also a monitoring.coreos.com/v1 ServiceMonitor
  // cluster.json: pod ordinal i's control channel on 127.0.0.1:(base + i), its /metrics on
  // 127.0.0.1:(base + nodes + i); port-forward.sh forwards them.
  int local_port_base = 20000;
};

// Empty when the options are usable, else a one-line reason naming the option.
std::string check_options(const Options& options);

// Kubernetes names: an RFC 1123 label (lowercase letters, digits, '-'; starts and ends with a
// letter or digit; at most 63 characters), and a DNS subdomain of such labels.
bool is_dns1123_label(std::string_view text);
bool is_dns1123_subdomain(std::string_view text);
// A Kubernetes resource quantity ("100m", "0.5", "256Mi", "1G"), as a number of base units
// (cores, bytes); nullopt when the text is not one.
std::optional<double> parse_quantity(std::string_view text);

struct Member {
  int rank = 0;     // 1-based, ascending id order
  int ordinal = 0;  // the pod's: rank - 1
  std::string pod;  // NAME-<ordinal>
  std::string endpoint;
  std::string role;
  crypto::NodeKey key;
  std::string token;
};

struct File {
  std::string name;  // relative to the output directory
  std::string text;
  bool secret = false;      // written 0600
  bool executable = false;  // written 0755
};

struct Deployment {
  Options options;
  std::vector<Member> members;  // by rank
  std::vector<File> files;      // every file but cluster.json
  ClusterInfo cluster;          // cluster.json (address_book and dir are set by write())
  // The Kubernetes resource files, in the order kustomization.yaml lists them.
  std::vector<std::string> resources;
};

// Generates fresh keys and tokens and every file. nullopt with a one-line reason when the
// options are not usable or a key cannot be made.
std::optional<Deployment> generate(const Options& options, std::string& error);

// Writes the files into `dir` (created when missing). Refuses, changing nothing, when `dir`
// already holds a deployment (its secret.yaml or cluster.json) unless `force`: new keys would
// no longer match the running pods.
bool write(Deployment& deployment, const std::filesystem::path& dir, bool force,
           std::string& error);

}  // namespace rt::cluster::k8s
