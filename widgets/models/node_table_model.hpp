// One row per node of the cluster, keyed by rank, fed with the monitor's samples. Updates are
// coalesced: one applySamples() call emits at most one dataChanged for the counters and one for
// the status column, each naming only the roles that changed.
#pragma once

#include <QAbstractTableModel>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "cluster/cluster_info.hpp"
#include "cluster/monitor.hpp"
#include "models/node_status.hpp"

namespace rt::gui {

class NodeTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    RankColumn,
    IdColumn,
    RoleColumn,
    StatusColumn,
    PidColumn,
    PeersColumn,
    DeliveredColumn,
    DuplicatesColumn,
    DropsColumn,
    QueueColumn,
    BytesInColumn,
    BytesOutColumn,
    ColumnCount
  };
  enum Role {
    SortRole = Qt::UserRole + 1,  // the raw value of the cell (numbers as numbers)
    RankRole,                     // the row's rank, from any column
    StatusRole,                   // NodeStatus as int, from any column
    CellFontRole,                 // headerData(): the font of the column's cells, if special
  };

  explicit NodeTableModel(QObject* parent = nullptr);

  // Replaces every row (a new cluster session).
  void setNodes(const std::vector<cluster::NodeInfo>& nodes);
  void clear();
  // Samples for ranks without a row are ignored.
  void applySamples(const std::vector<cluster::NodeSample>& samples);
  // The studio killed `rank`: once its process is gone it shows as killed (not exited).
  void noteKilled(int rank);
  // A fault was requested: a restarted node shows as restarting until its outcome arrives.
  void noteFaultRequested(const cluster::FaultStep& step);
  // Outcomes arrive before the samples taken after them, which then show their effect.
  void applyFaultOutcomes(const std::vector<cluster::FaultOutcome>& outcomes);

  int rowOfRank(int rank) const;  // -1 when unknown
  int rankAtRow(int row) const;
  NodeStatus statusOf(int rank) const;
  int answeringCount() const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  struct Row {
    int rank = 0;
    QString id_short;
    QString id_full;
    QString role;
    int pid = 0;
    bool killed_by_user = false;
    bool restarting = false;
    NodeStatus status = NodeStatus::starting;
    NodeStatus sampled = NodeStatus::starting;  // what the last sample said
    int peers_connected = 0;
    int peers_known = 0;
    std::uint64_t delivered = 0, duplicates = 0, drops = 0, queue_frames = 0;
    std::uint64_t bytes_in = 0, bytes_out = 0;
  };
  static NodeStatus deriveStatus(const cluster::NodeSample& sample, bool killed_by_user);
  QVariant displayValue(const Row& row, int column) const;
  QVariant sortValue(const Row& row, int column) const;
  void emitStatusChanged(int first_row, int last_row);
  // Sets a row's shown status from its flags and last sample; true when it changed.
  bool refreshStatus(Row& row);

  std::vector<Row> rows_;
  std::unordered_map<int, int> row_of_rank_;
};

// "1.5 MiB", "812 B": bytes for people.
QString formatBytes(double bytes);

}  // namespace rt::gui
