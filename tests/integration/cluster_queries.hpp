// Questions to real nodes over their control channels, shared by the integration tests that
// start clusters: one fresh connection per request, since nodes restart and stop under them.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "cluster/control_client.hpp"
#include "cluster/faults.hpp"
#include "cluster/launcher.hpp"
#include "helpers.hpp"

namespace rt::itest {

using cluster::ClusterInfo;
using cluster::ControlClient;
using cluster::NodeInfo;
using nlohmann::json;

inline std::optional<ClusterInfo> launch(const fs::path& dir, int nodes, std::string mode,
                                         std::string& error, cluster::LaunchOptions o = {}) {
  o.nodes = nodes;
  o.mode = std::move(mode);
  o.dir = dir;
  o.node_binary = bin("raintree-node");
  return cluster::launch_cluster(o, error);
}

// A fresh connection per request: nodes restart and stop under these tests.
inline std::optional<json> ask(const NodeInfo& n, const json& command) {
  std::string error;
  auto client = ControlClient::connect(n, milliseconds(2000), error);
  if (!client) return std::nullopt;
  auto answer = client->request(command, milliseconds(3000), error);
  if (!answer || !answer->value("ok", false)) return std::nullopt;
  return answer;
}

inline int peers_connected(const NodeInfo& n) {
  const auto status = ask(n, {{"cmd", "status"}});
  return status ? status->value("peers_connected", -1) : -1;
}

inline json node_counters(const NodeInfo& n) {
  const auto counters = ask(n, {{"cmd", "counters"}});
  return counters ? counters->value("node", json::object()) : json::object();
}

inline std::uint64_t dropped_for(const NodeInfo& n, const char* reason) {
  return node_counters(n).value("drops_by_reason", json::object()).value(reason, 0ull);
}

inline cluster::NodeFaults faults_of(const NodeInfo& n) {
  const auto status = ask(n, {{"cmd", "status"}});
  return cluster::parse_node_faults(status ? status->value("faults", json::object()) : json());
}

inline std::string broadcast(const NodeInfo& origin) {
  const auto answer = ask(origin, {{"cmd", "broadcast"}, {"size", 512}});
  return answer ? answer->value("id", std::string()) : std::string();
}

// The node's entry for a broadcast (null when it has not seen it).
inline json message_entry(const NodeInfo& n, const std::string& id) {
  const auto answer = ask(n, {{"cmd", "messages"}});
  if (!answer) return json();
  for (const json& m : answer->value("messages", json::array())) {
    if (m.value("id", std::string()) == id) return m;
  }
  return json();
}

inline bool delivered(const NodeInfo& n, const std::string& id) {
  const json m = message_entry(n, id);
  return m.is_object() && !m.value("delivered_us", json()).is_null();
}

// Every rank in `ranks` has delivered `id`.
inline bool delivered_by(const ClusterInfo& info, const std::set<int>& ranks,
                         const std::string& id) {
  for (int r : ranks) {
    if (!delivered(info.nodes[r - 1], id)) return false;
  }
  return true;
}

// Each listed rank has exactly the given number of peers connected.
inline bool connected_counts(const ClusterInfo& info, const std::map<int, int>& want) {
  for (const auto& [rank, count] : want) {
    if (peers_connected(info.nodes[rank - 1]) != count) return false;
  }
  return true;
}

inline std::map<int, int> full_mesh(const ClusterInfo& info, const std::set<int>& except = {}) {
  std::map<int, int> want;
  const int n = static_cast<int>(info.nodes.size());
  for (int r = 1; r <= n; ++r) {
    if (!except.count(r)) want[r] = n - 1 - static_cast<int>(except.size());
  }
  return want;
}

// Node n's log names `text` within 3 s (polled: the line may still be on its way).
inline bool logged(const NodeInfo& n, const std::string& text) {
  return eventually(
      [&] {
        std::ifstream in(n.log);
        std::stringstream all;
        all << in.rdbuf();
        return all.str().find(text) != std::string::npos;
      },
      milliseconds(3000));
}

inline std::set<int> ranks_but(int nodes, const std::set<int>& left_out) {
  std::set<int> out;
  for (int r = 1; r <= nodes; ++r) {
    if (!left_out.count(r)) out.insert(r);
  }
  return out;
}

}  // namespace rt::itest
