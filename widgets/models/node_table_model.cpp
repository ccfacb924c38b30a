#include "models/node_table_model.hpp"

#include <QFont>
#include <QFontDatabase>

#include <algorithm>
#include <array>

namespace rt::gui {

namespace {

QFont idFont() {
  QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  font.setStyleHint(QFont::Monospace);
  return font;
}

struct ColumnInfo {
  const char* title;
  const char* tooltip;
  bool numeric;
};

constexpr std::array<ColumnInfo, NodeTableModel::ColumnCount> kColumns{{
    {"Rank", "Position of the node in ascending id order (1-based)", true},
    {"Id", "First 8 hex characters of the node id (hover a cell for all 64)", false},
    {"Role", "Role in the address book", false},
    {"Status",
     "alive, muted, partitioned, stopped (SIGSTOP), killed, restarting, exited or not "
     "answering",
     false},
    {"PID", "Process id of the node", true},
    {"Peers", "Peer connections up / peers in the address book", true},
    {"Delivered", "Broadcasts handed to the application", true},
    {"Duplicates", "Gossip copies of messages already seen", true},
    {"Drops", "Frames dropped (queue full, peer gone)", true},
    {"Out queue", "Frames waiting in the outbound queues, summed over peers", true},
    {"Bytes in", "Bytes received from peers", true},
    {"Bytes out", "Bytes sent to peers", true},
}};

}  // namespace

QString formatBytes(double bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 4) {
    bytes /= 1024.0;
    ++unit;
  }
  if (unit == 0) return QStringLiteral("%1 B").arg(static_cast<qint64>(bytes));
  return QStringLiteral("%1 %2").arg(bytes, 0, 'f', bytes < 10 ? 2 : 1).arg(units[unit]);
}

NodeTableModel::NodeTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void NodeTableModel::setNodes(const std::vector<cluster::NodeInfo>& nodes) {
  beginResetModel();
  rows_.clear();
  row_of_rank_.clear();
  rows_.reserve(nodes.size());
  for (const cluster::NodeInfo& node : nodes) {
    Row row;
    row.rank = node.rank;
    row.id_short = QString::fromStdString(node.id.short_hex());
    row.id_full = QString::fromStdString(node.id.hex());
    row.role = QString::fromStdString(node.role);
    row.pid = node.pid;
    row.peers_known = std::max(0, static_cast<int>(nodes.size()) - 1);
    row_of_rank_[node.rank] = static_cast<int>(rows_.size());
    rows_.push_back(std::move(row));
  }
  endResetModel();
}

void NodeTableModel::clear() {
  setNodes({});
}

NodeStatus NodeTableModel::deriveStatus(const cluster::NodeSample& sample, bool killed_by_user) {
  if (!sample.process_alive) return killed_by_user ? NodeStatus::killed : NodeStatus::exited;
  if (sample.stopped) return NodeStatus::stopped;
  if (!sample.answering) return NodeStatus::not_answering;
  switch (sample.condition) {
    case cluster::NodeCondition::partitioned:
      return NodeStatus::partitioned;
    case cluster::NodeCondition::muted:
      return NodeStatus::muted;
    default:
      return NodeStatus::alive;
  }
}

bool NodeTableModel::refreshStatus(Row& row) {
  NodeStatus status = row.restarting ? NodeStatus::restarting : row.sampled;
  if (status == NodeStatus::exited && row.killed_by_user) status = NodeStatus::killed;
  if (status == row.status) return false;
  row.status = status;
  return true;
}

