// How the tree view draws things: one colour and stroke per edge kind (tree edges shaded by
// level), the legend built from the same table, and the node conditions the view greys out.
#pragma once

#include <QColor>
#include <QPen>
#include <QString>
#include <vector>

#include "telemetry/broadcast_trace.hpp"

namespace rt::gui {

// What the studio knows about a node's process and links, set from outside the view.
enum class NodeCondition { unknown, alive, stopped, killed, muted, partitioned };
// Takes part in gossip as far as the studio knows (unknown counts: a node starting up).
inline bool isLive(NodeCondition condition) {
  return condition == NodeCondition::unknown || condition == NodeCondition::alive;
}
QString conditionName(NodeCondition condition);

// `levels` is the broadcast's top level (the originator's first pair), for shading.
QColor edgeColor(telemetry::EdgeKind kind, int level, int levels);
QPen edgePen(telemetry::EdgeKind kind, int level, int levels);
// Glyph radius: payload frames are drawn larger than control frames.
double glyphRadius(telemetry::EdgeKind kind);

// One legend row; a row can stand for several kinds that share a filter switch.
struct LegendEntry {
  QString label;
  QColor color;
  Qt::PenStyle style = Qt::SolidLine;
  std::vector<telemetry::EdgeKind> kinds;
};
const std::vector<LegendEntry>& legendEntries();
// The legend as rich text for a QLabel (coloured strokes and names).
QString legendHtml();

}  // namespace rt::gui
