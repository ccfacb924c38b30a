// "Find queues deeper than N": every (node, peer) whose outbound queue holds at least N frames
// in the latest samples of the whole cluster, as a keyed model refreshed in place.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cluster/monitor.hpp"
#include "views/inspector/keyed_table_model.hpp"
#include "views/inspector/peer_table_model.hpp"

namespace rt::gui {

struct DeepQueueRow {
  int rank = 0;  // the node holding the queue
  NodeId peer;   // the peer the queue goes to
  int peer_rank = 0;
  bool connected = false;
  std::uint64_t queue_frames = 0, queue_bytes = 0, high_water = 0;

  std::pair<int, NodeId> key() const { return {rank, peer}; }
  friend bool operator==(const DeepQueueRow&, const DeepQueueRow&) = default;
};

struct DeepQueueSearch {
  std::vector<DeepQueueRow> rows;  // deepest first, at most `limit`
  std::size_t matched = 0;         // before the limit
  int nodes_searched = 0;
};

// Searches the latest samples (answering nodes only) for queues of at least `min_frames`.
DeepQueueSearch findDeepQueues(const std::unordered_map<int, cluster::NodeSample>& latest,
                               std::uint64_t min_frames, const RankIndex& ranks,
                               std::size_t limit = 10000);

class DeepQueueModel : public KeyedTableModel<DeepQueueRow> {
  Q_OBJECT

 public:
  enum Column {
    NodeColumn,
    PeerColumn,
    QueueFramesColumn,
    QueueBytesColumn,
    HighWaterColumn,
    LinkColumn,
    ColumnCount
  };
  static constexpr int RankRole = Qt::UserRole + 2;  // the node's rank, from any column

  using KeyedTableModel<DeepQueueRow>::KeyedTableModel;

  void setRows(std::vector<DeepQueueRow> rows) { replaceRows(std::move(rows)); }
  void clear() { clearRows(); }

  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;
};

}  // namespace rt::gui
