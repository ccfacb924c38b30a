#include "models/node_status.hpp"

namespace rt::gui {

QString statusName(NodeStatus status) {
  switch (status) {
    case NodeStatus::starting:
      return QStringLiteral("starting");
    case NodeStatus::alive:
      return QStringLiteral("alive");
    case NodeStatus::stopped:
      return QStringLiteral("stopped");
    case NodeStatus::killed:
      return QStringLiteral("killed");
    case NodeStatus::exited:
      return QStringLiteral("exited");
    case NodeStatus::not_answering:
      return QStringLiteral("not answering");
    case NodeStatus::muted:
      return QStringLiteral("muted");
    case NodeStatus::partitioned:
      return QStringLiteral("partitioned");
    case NodeStatus::restarting:
      return QStringLiteral("restarting");
  }
  return QStringLiteral("unknown");
}

QColor statusColor(NodeStatus status) {
  switch (status) {
    case NodeStatus::starting:
      return QColor(0x90, 0xa4, 0xae);
    case NodeStatus::alive:
      return QColor(0x2e, 0x9e, 0x5b);
    case NodeStatus::stopped:
      return QColor(0xe0, 0x9b, 0x1a);
    case NodeStatus::killed:
      return QColor(0xd3, 0x3f, 0x3f);
    case NodeStatus::exited:
      return QColor(0x8e, 0x44, 0xad);
    case NodeStatus::not_answering:
      return QColor(0xe6, 0x6a, 0x2c);
    case NodeStatus::muted:
      return QColor(0x5c, 0x6b, 0xc0);
    case NodeStatus::partitioned:
      return QColor(0x00, 0x83, 0x8f);
    case NodeStatus::restarting:
      return QColor(0x1e, 0x88, 0xe5);
  }
  return QColor(Qt::gray);
}

}  // namespace rt::gui