void NodeTableModel::applySamples(const std::vector<cluster::NodeSample>& samples) {
  int first_counter_row = -1, last_counter_row = -1;
  int first_status_row = -1, last_status_row = -1;
  int first_pid_row = -1, last_pid_row = -1;
  auto widen = [](int& first, int& last, int row) {
    first = first < 0 ? row : std::min(first, row);
    last = std::max(last, row);
  };
  for (const cluster::NodeSample& sample : samples) {
    const int index = rowOfRank(sample.rank);
    if (index < 0) continue;
    Row& row = rows_[static_cast<std::size_t>(index)];
    row.sampled = deriveStatus(sample, row.killed_by_user);
    if (refreshStatus(row)) widen(first_status_row, last_status_row, index);
    if (sample.pid > 0 && sample.pid != row.pid) {  // restarted
      row.pid = sample.pid;
      widen(first_pid_row, last_pid_row, index);
    }
    // A node that is not answering reports no counters: keep the last ones it gave.
    if (!sample.answering) continue;
    std::uint64_t queue = 0;
    for (const cluster::PeerSample& peer : sample.peers) queue += peer.queue_frames;
    const int known =
        sample.peers.empty() ? row.peers_known : static_cast<int>(sample.peers.size());
    const bool changed = row.peers_connected != sample.peers_connected ||
                         row.peers_known != known || row.delivered != sample.delivered ||
                         row.duplicates != sample.duplicates || row.drops != sample.drops ||
                         row.queue_frames != queue || row.bytes_in != sample.bytes_in ||
                         row.bytes_out != sample.bytes_out;
    if (!changed) continue;
    row.peers_connected = sample.peers_connected;
    row.peers_known = known;
    row.delivered = sample.delivered;
    row.duplicates = sample.duplicates;
    row.drops = sample.drops;
    row.queue_frames = queue;
    row.bytes_in = sample.bytes_in;
    row.bytes_out = sample.bytes_out;
    widen(first_counter_row, last_counter_row, index);
  }
  if (first_counter_row >= 0) {
    emit dataChanged(index(first_counter_row, PeersColumn), index(last_counter_row, BytesOutColumn),
                     {Qt::DisplayRole, SortRole});
  }
  if (first_status_row >= 0) emitStatusChanged(first_status_row, last_status_row);
  if (first_pid_row >= 0) {
    emit dataChanged(index(first_pid_row, PidColumn), index(last_pid_row, PidColumn),
                     {Qt::DisplayRole, SortRole});
  }
}

void NodeTableModel::noteKilled(int rank) {
  const int index = rowOfRank(rank);
  if (index < 0) return;
  Row& row = rows_[static_cast<std::size_t>(index)];
  row.killed_by_user = true;
  if (refreshStatus(row)) emitStatusChanged(index, index);
}

void NodeTableModel::noteFaultRequested(const cluster::FaultStep& step) {
  if (step.kind != cluster::FaultKind::restart) return;
  for (int rank : step.ranks) {
    const int index = rowOfRank(rank);
    if (index < 0) continue;
    Row& row = rows_[static_cast<std::size_t>(index)];
    row.restarting = true;
    if (refreshStatus(row)) emitStatusChanged(index, index);
  }
}

void NodeTableModel::applyFaultOutcomes(const std::vector<cluster::FaultOutcome>& outcomes) {
  for (const cluster::FaultOutcome& outcome : outcomes) {
    const auto kind = outcome.step.kind;
    if (kind != cluster::FaultKind::restart && kind != cluster::FaultKind::kill) continue;
    for (int rank : outcome.step.ranks) {
      const int index = rowOfRank(rank);
      if (index < 0) continue;
      Row& row = rows_[static_cast<std::size_t>(index)];
      if (kind == cluster::FaultKind::kill) {
        row.killed_by_user = row.killed_by_user || outcome.ok;
      } else {
        row.restarting = false;
        // A restarted node that dies later exited on its own.
        if (outcome.ok) row.killed_by_user = false;
      }
      if (refreshStatus(row)) emitStatusChanged(index, index);
    }
  }
}

void NodeTableModel::emitStatusChanged(int first_row, int last_row) {
  emit dataChanged(index(first_row, StatusColumn), index(last_row, StatusColumn),
                   {Qt::DisplayRole, SortRole, StatusRole, Qt::ToolTipRole});
}

int NodeTableModel::rowOfRank(int rank) const {
  auto it = row_of_rank_.find(rank);
  return it == row_of_rank_.end() ? -1 : it->second;
}

