// Duplicate copies and deliveries per node, from the latest counters each node reported (they
// count since the node started). Pure data behind the duplicates bar chart.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "cluster/monitor.hpp"

namespace rt::gui {

struct DuplicateBar {
  int rank = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t delivered = 0;
  bool reported = false;  // false until the node answered once
};

class DuplicateCounts {
 public:
  // Lists ranks 1..nodes with zero bars until they report, so silent nodes show up as gaps.
  void setNodeCount(int nodes);
  // True when a bar changed.
  bool addSamples(const std::vector<cluster::NodeSample>& samples);

  // Ascending rank.
  std::vector<DuplicateBar> bars() const;
  std::uint64_t totalDuplicates() const;
  std::uint64_t totalDelivered() const;
  void clear() { bars_.clear(); }

 private:
  static constexpr int kMaxRank = 100000;  // ranks beyond are not a cluster the studio runs
  std::map<int, DuplicateBar> bars_;
};

}  // namespace rt::gui
