// A floating inspector on one node: its status and counters, a table of its peers (traffic,
// outbound queues, last heard) from every sample, and its engine's own snapshot from the node's
// `inspect` command, asked at most once a second while the window is shown (in advert mode:
// advert queues by priority, requested sets and pool usage; otherwise the snapshot as JSON).
#pragma once

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

#include "cluster/monitor.hpp"
#include "models/node_status.hpp"
#include "views/inspector/advert_queue_model.hpp"
#include "views/inspector/peer_table_model.hpp"

class QLabel;
class QPlainTextEdit;
class QTableView;

namespace rt::gui {

class InspectorWindow : public QWidget {
  Q_OBJECT

 public:
  InspectorWindow(const cluster::NodeInfo& node, const QString& mode, RankIndex ranks,
                  QWidget* parent = nullptr);

  int rank() const { return rank_; }
  PeerTableModel* peerModel() const { return peer_model_; }
  AdvertQueueModel* advertModel() const { return advert_model_; }  // nullptr unless advert
  QTableView* peerView() const { return peer_view_; }

  void applySample(const cluster::NodeSample& sample, NodeStatus status);
  void applyInspect(const cluster::InspectAnswer& answer);
  // Polling stops while the session is not live.
  void setSessionLive(bool live);

 signals:
  void inspectRequested(int rank);

 protected:
  void showEvent(QShowEvent* event) override;
  void hideEvent(QHideEvent* event) override;

 private:
  void poll();
  QTableView* makeTable(QAbstractItemModel* model, const QString& name);
  void setEngineText(const QString& text);

  int rank_;
  QString title_;
  PeerTableModel* peer_model_;
  AdvertQueueModel* advert_model_ = nullptr;
  QLabel* header_;
  QLabel* counters_;
  QTableView* peer_view_;
  QTableView* advert_view_ = nullptr;
  QLabel* pool_ = nullptr;
  QPlainTextEdit* engine_text_ = nullptr;
  QLabel* engine_status_;
  QTimer poll_timer_;
  QElapsedTimer asked_;  // valid while an inspect is awaited
  bool live_ = true;
  bool peers_sized_ = false, adverts_sized_ = false;
};

}  // namespace rt::gui
