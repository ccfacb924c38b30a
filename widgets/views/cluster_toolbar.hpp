// The session toolbar: broadcast (from the selected node, or rank 1), payload size, an
// automatic broadcast rate, and the node actions (faults on the selected node, partition and
// heal on the cluster, inspect). It owns one QAction per NodeAction, also used by the Node
// menu, and only emits requests; MainWindow routes them.
#pragma once

#include <QToolBar>
#include <cstddef>
#include <map>

#include "views/node_actions.hpp"

class QAction;
class QDoubleSpinBox;
class QSpinBox;

namespace rt::gui {

class ClusterToolBar : public QToolBar {
  Q_OBJECT

 public:
  explicit ClusterToolBar(QWidget* parent = nullptr);

  std::size_t payloadSize() const;
  double autoRate() const;
  void setAutoRate(double per_second);
  // Broadcast needs a live cluster; the node actions also need a selected node.
  void setClusterLive(bool live);
  void setNodeSelected(bool selected);

  QAction* broadcastAction() const { return broadcast_; }
  QAction* nodeAction(NodeAction action) const { return actions_.at(action); }
  QAction* killAction() const { return nodeAction(NodeAction::kill); }
  QAction* pauseAction() const { return nodeAction(NodeAction::stop); }
  QAction* resumeAction() const { return nodeAction(NodeAction::resume); }

 signals:
  void broadcastRequested(std::size_t size);
  void autoBroadcastChanged(double per_second, std::size_t size);
  // On the selected node when nodeActionNeedsNode(action).
  void nodeActionRequested(rt::gui::NodeAction action);

 private:
  void updateEnabled();

  QAction* broadcast_;
  std::map<NodeAction, QAction*> actions_;
  QSpinBox* size_;
  QDoubleSpinBox* rate_;
  bool live_ = false;
  bool selected_ = false;
};

}  // namespace rt::gui
