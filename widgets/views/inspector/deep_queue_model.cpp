#include "views/inspector/deep_queue_model.hpp"

#include <QBrush>
#include <QColor>
#include <algorithm>
#include <array>

#include "models/node_table_model.hpp"

namespace rt::gui {

namespace {

constexpr std::array<TableColumn, DeepQueueModel::ColumnCount> kColumns{{
    {"Node", "Rank of the node holding the queue (double-click to inspect it)", true},
    {"Peer", "Rank and id of the peer the queue goes to", false},
    {"Queue", "Frames waiting in the outbound queue", true},
    {"Queue bytes", "Bytes waiting in the outbound queue", true},
    {"High water", "Most frames the queue has held", true},
    {"Link", "Whether the connection to the peer is up", false},
}};

QString rankText(int rank) {
  return rank > 0 ? QString::number(rank) : QStringLiteral("?");
}

}  // namespace

DeepQueueSearch findDeepQueues(const std::unordered_map<int, cluster::NodeSample>& latest,
                               std::uint64_t min_frames, const RankIndex& ranks,
                               std::size_t limit) {
  DeepQueueSearch search;
  for (const auto& [rank, sample] : latest) {
    if (!sample.answering) continue;
    ++search.nodes_searched;
    for (const cluster::PeerSample& peer : sample.peers) {
      if (peer.queue_frames < min_frames) continue;
      ++search.matched;
      search.rows.push_back({rank, peer.peer, rankOf(ranks, peer.peer), peer.connected,
                             peer.queue_frames, peer.queue_bytes, peer.queue_high_water_frames});
    }
  }
  // Deepest first; ties in (node, peer) order so that the result is stable.
  std::sort(search.rows.begin(), search.rows.end(), [](const auto& a, const auto& b) {
    if (a.queue_frames != b.queue_frames) return a.queue_frames > b.queue_frames;
    return a.key() < b.key();
  });
  if (search.rows.size() > limit) search.rows.resize(limit);
  return search;
}

int DeepQueueModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant DeepQueueModel::data(const QModelIndex& index, int role) const {
  if (!validIndex(index)) return {};
  const DeepQueueRow& row = rows_[static_cast<std::size_t>(index.row())];
  const int column = index.column();
  const bool sort = role == SortRole;
  switch (role) {
    case Qt::DisplayRole:
    case SortRole:
      switch (column) {
        case NodeColumn:
          return row.rank;
        case PeerColumn:
          return sort ? QVariant(row.peer_rank)
                      : QVariant(QStringLiteral("%1 · %2").arg(
                            rankText(row.peer_rank), QString::fromStdString(row.peer.short_hex())));
        case QueueFramesColumn:
          return QVariant::fromValue<qulonglong>(row.queue_frames);
        case QueueBytesColumn:
          return sort ? QVariant::fromValue<qulonglong>(row.queue_bytes)
                      : QVariant(formatBytes(double(row.queue_bytes)));
        case HighWaterColumn:
          return QVariant::fromValue<qulonglong>(row.high_water);
        case LinkColumn:
          return sort ? QVariant(row.connected)
                      : QVariant(row.connected ? QStringLiteral("up") : QStringLiteral("down"));
        default:
          return {};
      }
    case RankRole:
      return row.rank;
    case Qt::ToolTipRole:
      if (column == PeerColumn) return QString::fromStdString(row.peer.hex());
      return {};
    case Qt::ForegroundRole:
      if (column == LinkColumn && !row.connected) return QBrush(QColor(0xd3, 0x3f, 0x3f));
      return {};
    case Qt::TextAlignmentRole:
      return columnAlignment(kColumns[static_cast<std::size_t>(column)]);
    default:
      return {};
  }
}

QVariant DeepQueueModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) {
    return QAbstractTableModel::headerData(section, orientation, role);
  }
  return columnHeader(kColumns[static_cast<std::size_t>(section)], role);
}

}  // namespace rt::gui
