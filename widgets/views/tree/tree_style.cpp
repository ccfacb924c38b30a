#include "views/tree/tree_style.hpp"

#include <algorithm>

namespace rt::gui {

using telemetry::EdgeKind;

namespace {

// Tree edges from the originator's first level (darkest) down to level 1 (lightest).
const QColor kLevelShades[] = {QColor(0x0b, 0x3d, 0x91), QColor(0x1e, 0x6f, 0xd9),
                               QColor(0x4f, 0x9a, 0xee), QColor(0x8c, 0xc0, 0xf5)};

}  // namespace

QString conditionName(NodeCondition condition) {
  switch (condition) {
    case NodeCondition::unknown:
      return QStringLiteral("unknown");
    case NodeCondition::alive:
      return QStringLiteral("alive");
    case NodeCondition::stopped:
      return QStringLiteral("stopped");
    case NodeCondition::killed:
      return QStringLiteral("killed");
    case NodeCondition::muted:
      return QStringLiteral("muted");
    case NodeCondition::partitioned:
      return QStringLiteral("partitioned");
  }
  return QStringLiteral("unknown");
}

QColor edgeColor(EdgeKind kind, int level, int levels) {
  switch (kind) {
    case EdgeKind::tree:
    case EdgeKind::gossip: {
      const int depth = std::clamp(levels - level, 0, 3);
      return kLevelShades[kind == EdgeKind::gossip ? 1 : depth];
    }
    case EdgeKind::readjust:
      return QColor(0xe6, 0x7e, 0x22);
    case EdgeKind::redundancy:
      return QColor(0x8e, 0x44, 0xad);
    case EdgeKind::cleanup:
      return QColor(0x12, 0x7a, 0x3a);
    case EdgeKind::catchup:
    case EdgeKind::catchup_offer:
      return QColor(0xd6, 0x33, 0x84);
    case EdgeKind::ack:
      return QColor(0x8a, 0x96, 0xa3);
    case EdgeKind::igym_ask:
      return QColor(0x13, 0x9c, 0xb0);
    case EdgeKind::igym_yes:
      return QColor(0x2e, 0xb0, 0x5b);
    case EdgeKind::igym_no:
      return QColor(0xa9, 0xb4, 0xc0);
    case EdgeKind::other:
      return QColor(0x95, 0xa5, 0xa6);
  }
  return Qt::gray;
}

QPen edgePen(EdgeKind kind, int level, int levels) {
  QPen pen(edgeColor(kind, level, levels));
  pen.setCapStyle(Qt::RoundCap);
  if (telemetry::is_payload_kind(kind)) {
    pen.setWidthF(kind == EdgeKind::tree || kind == EdgeKind::gossip ? 2.2 : 2.6);
  } else {
    pen.setWidthF(1.2);
  }
  switch (kind) {
    case EdgeKind::igym_ask:
    case EdgeKind::catchup_offer:
    case EdgeKind::igym_yes:
      pen.setStyle(Qt::DashLine);
      break;
    case EdgeKind::igym_no:
      pen.setStyle(Qt::DotLine);
      break;
    default:
      break;
  }
  return pen;
}

double glyphRadius(EdgeKind kind) {
  return telemetry::is_payload_kind(kind) ? 6.5 : 4.5;
}

const std::vector<LegendEntry>& legendEntries() {
  static const std::vector<LegendEntry> entries = {
      {QStringLiteral("gossip, first level"),
       kLevelShades[0],
       Qt::SolidLine,
       {EdgeKind::tree, EdgeKind::gossip}},
      {QStringLiteral("gossip, next levels"), kLevelShades[2], Qt::SolidLine, {}},
      {QStringLiteral("ack"), edgeColor(EdgeKind::ack, 0, 0), Qt::SolidLine, {EdgeKind::ack}},
      {QStringLiteral("readjust"),
       edgeColor(EdgeKind::readjust, 0, 0),
       Qt::SolidLine,
       {EdgeKind::readjust}},
      {QStringLiteral("redundancy"),
       edgeColor(EdgeKind::redundancy, 0, 0),
       Qt::SolidLine,
       {EdgeKind::redundancy}},
      {QStringLiteral("IGYM ask"),
       edgeColor(EdgeKind::igym_ask, 0, 0),
       Qt::DashLine,
       {EdgeKind::igym_ask}},
      {QStringLiteral("IGYM answer yes / no"),
       edgeColor(EdgeKind::igym_yes, 0, 0),
       Qt::DashLine,
       {EdgeKind::igym_yes, EdgeKind::igym_no}},
      {QStringLiteral("cleanup payload"),
       edgeColor(EdgeKind::cleanup, 0, 0),
       Qt::SolidLine,
       {EdgeKind::cleanup}},
      {QStringLiteral("catch-up offer / payload"),
       edgeColor(EdgeKind::catchup, 0, 0),
       Qt::SolidLine,
       {EdgeKind::catchup_offer, EdgeKind::catchup}},
  };
  return entries;
}

QString legendHtml() {
  QString html = QStringLiteral("<table cellspacing='0' cellpadding='1'>");
  for (const LegendEntry& entry : legendEntries()) {
    const QString stroke = entry.style == Qt::SolidLine ? QStringLiteral("&#9473;&#9473;&#9473;")
                                                        : QStringLiteral("&#9477;&#9477;&#9477;");
    html += QStringLiteral(
                "<tr><td><span style='color:%1; font-weight:bold'>%2</span></td>"
                "<td>&nbsp;%3</td></tr>")
                .arg(entry.color.name(), stroke, entry.label.toHtmlEscaped());
  }
  html += QStringLiteral("</table>");
  return html;
}

}  // namespace rt::gui
