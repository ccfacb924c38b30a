// The fault and inspection actions on nodes, shared by the node table's context menu, the Node
// menu and the toolbar: their names, when each makes sense, and NodeCommands, which asks for an
// action's parameters and hands it to the ClusterController.
#pragma once

#include <QObject>
#include <QString>
#include <vector>

#include "models/node_status.hpp"

class QMenu;
class QWidget;

namespace rt::gui {

class ClusterController;

enum class NodeAction {
  inspect,
  kill,
  stop,
  resume,
  restart,
  mute,
  unmute,
  loss,
  delay,
  partition,
  heal,
  find_deep_queues,
};

QString nodeActionText(NodeAction action);  // "Loss…": an ellipsis when it asks for more
QString nodeActionToolTip(NodeAction action);
// False for the actions on the whole cluster (partition, heal, find deep queues).
bool nodeActionNeedsNode(NodeAction action);
// Whether the action makes sense on a node in `status`.
bool nodeActionAllowed(NodeAction action, NodeStatus status);
// Every action in menu order; `separator_before` marks where a group starts.
struct NodeActionEntry {
  NodeAction action;
  bool separator_before;
};
const std::vector<NodeActionEntry>& nodeActionLayout();

class NodeCommands : public QObject {
  Q_OBJECT

 public:
  // Dialogs open over `dialog_parent`.
  NodeCommands(ClusterController* controller, QWidget* dialog_parent);

  // `rank` 0: no node (the cluster-wide actions, or a partition dialog starting empty).
  void run(NodeAction action, int rank);

 signals:
  void inspectRequested(int rank);
  void deepQueuesRequested();

 private:
  ClusterController* controller_;
  QWidget* dialog_parent_;
};

}  // namespace rt::gui
