#include "views/inspector/advert_queue_model.hpp"

#include <QBrush>
#include <QColor>
#include <QFontDatabase>
#include <array>

#include "models/node_table_model.hpp"

namespace rt::gui {

namespace {

using nlohmann::json;

constexpr std::array<TableColumn, AdvertQueueModel::ColumnCount> kColumns{{
    {"Peer", "Rank of the peer", true},
    {"Id", "First 8 hex characters of the peer id", false},
    {"Fetch now", "Adverts from the peer queued at priority fetch_now", true},
    {"Fetch", "Adverts from the peer queued at priority fetch", true},
    {"Later", "Adverts from the peer queued at priority later", true},
    {"Stash", "Adverts from the peer queued at priority stash", true},
    {"Queued", "Adverts queued for the peer / the per-peer bound", true},
    {"Requested", "Artifacts requested from the peer / the per-peer bound (hover for ids)", true},
    {"Unvalidated", "Unvalidated pool entries downloading from the peer, and their bytes", true},
    {"Down", "The engine considers the peer down", false},
    {"Misbehaving", "Protocol violations seen from the peer", true},
}};

// Reading an answer never throws: a missing or mistyped field reads as empty or zero.
json child(const json& object, const char* key) {
  if (!object.is_object()) return json::object();
  const auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : json::object();
}

std::uint64_t number(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return 0;
  return it->is_number_unsigned() ? it->get<std::uint64_t>()
                                  : static_cast<std::uint64_t>(std::max(0.0, it->get<double>()));
}

QVariant count(std::uint64_t value) {
  return QVariant::fromValue<qulonglong>(value);
}

QString ofLimit(std::uint64_t value, std::uint64_t limit) {
  return QStringLiteral("%1 / %2").arg(value).arg(limit);
}

}  // namespace

AdvertQueueModel::AdvertQueueModel(RankIndex ranks, QObject* parent)
    : KeyedTableModel<AdvertPeerRow>(parent), ranks_(std::move(ranks)) {}

bool AdvertQueueModel::applyInspect(const json& engine) {
  if (!engine.is_object() || !engine.contains("mode") || engine["mode"] != "advert") return false;
  std::vector<AdvertPeerRow> fresh;
  const auto peers_it = engine.find("peers");
  if (peers_it == engine.end() || !peers_it->is_array()) return false;
  const json& peers = *peers_it;
  for (const json& p : peers) {
    if (!p.is_object()) continue;
    AdvertPeerRow row;
    const auto peer = p.find("peer");
    if (peer == p.end() || !peer->is_string()) continue;
    row.peer_hex = peer->get<std::string>();
    if (const auto id = NodeId::from_hex(row.peer_hex)) row.rank = rankOf(ranks_, *id);
    const json queue = child(p, "queue");
    row.fetch_now = number(child(queue, "fetch_now"), "count");
    row.fetch = number(child(queue, "fetch"), "count");
    row.later = number(child(queue, "later"), "count");
    row.stash = number(child(queue, "stash"), "count");
    row.queued = number(p, "queued");
    row.queue_limit = number(p, "queue_limit");
    row.requested_limit = number(p, "requested_limit");
    if (const auto requested = p.find("requested"); requested != p.end() && requested->is_array()) {
      for (const json& r : *requested) {
        const auto id = r.is_object() ? r.find("id") : r.end();
        if (id != r.end() && id->is_string()) {
          row.requested << QString::fromStdString(id->get<std::string>());
        }
      }
    }
    const json unvalidated = child(p, "unvalidated");
    row.unvalidated = number(unvalidated, "count");
    row.unvalidated_bytes = number(unvalidated, "bytes");
    row.down = p.contains("down") && p["down"].is_boolean() && p["down"].get<bool>();
    row.misbehaving = number(p, "misbehaving");
    fresh.push_back(std::move(row));
  }
  replaceRows(std::move(fresh));
  return true;
}

int AdvertQueueModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant AdvertQueueModel::data(const QModelIndex& index, int role) const {
  if (!validIndex(index)) return {};
  const AdvertPeerRow& row = rows_[static_cast<std::size_t>(index.row())];
  const int column = index.column();
  if (role == Qt::DisplayRole || role == SortRole) {
    const bool sort = role == SortRole;
    switch (column) {
      case PeerColumn:
        return row.rank > 0 ? QVariant(row.rank) : QVariant(QStringLiteral("?"));
      case IdColumn:
        return QString::fromStdString(row.peer_hex.substr(0, 8));
      case FetchNowColumn:
        return count(row.fetch_now);
      case FetchColumn:
        return count(row.fetch);
      case LaterColumn:
        return count(row.later);
      case StashColumn:
        return count(row.stash);
      case QueuedColumn:
        return sort ? count(row.queued) : QVariant(ofLimit(row.queued, row.queue_limit));
      case RequestedColumn: {
        const auto requested = static_cast<std::uint64_t>(row.requested.size());
        return sort ? count(requested) : QVariant(ofLimit(requested, row.requested_limit));
      }
      case UnvalidatedColumn:
        return sort ? count(row.unvalidated_bytes)
                    : QVariant(QStringLiteral("%1 (%2)")
                                   .arg(row.unvalidated)
                                   .arg(formatBytes(double(row.unvalidated_bytes))));
      case DownColumn:
        return sort ? QVariant(row.down)
                    : QVariant(row.down ? QStringLiteral("down") : QStringLiteral("–"));
      case MisbehavingColumn:
        return count(row.misbehaving);
      default:
        return {};
    }
  }
  switch (role) {
    case Qt::ToolTipRole:
      if (column == IdColumn) return QString::fromStdString(row.peer_hex);
      if (column == RequestedColumn && !row.requested.isEmpty()) {
        return tr("Requested: %1").arg(row.requested.join(QStringLiteral(", ")));
      }
      return {};
    case Qt::ForegroundRole:
      if ((column == DownColumn && row.down) || (column == MisbehavingColumn && row.misbehaving)) {
        return QBrush(QColor(0xd3, 0x3f, 0x3f));
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

QVariant AdvertQueueModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) {
    return QAbstractTableModel::headerData(section, orientation, role);
  }
  return columnHeader(kColumns[static_cast<std::size_t>(section)], role);
}

QString advertPoolSummary(const json& engine) {
  if (!engine.is_object()) return {};
  const json pool = child(engine, "pool");
  const json validated = child(pool, "validated");
  const json unvalidated = child(pool, "unvalidated");
  std::uint64_t drops = 0;
  const json drop_counts = child(engine, "drops");
  for (const auto& [name, value] : drop_counts.items()) drops += number(drop_counts, name.c_str());
  return QObject::tr(
             "Pool: validated %1 / %2 (%3 of %4) · unvalidated %5 (%6 of %7) · tracked "
             "artifacts %8 · engine drops %9")
      .arg(number(validated, "count"))
      .arg(number(validated, "count_limit"))
      .arg(formatBytes(double(number(validated, "bytes"))))
      .arg(formatBytes(double(number(validated, "bytes_limit"))))
      .arg(number(unvalidated, "count"))
      .arg(formatBytes(double(number(unvalidated, "bytes"))))
      .arg(formatBytes(double(number(unvalidated, "bytes_limit"))))
      .arg(number(engine, "tracked_artifacts"))
      .arg(drops);
}

}  // namespace rt::gui
