#include "views/node_actions.hpp"

#include "session/cluster_controller.hpp"
#include "views/fault_dialogs.hpp"

namespace rt::gui {

QString nodeActionText(NodeAction action) {
  switch (action) {
    case NodeAction::inspect:
      return QObject::tr("Inspect");
    case NodeAction::kill:
      return QObject::tr("Kill");
    case NodeAction::stop:
      return QObject::tr("Stop");
    case NodeAction::resume:
      return QObject::tr("Continue");
    case NodeAction::restart:
      return QObject::tr("Restart");
    case NodeAction::mute:
      return QObject::tr("Mute");
    case NodeAction::unmute:
      return QObject::tr("Unmute");
    case NodeAction::loss:
      return QObject::tr("Loss…");
    case NodeAction::delay:
      return QObject::tr("Delay…");
    case NodeAction::partition:
      return QObject::tr("Partition…");
    case NodeAction::heal:
      return QObject::tr("Heal");
    case NodeAction::find_deep_queues:
      return QObject::tr("Find queues deeper than N…");
  }
  return {};
}

QString nodeActionToolTip(NodeAction action) {
  switch (action) {
    case NodeAction::inspect:
      return QObject::tr("Open an inspector window on the node: its peers, queues and engine");
    case NodeAction::kill:
      return QObject::tr("Kill the node's process (SIGKILL)");
    case NodeAction::stop:
      return QObject::tr("Stop the node's process (SIGSTOP): an unresponsive node");
    case NodeAction::resume:
      return QObject::tr("Continue a stopped node (SIGCONT)");
    case NodeAction::restart:
      return QObject::tr("Start a killed node again with the same id, ports and token");
    case NodeAction::mute:
      return QObject::tr("The node keeps receiving and delivering but sends no gossip");
    case NodeAction::unmute:
      return QObject::tr("The node sends gossip again");
    case NodeAction::loss:
      return QObject::tr("Drop a percentage of the node's frames, on all its links or some");
    case NodeAction::delay:
      return QObject::tr("Delay the frames the node sends, on all its links or some");
    case NodeAction::partition:
      return QObject::tr("Cut groups of nodes off from each other");
    case NodeAction::heal:
      return QObject::tr("Clear every partition, loss and delay (not mute, kill or stop)");
    case NodeAction::find_deep_queues:
      return QObject::tr("List every (node, peer) whose outbound queue holds at least N frames");
  }
  return {};
}

bool nodeActionNeedsNode(NodeAction action) {
  return action != NodeAction::partition && action != NodeAction::heal &&
         action != NodeAction::find_deep_queues;
}

bool nodeActionAllowed(NodeAction action, NodeStatus status) {
  const bool busy = status == NodeStatus::restarting;
  switch (action) {
    case NodeAction::kill:
      return !isGone(status) && !busy;
    case NodeAction::stop:
      return !isGone(status) && !busy && status != NodeStatus::stopped;
    case NodeAction::resume:
      return status == NodeStatus::stopped;
    case NodeAction::restart:
      return isGone(status);
    case NodeAction::mute:
      return isAnswering(status) && status != NodeStatus::muted;
    case NodeAction::unmute:
      // A partitioned node may be muted too: its status shows only the partition.
      return status == NodeStatus::muted || status == NodeStatus::partitioned;
    case NodeAction::loss:
    case NodeAction::delay:
      return isAnswering(status);
    case NodeAction::inspect:
    case NodeAction::partition:
    case NodeAction::heal:
    case NodeAction::find_deep_queues:
      return true;
  }
  return false;
}

const std::vector<NodeActionEntry>& nodeActionLayout() {
  static const std::vector<NodeActionEntry> layout{
      {NodeAction::inspect, false}, {NodeAction::kill, true},
      {NodeAction::stop, false},    {NodeAction::resume, false},
      {NodeAction::restart, false}, {NodeAction::mute, true},
      {NodeAction::unmute, false},  {NodeAction::loss, false},
      {NodeAction::delay, false},   {NodeAction::partition, true},
      {NodeAction::heal, false},    {NodeAction::find_deep_queues, true},
  };
  return layout;
}

NodeCommands::NodeCommands(ClusterController* controller, QWidget* dialog_parent)
    : QObject(dialog_parent), controller_(controller), dialog_parent_(dialog_parent) {}

void NodeCommands::run(NodeAction action, int rank) {
  switch (action) {
    case NodeAction::inspect:
      emit inspectRequested(rank);
      return;
    case NodeAction::kill:
      controller_->kill(rank);
      return;
    case NodeAction::stop:
      controller_->pause(rank);
      return;
    case NodeAction::resume:
      controller_->resume(rank);
      return;
    case NodeAction::restart:
      controller_->restart(rank);
      return;
    case NodeAction::mute:
    case NodeAction::unmute:
      controller_->mute(rank, action == NodeAction::mute);
      return;
    case NodeAction::loss:
    case NodeAction::delay: {
      const auto* info = controller_->cluster();
      if (!info) return;
      const auto kind =
          action == NodeAction::loss ? cluster::FaultKind::loss : cluster::FaultKind::delay;
      // One step on the node, or one per link: each is logged and applied in turn.
      for (const cluster::FaultStep& step :
           askImpairment(dialog_parent_, kind, rank, static_cast<int>(info->nodes.size()))) {
        controller_->fault(step);
      }
      return;
    }
    case NodeAction::partition: {
      const auto* cluster = controller_->cluster();
      if (!cluster) return;
      PartitionDialog dialog(static_cast<int>(cluster->nodes.size()),
                             rank > 0 ? std::vector<int>{rank} : std::vector<int>{},
                             dialog_parent_);
      if (dialog.exec() == QDialog::Accepted) controller_->partition(dialog.groups());
      return;
    }
    case NodeAction::heal:
      controller_->heal();
      return;
    case NodeAction::find_deep_queues:
      emit deepQueuesRequested();
      return;
  }
}

}  // namespace rt::gui
