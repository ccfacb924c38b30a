#include "views/inspector/peer_table_model.hpp"

#include <QBrush>
#include <QColor>
#include <QFontDatabase>
#include <array>

#include "models/node_table_model.hpp"

namespace rt::gui {

namespace {

constexpr std::array<TableColumn, PeerTableModel::ColumnCount> kColumns{{
    {"Peer", "Rank of the peer", true},
    {"Id", "First 8 hex characters of the peer id", false},
    {"Link", "Whether the connection to the peer is up", false},
    {"Frames in", "Frames received from the peer", true},
    {"Frames out", "Frames sent to the peer", true},
    {"Bytes in", "Bytes received from the peer", true},
    {"Bytes out", "Bytes sent to the peer", true},
    {"Queue", "Frames waiting in the outbound queue to the peer", true},
    {"Queue bytes", "Bytes waiting in the outbound queue to the peer", true},
    {"High water", "Most frames the outbound queue has held", true},
    {"Drops", "Frames to or from the peer that were dropped", true},
    {"Duplicates", "Copies from the peer of messages already seen", true},
    {"Last heard", "Time since the peer was last heard, at the sample's time", true},
}};

QVariant count(std::uint64_t value) {
  return QVariant::fromValue<qulonglong>(value);
}

}  // namespace

RankIndex makeRankIndex(const cluster::ClusterInfo& cluster) {
  RankIndex ranks;
  for (const cluster::NodeInfo& node : cluster.nodes) ranks[node.id] = node.rank;
  return ranks;
}

int rankOf(const RankIndex& ranks, const NodeId& id) {
  const auto it = ranks.find(id);
  return it == ranks.end() ? 0 : it->second;
}

QString formatAgo(Micros ago_us) {
  if (ago_us < 0) return QStringLiteral("never");
  return QStringLiteral("%1 s ago").arg(static_cast<double>(ago_us) / 1e6, 0, 'f', 1);
}

PeerTableModel::PeerTableModel(RankIndex ranks, QObject* parent)
    : KeyedTableModel<PeerRow>(parent), ranks_(std::move(ranks)) {}

void PeerTableModel::applySample(const cluster::NodeSample& sample) {
  if (!sample.answering) return;
  std::vector<PeerRow> fresh;
  fresh.reserve(sample.peers.size());
  for (const cluster::PeerSample& peer : sample.peers) {
    PeerRow row;
    row.id = peer.peer;
    row.rank = rankOf(ranks_, peer.peer);
    row.connected = peer.connected;
    row.frames_in = peer.frames_in;
    row.frames_out = peer.frames_out;
    row.bytes_in = peer.bytes_in;
    row.bytes_out = peer.bytes_out;
    row.queue_frames = peer.queue_frames;
    row.queue_bytes = peer.queue_bytes;
    row.high_water = peer.queue_high_water_frames;
    row.drops = peer.drops;
    row.duplicates = peer.duplicates;
    if (peer.last_heard_us > 0) {
      row.heard_ago_us = std::max<Micros>(0, sample.time_us - peer.last_heard_us);
    }
    fresh.push_back(row);
  }
  replaceRows(std::move(fresh));
}

int PeerTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant PeerTableModel::data(const QModelIndex& index, int role) const {
  if (!validIndex(index)) return {};
  const PeerRow& row = rows_[static_cast<std::size_t>(index.row())];
  const int column = index.column();
  if (role == Qt::DisplayRole || role == SortRole) {
    const bool sort = role == SortRole;
    switch (column) {
      case PeerColumn:
        return row.rank > 0 ? QVariant(row.rank) : QVariant(QStringLiteral("?"));
      case IdColumn:
        return QString::fromStdString(row.id.short_hex());
      case ConnectedColumn:
        return sort ? QVariant(row.connected)
                    : QVariant(row.connected ? QStringLiteral("up") : QStringLiteral("down"));
      case FramesInColumn:
        return count(row.frames_in);
      case FramesOutColumn:
        return count(row.frames_out);
      case BytesInColumn:
        return sort ? count(row.bytes_in) : QVariant(formatBytes(double(row.bytes_in)));
      case BytesOutColumn:
        return sort ? count(row.bytes_out) : QVariant(formatBytes(double(row.bytes_out)));
      case QueueFramesColumn:
        return count(row.queue_frames);
      case QueueBytesColumn:
        return sort ? count(row.queue_bytes) : QVariant(formatBytes(double(row.queue_bytes)));
      case HighWaterColumn:
        return count(row.high_water);
      case DropsColumn:
        return count(row.drops);
      case DuplicatesColumn:
        return count(row.duplicates);
      case LastHeardColumn:
        // Never heard sorts after every age.
        return sort ? QVariant::fromValue<qlonglong>(row.heard_ago_us < 0
                                                         ? std::numeric_limits<qlonglong>::max()
                                                         : row.heard_ago_us)
                    : QVariant(formatAgo(row.heard_ago_us));
      default:
        return {};
    }
  }
  switch (role) {
    case Qt::ToolTipRole:
      if (column == IdColumn) return QString::fromStdString(row.id.hex());
      return {};
    case Qt::ForegroundRole:
      if (column == ConnectedColumn && !row.connected) return QBrush(QColor(0xd3, 0x3f, 0x3f));
      if (column == QueueFramesColumn && row.queue_frames > 0) {
        return QBrush(QColor(0xb2, 0x6a, 0x00));
      }
      return {};
    case Qt::FontRole:
      if (column == IdColumn) return QFontDatabase::systemFont(QFontDatabase::FixedFont);
      return {};
    case Qt::TextAlignmentRole:
      return columnAlignment(kColumns[static_cast<std::size_t>(column)]);
    default:
      return {};
  }
}

QVariant PeerTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) {
    return QAbstractTableModel::headerData(section, orientation, role);
  }
  return columnHeader(kColumns[static_cast<std::size_t>(section)], role);
}

}  // namespace rt::gui
