// DIR/cluster.json: what `raintree-lab cluster up` leaves behind so that other processes (the
// lab, the studio, tests) can find and drive a running cluster.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cluster/netns.hpp"
#include "util/ids.hpp"

namespace rt::cluster {

struct NodeInfo {
  int rank = 0;  // 1-based, ascending id order
  NodeId id;
  std::string role = "validator";
  int pid = 0;
  std::string listen;   // host:port, peer protocol
  std::string control;  // host:port, control channel
  std::string token;    // control channel token
  std::string metrics;  // host:port, Prometheus /metrics
  std::string log;      // path of the node's log file (may be empty when attached)
  // The node's Ed25519 key (its id derives from it): pinned by the address book for TLS
  // links, and by control clients that reach the node over TLS. None in --insecure clusters.
  std::optional<PublicKey> public_key;
  std::string key_file;  // the private key's file (0600), when this machine launched the node
  // The network namespace the node runs in (--netns clusters; see netns.hpp); empty: the host's.
  std::string netns;
  // Whether the control channel at `control` speaks TLS (pinning public_key). nullopt: derived
  // from the host, as the node decides it (loopback plaintext, anything else TLS). true: TLS
  // even on loopback, for a node that serves TLS behind a local forward (kubectl
  // port-forward). false is refused off loopback: a token never crosses a network in clear.
  std::optional<bool> control_tls;

  // What identifies the node's process on its command line: the key file's path (unique to
  // the cluster directory and rank), or the token for nodes started with --token.
  const std::string& process_marker() const { return key_file.empty() ? token : key_file; }
  // How the node was started, so that any process holding cluster.json can restart it with
  // the same id, ports and token. Empty in files written before restart existed.
  std::string binary;
  std::vector<std::string> args;  // without argv[0]
};

struct ClusterInfo {
  std::string mode;
  std::filesystem::path dir;
  std::filesystem::path address_book;
  bool insecure = false;        // plaintext peer links (--insecure)
  std::vector<NodeInfo> nodes;  // by rank
  // The namespaces and links of a --netns cluster, removed with it.
  std::optional<Network> network;

  const NodeInfo* by_rank(int rank) const;

  // nullopt with a one-line reason naming the field on failure.
  static std::optional<ClusterInfo> load(const std::filesystem::path& file, std::string& error);
  bool save(const std::filesystem::path& file, std::string& error) const;
};

}  // namespace rt::cluster
