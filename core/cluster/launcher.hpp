// Starts, inspects and stops clusters of real raintree-node processes on this machine.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/cluster_info.hpp"
#include "cluster/process.hpp"

namespace rt::cluster {

struct LaunchOptions {
  int nodes = 16;
  std::string mode = "random";
  std::filesystem::path dir;          // cluster.json, address-book.json and node logs go here
  std::vector<std::string> roles;     // cycled over the nodes; empty: all "validator"
  std::filesystem::path node_binary;  // empty: raintree-node next to the running executable
  int fanout = 0;                     // random mode; 0: the node's default
  std::string log_level = "info";
  // Plaintext peer links (raintree-node --insecure), for packet captures. Keys are generated
  // either way, so that ids keep deriving from them.
  bool insecure = false;
  // Where the control channels listen: loopback by default; any other address is served over
  // TLS with each node's key (clients pin it from cluster.json).
  std::string control_host = "127.0.0.1";
  // Every node in a network namespace of its own, on a private bridge (netns.hpp; root only).
  // The control channels then listen on the nodes' addresses, over TLS.
  NetnsOptions netns;
  std::vector<std::string> extra_node_args;
  std::vector<int> byzantine;   // ranks started with --byzantine (advert mode)
  std::string advert_priority;  // --advert-priority for every node (advert mode); empty: default
  std::chrono::milliseconds ready_timeout{20000};
  // Called as nodes come up and answer status (started, total).
  std::function<void(int, int)> progress;
  // Called as the namespaces of a --netns cluster are set up (done, total).
  std::function<void(int, int)> network_progress;
  // Polled while waiting; returning true abandons the launch (stopping what was started).
  std::function<bool()> cancelled;
};

// Starts the nodes (each in its own session so that they outlive the launcher), writes a key
// per node (DIR/keys/), DIR/address-book.json (pinning the keys) and DIR/cluster.json, and returns
// once every node answers status. On failure stops whatever it started and returns nullopt with a
// reason.
std::optional<ClusterInfo> launch_cluster(const LaunchOptions& options, std::string& error);

struct NodeStatus {
  int rank = 0;
  bool process_alive = false;  // the pid exists (stopped processes count as alive)
  bool stopped = false;        // SIGSTOPped
  bool answering = false;      // answered status on the control channel
  nlohmann::json status;       // the status response when answering
};
std::vector<NodeStatus> cluster_status(
    const ClusterInfo& cluster,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(1500));

// How to start (or restart) a node of the cluster: its binary, arguments, log and namespace.
SpawnOptions node_spawn_options(const NodeInfo& node);

// Stops every node: shutdown over the control channel, then SIGCONT + SIGKILL for any that did
// not exit in time, then removes the cluster's network namespaces if it has any. Returns when
// no process of the cluster is left (false with a reason if one could not be reaped).
bool stop_cluster(const ClusterInfo& cluster, std::string& error);

// The raintree-node executable next to the running one (build/bin).
std::filesystem::path default_node_binary();

}  // namespace rt::cluster
