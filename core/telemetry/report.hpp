// The run report of DESIGN.md, shared by the simulator and by real-process runs so that both
// compute every figure the same way. Callers feed per-(broadcast, node) outcomes; the builder
// derives the per-node rows and the totals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/ids.hpp"

namespace rt::telemetry {

struct ReportNode {
  int rank = 0;  // 1-based position in ascending id order
  NodeId id;
  std::string role = "validator";
  bool alive = true;  // false: dead, killed or left stopped by the run
  // Filled by the builder from the broadcasts:
  std::uint64_t reads = 0;       // payload frames received
  std::uint64_t writes = 0;      // payload frames sent (a demote to self is neither)
  std::uint64_t delivered = 0;   // broadcasts handed to the application
  std::uint64_t duplicates = 0;  // payload copies of an already-seen broadcast
  // Wire bytes of the whole run, every frame type; set by the caller.
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};

// One node's share in one broadcast.
struct NodeOutcome {
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t payload_bytes_out = 0;  // bytes of payload frames this node sent
  std::uint64_t control_bytes_out = 0;  // bytes of protocol control frames (ack, igym, advert...)
  std::optional<double> delivery_ms;    // since the broadcast started; nullopt: not delivered
  int hops = 0;                         // hops of the copy that was delivered
  std::string missed_reason;            // why not delivered, when known ("dead", "partitioned")
};

struct BroadcastSummary {
  MessageId id;
  int origin_rank = 0;
  std::string group = "all";
  int members = 0;  // alive members of the group the broadcast was meant for
  int delivered = 0;
  double coverage = 0;
  std::uint64_t payload_copies = 0;  // payload frames received by alive nodes
  double copies_per_node = 0;        // payload_copies / (members - 1)
  double last_delivery_ms = 0;
  double mean_hops = 0;
  int max_hops = 0;
  std::vector<int> missed_ranks;
  std::vector<std::string> missed_reasons;  // parallel to missed_ranks
};

struct ReportTotals {
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  double coverage = 0;
  double payload_copies_per_node = 0;
  std::uint64_t control_bytes = 0;
  std::uint64_t payload_bytes = 0;
  double last_delivery_ms = 0;
  double mean_hops = 0;
  int max_hops = 0;
  int broadcasts = 0;
};

struct Report {
  std::string mode;
  std::vector<ReportNode> nodes;  // by rank
  std::vector<BroadcastSummary> broadcasts;
  ReportTotals totals;
};

class ReportBuilder {
 public:
  // nodes: every node of the run, in rank order, with id, role and alive set.
  ReportBuilder(std::string mode, std::vector<ReportNode> nodes);

  // outcomes[i] belongs to nodes[i]. `members` lists the ranks of the broadcast's group
  // (empty: every node). Nodes outside the group are not counted for coverage.
  void add_broadcast(MessageId id, int origin_rank, const std::string& group,
                     const std::vector<NodeOutcome>& outcomes,
                     const std::vector<int>& members = {});

  void set_wire_bytes(int rank, std::uint64_t bytes_in, std::uint64_t bytes_out);

  Report build() const;

 private:
  Report report_;
  std::uint64_t delivered_pairs_ = 0;
  std::uint64_t expected_pairs_ = 0;
  double copies_sum_ = 0;
  std::uint64_t hops_sum_ = 0;
  std::uint64_t hops_count_ = 0;
};

nlohmann::json to_json(const Report& report);
// Per-node CSV (one row a node) and per-broadcast CSV (one row a broadcast), with headers.
std::string nodes_csv(const Report& report);
std::string broadcasts_csv(const Report& report);

}  // namespace rt::telemetry
