// Turns what the nodes of a real-process run measured (their `messages` and `counters`
// answers, docs/control-protocol.md) into the DESIGN.md report, through ReportBuilder.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "telemetry/report.hpp"
#include "util/ids.hpp"

namespace rt::cluster {

struct BroadcastRecord {
  MessageId id;
  int origin_rank = 0;
  std::string group = "all";
  Micros time_us = 0;  // the origin's clock when it broadcast (the `broadcast` answer)
};

struct NodeRunData {
  int rank = 0;
  NodeId id;
  std::string role = "validator";
  bool alive = true;
  std::string down_reason;         // why not alive ("killed", "stopped"), or why not collected
  std::string unreachable_reason;  // alive but cut off from the origin ("partitioned"), or empty
  nlohmann::json messages;         // the node's `messages` array; null when not collected
  nlohmann::json counters_before;  // `counters.node` before the first broadcast (may be null)
  nlohmann::json counters_after;   // `counters.node` after the run (may be null)
};

// nodes: every node of the run in rank order.
telemetry::Report build_run_report(const std::string& mode,
                                   const std::vector<BroadcastRecord>& broadcasts,
                                   const std::vector<NodeRunData>& nodes);

// Ranks of the nodes in a broadcast group ("all", a role, a plural of a role, or a comma list),
// empty for everyone.
std::vector<int> group_ranks(const std::string& group, const std::vector<NodeRunData>& nodes);

// Reads an unsigned counter from a JSON object; 0 when absent or not a number.
std::uint64_t counter(const nlohmann::json& obj, const char* key);

}  // namespace rt::cluster
