// One node's peers as its inspector shows them: connection, traffic, outbound queue and when
// the peer was last heard, one row per peer keyed by its id, refreshed from each sample of the
// node with coalesced signals (see KeyedTableModel).
#pragma once

#include <cstdint>
#include <map>

#include "cluster/cluster_info.hpp"
#include "cluster/monitor.hpp"
#include "views/inspector/keyed_table_model.hpp"

namespace rt::gui {

// Peer id -> rank, from the session's cluster.
using RankIndex = std::map<NodeId, int>;
RankIndex makeRankIndex(const cluster::ClusterInfo& cluster);
// The rank of `id`, 0 when it is not in the cluster.
int rankOf(const RankIndex& ranks, const NodeId& id);

struct PeerRow {
  NodeId id;
  int rank = 0;
  bool connected = false;
  std::uint64_t frames_in = 0, frames_out = 0, bytes_in = 0, bytes_out = 0;
  std::uint64_t queue_frames = 0, queue_bytes = 0, high_water = 0;
  std::uint64_t drops = 0, duplicates = 0;
  Micros heard_ago_us = -1;  // at the sample's time; -1: never heard

  const NodeId& key() const { return id; }
  friend bool operator==(const PeerRow&, const PeerRow&) = default;
};

class PeerTableModel : public KeyedTableModel<PeerRow> {
  Q_OBJECT

 public:
  enum Column {
    PeerColumn,
    IdColumn,
    ConnectedColumn,
    FramesInColumn,
    FramesOutColumn,
    BytesInColumn,
    BytesOutColumn,
    QueueFramesColumn,
    QueueBytesColumn,
    HighWaterColumn,
    DropsColumn,
    DuplicatesColumn,
    LastHeardColumn,
    ColumnCount
  };

  explicit PeerTableModel(RankIndex ranks, QObject* parent = nullptr);

  // The node's latest sample; a sample without counters (node not answering) keeps the rows.
  void applySample(const cluster::NodeSample& sample);
  void clear() { clearRows(); }

  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  RankIndex ranks_;
};

// "2.4 s ago", "never".
QString formatAgo(Micros ago_us);

}  // namespace rt::gui
