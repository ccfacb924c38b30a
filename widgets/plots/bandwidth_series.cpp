#include "plots/bandwidth_series.hpp"

#include <algorithm>
#include <climits>
#include <tuple>

namespace rt::gui {

namespace {

struct Candidate {
  int rank = 0;
  NodeId peer;
  const TrafficSeries* series = nullptr;
  double current = 0;
  double window = 0;
};

Candidate rate(int rank, NodeId peer, const TrafficSeries& series) {
  Candidate candidate{rank, peer, &series, 0, 0};
  const RingBuffer<TrafficPoint>& points = series.points();
  for (std::size_t i = 0; i < points.size(); ++i) {
    candidate.window += points[i].bytes_in_per_s + points[i].bytes_out_per_s;
  }
  if (!points.empty())
    candidate.current = points.back().bytes_in_per_s + points.back().bytes_out_per_s;
  return candidate;
}

std::vector<TrafficPoint> copyPoints(const TrafficSeries& series) {
  const RingBuffer<TrafficPoint>& points = series.points();
  std::vector<TrafficPoint> copy;
  copy.reserve(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) copy.push_back(points[i]);
  return copy;
}

}  // namespace

BandwidthSeries::BandwidthSeries(std::size_t seconds, Micros grace_us, std::size_t max_peer_series)
    : seconds_(seconds), grace_us_(grace_us), max_peer_series_(max_peer_series) {}

void BandwidthSeries::setRanks(const std::vector<NodeId>& ids_by_rank) {
  rank_of_.clear();
  for (std::size_t i = 0; i < ids_by_rank.size(); ++i) {
    rank_of_.emplace(ids_by_rank[i], static_cast<int>(i + 1));
  }
}

void BandwidthSeries::keepPeersOf(std::optional<int> rank) {
  kept_ = rank;
  if (peer_lines_ <= max_peer_series_) return;
  // Over the bound because earlier selections were kept: only the new one keeps its history.
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (rank && it->first == *rank) {
      ++it;
      continue;
    }
    peer_lines_ -= it->second.size();
    it = peers_.erase(it);
  }
}

void BandwidthSeries::addSamples(const std::vector<cluster::NodeSample>& samples) {
  for (const cluster::NodeSample& sample : samples) {
    if (!sample.answering) continue;  // a silent node reports no counters
    auto node = nodes_.try_emplace(sample.rank, seconds_, grace_us_).first;
    node->second.addSample(sample.rank, sample.time_us, sample.bytes_in, sample.bytes_out);
    const bool kept = kept_ == sample.rank;
    auto& peers = peers_[sample.rank];
    for (const cluster::PeerSample& peer : sample.peers) {
      auto line = peers.find(peer.peer);
      if (line == peers.end()) {
        if (!kept && peer_lines_ >= max_peer_series_) continue;
        line = peers.try_emplace(peer.peer, seconds_, grace_us_).first;
        ++peer_lines_;
      }
      line->second.addSample(0, sample.time_us, peer.bytes_in, peer.bytes_out);
    }
  }
}

bool BandwidthSeries::advance(Micros now_us) {
  bool added = false;
  for (auto& [rank, series] : nodes_) added = series.advance(now_us) || added;
  for (auto& [rank, peers] : peers_) {
    for (auto& [id, series] : peers) added = series.advance(now_us) || added;
  }
  return added;
}

std::vector<BandwidthLine> BandwidthSeries::top(Mode mode, int rank, std::size_t k) const {
  std::vector<Candidate> candidates;
  if (mode == Mode::nodes) {
    for (const auto& [node, series] : nodes_) candidates.push_back(rate(node, NodeId{}, series));
  } else if (auto peers = peers_.find(rank); peers != peers_.end()) {
    for (const auto& [id, series] : peers->second) {
      const auto known = rank_of_.find(id);
      candidates.push_back(rate(known == rank_of_.end() ? 0 : known->second, id, series));
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    // Unknown peers (rank 0) after known ones.
    const int rank_a = a.rank == 0 ? INT_MAX : a.rank;
    const int rank_b = b.rank == 0 ? INT_MAX : b.rank;
    return std::tie(b.current, b.window, rank_a, a.peer) <
           std::tie(a.current, a.window, rank_b, b.peer);
  });

  std::vector<BandwidthLine> lines;
  for (std::size_t i = 0; i < candidates.size() && i < k; ++i) {
    const Candidate& c = candidates[i];
    lines.push_back({c.rank, c.peer, false, 1, c.current, copyPoints(*c.series)});
  }
  if (candidates.size() <= k) return lines;

  // "other": the remaining lines summed second by second.
  BandwidthLine other;
  other.other = true;
  std::map<std::int64_t, TrafficPoint> sum;
  for (std::size_t i = k; i < candidates.size(); ++i) {
    const RingBuffer<TrafficPoint>& points = candidates[i].series->points();
    for (std::size_t p = 0; p < points.size(); ++p) {
      TrafficPoint& total = sum[points[p].second];
      total.second = points[p].second;
      total.bytes_in_per_s += points[p].bytes_in_per_s;
      total.bytes_out_per_s += points[p].bytes_out_per_s;
    }
    other.current += candidates[i].current;
    ++other.summed;
  }
  other.points.reserve(sum.size());
  for (const auto& [second, point] : sum) other.points.push_back(point);
  lines.push_back(std::move(other));
  return lines;
}

void BandwidthSeries::clear() {
  nodes_.clear();
  peers_.clear();
  peer_lines_ = 0;
}

}  // namespace rt::gui