int NodeTableModel::rankAtRow(int row) const {
  if (row < 0 || row >= rowCount()) return 0;
  return rows_[static_cast<std::size_t>(row)].rank;
}

NodeStatus NodeTableModel::statusOf(int rank) const {
  const int index = rowOfRank(rank);
  return index < 0 ? NodeStatus::starting : rows_[static_cast<std::size_t>(index)].status;
}

int NodeTableModel::answeringCount() const {
  return static_cast<int>(std::count_if(rows_.begin(), rows_.end(),
                                        [](const Row& row) { return isAnswering(row.status); }));
}

int NodeTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int NodeTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant NodeTableModel::displayValue(const Row& row, int column) const {
  switch (column) {
    case RankColumn:
      return row.rank;
    case IdColumn:
      return row.id_short;
    case RoleColumn:
      return row.role;
    case StatusColumn:
      return statusName(row.status);
    case PidColumn:
      return row.pid > 0 ? QVariant(row.pid) : QVariant(QStringLiteral("–"));
    case PeersColumn:
      return QStringLiteral("%1 / %2").arg(row.peers_connected).arg(row.peers_known);
    case DeliveredColumn:
      return QVariant::fromValue<qulonglong>(row.delivered);
    case DuplicatesColumn:
      return QVariant::fromValue<qulonglong>(row.duplicates);
    case DropsColumn:
      return QVariant::fromValue<qulonglong>(row.drops);
    case QueueColumn:
      return QVariant::fromValue<qulonglong>(row.queue_frames);
    case BytesInColumn:
      return formatBytes(static_cast<double>(row.bytes_in));
    case BytesOutColumn:
      return formatBytes(static_cast<double>(row.bytes_out));
    default:
      return {};
  }
}

QVariant NodeTableModel::sortValue(const Row& row, int column) const {
  switch (column) {
    case StatusColumn:
      return static_cast<int>(row.status);
    case PidColumn:
      return row.pid;
    case PeersColumn:
      return row.peers_connected;
    case BytesInColumn:
      return QVariant::fromValue<qulonglong>(row.bytes_in);
    case BytesOutColumn:
      return QVariant::fromValue<qulonglong>(row.bytes_out);
    default:
      return displayValue(row, column);
  }
}

QVariant NodeTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return {};
  }
  const Row& row = rows_[static_cast<std::size_t>(index.row())];
  const int column = index.column();
  switch (role) {
    case Qt::DisplayRole:
      return displayValue(row, column);
    case SortRole:
      return sortValue(row, column);
    case RankRole:
      return row.rank;
    case StatusRole:
      return static_cast<int>(row.status);
    case Qt::ToolTipRole:
      if (column == IdColumn) return row.id_full;
      if (column == StatusColumn)
        return QStringLiteral("Rank %1: %2").arg(row.rank).arg(statusName(row.status));
      if (column == BytesInColumn) return QStringLiteral("%L1 bytes").arg(row.bytes_in);
      if (column == BytesOutColumn) return QStringLiteral("%L1 bytes").arg(row.bytes_out);
      return {};
    case Qt::FontRole:
      if (column == IdColumn) return idFont();
      return {};
    case Qt::TextAlignmentRole:
      if (kColumns[static_cast<std::size_t>(column)].numeric) {
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
      }
      return QVariant::fromValue(Qt::Alignment(Qt::AlignLeft | Qt::AlignVCenter));
    default:
      return {};
  }
}

QVariant NodeTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) {
    return QAbstractTableModel::headerData(section, orientation, role);
  }
  const ColumnInfo& info = kColumns[static_cast<std::size_t>(section)];
  switch (role) {
    case Qt::DisplayRole:
      return QString::fromUtf8(info.title);
    case Qt::ToolTipRole:
      return QString::fromUtf8(info.tooltip);
    case Qt::TextAlignmentRole:
      return QVariant::fromValue(
          Qt::Alignment((info.numeric ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter));
    default:
      return {};
  }
}

}  // namespace rt::gui
