// Keeps the open inspectors (one per node, several at once) and the deep-queue search fed from
// the ClusterController: samples and inspect answers go to the window of their node, and each
// window's polls go back to the controller. A new session closes the old session's windows.
#pragma once

#include <QObject>
#include <QPointer>
#include <map>

#include "views/inspector/peer_table_model.hpp"

class QWidget;

namespace rt::gui {

class ClusterController;
class DeepQueueDialog;
class InspectorWindow;
class NodeTableModel;

class InspectorHub : public QObject {
  Q_OBJECT

 public:
  // `nodes` gives each node's status; windows open over `window`.
  InspectorHub(ClusterController* controller, const NodeTableModel* nodes, QWidget* window);

  // Opens (or raises) the inspector of `rank`; nullptr when there is no such node.
  InspectorWindow* open(int rank);
  InspectorWindow* inspector(int rank) const;
  int openCount() const;
  DeepQueueDialog* showDeepQueues();

 private:
  void onClusterReady();
  void closeAll();

  ClusterController* controller_;
  const NodeTableModel* nodes_;
  QWidget* window_;
  RankIndex ranks_;
  std::map<int, QPointer<InspectorWindow>> open_;
  QPointer<DeepQueueDialog> deep_;
};

}  // namespace rt::gui
