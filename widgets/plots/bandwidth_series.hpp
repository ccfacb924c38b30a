// Bytes in/out per second per node, and per peer of each node, from the monitor's cumulative
// counters. Each line is a TrafficSeries (one-second points in a ring), so the bucketing,
// restarts and late samples are handled in one place. top() picks the k busiest lines and sums
// the rest as "other". Pure data: no plotting, so the selection is unit-tested on its own.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "cluster/monitor.hpp"
#include "plots/traffic_series.hpp"

namespace rt::gui {

struct BandwidthLine {
  int rank = 0;        // the node (nodes mode) or the peer's rank (peers mode, 0 when unknown)
  NodeId peer;         // peers mode
  bool other = false;  // the sum of every line outside the top k
  int summed = 0;      // other: how many lines it sums
  double current = 0;  // in + out B/s of the latest closed second
  std::vector<TrafficPoint> points;  // oldest first
};

class BandwidthSeries {
 public:
  enum class Mode { peers, nodes };

  // `max_peer_series` bounds the per-peer lines over all nodes; beyond it only the peers of
  // the node set with keepPeersOf() get lines (so selecting a node always works).
  explicit BandwidthSeries(std::size_t seconds = 120, Micros grace_us = 1'000'000,
                           std::size_t max_peer_series = 2048);

  // Names peers by rank in top(); ids outside it keep rank 0.
  void setRanks(const std::vector<NodeId>& ids_by_rank);
  void keepPeersOf(std::optional<int> rank);
  void addSamples(const std::vector<cluster::NodeSample>& samples);
  // Closes finished seconds in every line (see TrafficSeries::advance). True when a point was
  // added anywhere.
  bool advance(Micros now_us);

  // The k lines with the highest current rate (ties: the busier over the window, then the
  // lower rank), plus "other" when lines were left out. Peers mode shows the peers of `rank`.
  std::vector<BandwidthLine> top(Mode mode, int rank, std::size_t k) const;

  std::size_t nodeLines() const { return nodes_.size(); }
  std::size_t peerLines() const { return peer_lines_; }
  void clear();

 private:
  std::size_t seconds_;
  Micros grace_us_;
  std::size_t max_peer_series_;
  std::optional<int> kept_;
  std::unordered_map<NodeId, int> rank_of_;
  std::map<int, TrafficSeries> nodes_;                              // by rank
  std::map<int, std::unordered_map<NodeId, TrafficSeries>> peers_;  // by node rank, peer id
  std::size_t peer_lines_ = 0;
};

}  // namespace rt::gui
