// Internal to the event report: what each node's condition was at any moment of a recording,
// replayed from the controller's fault notes (docs/reports.md, "Conditions").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/event_report_facts.hpp"

namespace rt::cluster::report_detail {

enum class Condition { up, killed, stopped, muted, partitioned };
std::string_view condition_label(Condition condition);

// The whole cluster at one moment. Ranks are 1-based; out-of-range ranks read as up.
struct ClusterState {
  std::vector<std::uint8_t> killed, stopped, muted;
  std::vector<std::uint8_t> listed;  // named in the active partition's groups
  std::vector<int> group;            // partition group; the unlisted ranks share the last one
  bool partition = false;

  explicit ClusterState(std::size_t nodes = 0)
      : killed(nodes), stopped(nodes), muted(nodes), listed(nodes), group(nodes) {}

  // Not killed and not stopped: the process runs and answers.
  bool alive(int rank) const;
  // Alive and on the same side of any partition as `from`: a frame from `from` can arrive.
  bool reachable(int rank, int from) const;
  // The node on its own: killed > stopped > partitioned (in a listed group) > muted > up.
  Condition condition(int rank) const;
  // Why `rank` would not hear a broadcast from `from`: as above, but partitioned means on
  // another side than `from`.
  Condition condition_from(int rank, int from) const;

  void apply(const nlohmann::json& fault);
};

class ConditionTimeline {
 public:
  // Fault notes in any order; equal times keep their order.
  ConditionTimeline(std::size_t nodes, const std::vector<TimedNote>& faults);

  // The state after every fault at or before `time_us`.
  const ClusterState& at(Micros time_us) const;
  const ClusterState& at_end() const { return states_.back().second; }
  // The first fault time after `after_us` at which `rank` is reachable from `origin` again.
  std::optional<Micros> return_time(int rank, int origin, Micros after_us) const;

 private:
  std::vector<std::pair<Micros, ClusterState>> states_;  // [0] is the state before any fault
};

}  // namespace rt::cluster::report_detail
