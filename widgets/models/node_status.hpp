// What the studio says about a node, derived from the monitor's samples and the commands the
// user gave. Shared by the node table, its badge delegate and (later) the tree view.
#pragma once

#include <QColor>
#include <QString>

namespace rt::gui {

enum class NodeStatus {
  starting,       // no sample yet
  alive,          // process running and answering its control channel
  stopped,        // SIGSTOPped (Stop / Continue)
  killed,         // the process is gone after a Kill from the studio
  exited,         // the process is gone without a Kill from the studio
  not_answering,  // the process exists but its control channel did not answer
  muted,          // answering, but every gossip send is suppressed (Mute)
  partitioned,    // answering, but cut off from part of the cluster (Partition)
  restarting,     // a Restart from the studio is in progress
};

QString statusName(NodeStatus status);
QColor statusColor(NodeStatus status);
// True when the node answers its control channel (it may still be muted or partitioned).
inline bool isAnswering(NodeStatus status) {
  return status == NodeStatus::alive || status == NodeStatus::muted ||
         status == NodeStatus::partitioned;
}
// True when the node's process is gone.
inline bool isGone(NodeStatus status) {
  return status == NodeStatus::killed || status == NodeStatus::exited;
}

}  // namespace rt::gui
