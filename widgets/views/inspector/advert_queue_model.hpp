// An advert-mode node's per-peer engine state from its `inspect` answer (docs/advert.md):
// advert queues by priority class, the requested set and the unvalidated pool share, one row
// per peer with state, keyed by peer id.
#pragma once

#include <QString>
#include <QStringList>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "views/inspector/keyed_table_model.hpp"
#include "views/inspector/peer_table_model.hpp"

namespace rt::gui {

struct AdvertPeerRow {
  std::string peer_hex;
  int rank = 0;
  std::uint64_t fetch_now = 0, fetch = 0, later = 0, stash = 0;
  std::uint64_t queued = 0, queue_limit = 0;
  std::uint64_t requested_limit = 0;
  QStringList requested;  // message ids, oldest request first
  std::uint64_t unvalidated = 0, unvalidated_bytes = 0;
  bool down = false;
  std::uint64_t misbehaving = 0;

  const std::string& key() const { return peer_hex; }
  friend bool operator==(const AdvertPeerRow&, const AdvertPeerRow&) = default;
};

class AdvertQueueModel : public KeyedTableModel<AdvertPeerRow> {
  Q_OBJECT

 public:
  enum Column {
    PeerColumn,
    IdColumn,
    FetchNowColumn,
    FetchColumn,
    LaterColumn,
    StashColumn,
    QueuedColumn,
    RequestedColumn,
    UnvalidatedColumn,
    DownColumn,
    MisbehavingColumn,
    ColumnCount
  };

  explicit AdvertQueueModel(RankIndex ranks, QObject* parent = nullptr);

  // The engine object of an advert node's inspect answer; false (rows kept) when it is not one.
  bool applyInspect(const nlohmann::json& engine);

  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  RankIndex ranks_;
};

// One line on the node's pool usage and engine totals, from the same answer.
QString advertPoolSummary(const nlohmann::json& engine);

}  // namespace rt::gui
