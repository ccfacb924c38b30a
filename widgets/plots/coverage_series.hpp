// Coverage over time of the last few broadcasts: for each, the fraction of nodes that have
// delivered it against the milliseconds since it was originated, from the nodes' `originate`
// and `deliver` events. Bounded: at most `max_broadcasts` are kept (oldest evicted, and late
// events for an evicted one do not bring it back), one delivery per node each. Events may
// arrive out of order across nodes: a delivery seen before its originate event counts from the
// earliest time seen until the originate event names the real start.
#pragma once

#include <cstddef>
#include <deque>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cluster/monitor.hpp"

namespace rt::gui {

struct CoveragePoint {
  double ms = 0;        // since origination
  double fraction = 0;  // of the cluster's nodes that delivered by then
};

struct CoverageCurve {
  MessageId id;
  int origin = 0;  // rank, 0 until the originate event arrives
  Micros start_us = 0;
  int delivered = 0;
  std::vector<CoveragePoint> points;  // a step function: (0, 0), then one point per delivery
  double lastMs() const { return points.empty() ? 0 : points.back().ms; }
  double fraction() const { return points.empty() ? 0 : points.back().fraction; }
};

class CoverageSeries {
 public:
  explicit CoverageSeries(std::size_t max_broadcasts = 8);

  // The denominator of the fractions; 0 uses the highest rank seen.
  void setNodeCount(int nodes) { nodes_ = nodes; }
  // True when a kept broadcast changed.
  bool add(int rank, const wire::EventRecord& event);
  bool add(const std::vector<cluster::RankedEvent>& events);

  // Oldest first.
  std::vector<CoverageCurve> curves() const;
  std::size_t size() const { return broadcasts_.size(); }
  void clear();

 private:
  static constexpr std::size_t kMaxDeliveries = 100000;  // per broadcast
  static constexpr std::size_t kEvictedMemory = 256;
  struct Broadcast {
    MessageId id;
    int origin = 0;
    Micros start_us = 0;
    std::unordered_map<int, Micros> delivered;  // by rank
  };
  Broadcast* find(MessageId id);
  Broadcast* create(MessageId id, Micros time_us);

  std::size_t max_broadcasts_;
  int nodes_ = 0;
  int max_rank_ = 0;
  std::deque<Broadcast> broadcasts_;  // by creation
  std::deque<MessageId> evicted_order_;
  std::unordered_set<MessageId> evicted_;
};

}  // namespace rt::gui
