#include "plots/duplicate_counts.hpp"

namespace rt::gui {

void DuplicateCounts::setNodeCount(int nodes) {
  bars_.clear();
  for (int rank = 1; rank <= std::min(nodes, kMaxRank); ++rank) bars_[rank].rank = rank;
}

bool DuplicateCounts::addSamples(const std::vector<cluster::NodeSample>& samples) {
  bool changed = false;
  for (const cluster::NodeSample& sample : samples) {
    if (!sample.answering || sample.rank < 1 || sample.rank > kMaxRank) continue;
    DuplicateBar& bar = bars_[sample.rank];
    const DuplicateBar now{sample.rank, sample.duplicates, sample.delivered, true};
    if (bar.duplicates != now.duplicates || bar.delivered != now.delivered || !bar.reported) {
      bar = now;
      changed = true;
    }
  }
  return changed;
}

std::vector<DuplicateBar> DuplicateCounts::bars() const {
  std::vector<DuplicateBar> bars;
  bars.reserve(bars_.size());
  for (const auto& [rank, bar] : bars_) bars.push_back(bar);
  return bars;
}

std::uint64_t DuplicateCounts::totalDuplicates() const {
  std::uint64_t total = 0;
  for (const auto& [rank, bar] : bars_) total += bar.duplicates;
  return total;
}

std::uint64_t DuplicateCounts::totalDelivered() const {
  std::uint64_t total = 0;
  for (const auto& [rank, bar] : bars_) total += bar.delivered;
  return total;
}

}  // namespace rt::gui
