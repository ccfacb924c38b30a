#include "plots/coverage_series.hpp"

#include <algorithm>

namespace rt::gui {

CoverageSeries::CoverageSeries(std::size_t max_broadcasts)
    : max_broadcasts_(std::max<std::size_t>(max_broadcasts, 1)) {}

void CoverageSeries::clear() {
  broadcasts_.clear();
  evicted_order_.clear();
  evicted_.clear();
  max_rank_ = 0;
}

CoverageSeries::Broadcast* CoverageSeries::find(MessageId id) {
  for (Broadcast& b : broadcasts_) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

CoverageSeries::Broadcast* CoverageSeries::create(MessageId id, Micros time_us) {
  if (evicted_.count(id)) return nullptr;
  if (broadcasts_.size() == max_broadcasts_) {
    evicted_order_.push_back(broadcasts_.front().id);
    evicted_.insert(broadcasts_.front().id);
    broadcasts_.pop_front();
    if (evicted_order_.size() > kEvictedMemory) {
      evicted_.erase(evicted_order_.front());
      evicted_order_.pop_front();
    }
  }
  broadcasts_.push_back(Broadcast{id, 0, time_us, {}});
  return &broadcasts_.back();
}

bool CoverageSeries::add(int rank, const wire::EventRecord& event) {
  const bool originate = event.kind == wire::EventKind::originate;
  if (!originate && event.kind != wire::EventKind::deliver) return false;
  if (rank < 1) return false;
  Broadcast* b = find(event.msg_id);
  if (!b) b = create(event.msg_id, event.time_us);
  if (!b) return false;  // evicted: a straggler of an old broadcast
  if (originate) {
    b->origin = rank;
    b->start_us = event.time_us;
    return true;
  }
  if (b->origin == 0) b->start_us = std::min(b->start_us, event.time_us);
  if (b->delivered.size() >= kMaxDeliveries && !b->delivered.count(rank)) return false;
  // A node delivers a broadcast at most once; a restarted one may say so again.
  if (!b->delivered.try_emplace(rank, event.time_us).second) return false;
  max_rank_ = std::max(max_rank_, rank);
  return true;
}

bool CoverageSeries::add(const std::vector<cluster::RankedEvent>& events) {
  bool changed = false;
  for (const cluster::RankedEvent& ranked : events)
    changed = add(ranked.rank, ranked.event) || changed;
  return changed;
}

std::vector<CoverageCurve> CoverageSeries::curves() const {
  std::vector<CoverageCurve> curves;
  curves.reserve(broadcasts_.size());
  for (const Broadcast& b : broadcasts_) {
    const int nodes = nodes_ > 0 ? nodes_ : std::max(max_rank_, 1);
    std::vector<Micros> times;
    times.reserve(b.delivered.size());
    for (const auto& [rank, time_us] : b.delivered) {
      if (nodes_ <= 0 || rank <= nodes_) times.push_back(time_us);
    }
    std::sort(times.begin(), times.end());
    CoverageCurve curve{b.id, b.origin, b.start_us, static_cast<int>(times.size()), {}};
    curve.points.reserve(times.size() + 1);
    curve.points.push_back({0, 0});
    for (std::size_t i = 0; i < times.size(); ++i) {
      const double ms = static_cast<double>(std::max<Micros>(times[i] - b.start_us, 0)) / 1000.0;
      curve.points.push_back({ms, static_cast<double>(i + 1) / nodes});
    }
    curves.push_back(std::move(curve));
  }
  return curves;
}

}  // namespace rt::gui
