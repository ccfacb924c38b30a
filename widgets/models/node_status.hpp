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
};

QString statusName(NodeStatus status);
QColor statusColor(NodeStatus status);
// True when the node takes part in gossip (and counts as "answering").
inline bool isAnswering(NodeStatus status) {
  return status == NodeStatus::alive;
}

}  // namespace rt::gui
