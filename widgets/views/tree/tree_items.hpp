// The scene items of the tree view: a node (circle, rank, state rings, demote loop, tag) and
// an edge (a curved arrow). They only paint what they are told; the view decides.
#pragma once

#include <QGraphicsItem>
#include <QPainterPath>
#include <QPen>

#include "views/tree/tree_style.hpp"

namespace rt::gui {

// A quadratic curve between two nodes, bent to the right of the direction of travel so that
// A→B and B→A (a copy and its ACK) do not lie on top of each other.
struct EdgeCurve {
  QPointF from, control, to;
  QPointF at(double t) const;
  QPainterPath path() const;
};
// `trim` keeps both ends outside the node circles.
EdgeCurve edgeCurve(QPointF from, QPointF to, double trim);

struct NodeLook {
  bool origin = false;
  bool filled = false;  // delivered, and shown as reached
  bool missed = false;  // the broadcast settled without reaching it
  NodeCondition condition = NodeCondition::unknown;
  int demotes = 0;  // RainTree levels it kept for itself (drawn as a loop)
  QString tag;      // a short note next to the node ("origin", "1/3", "2/3")
};

class NodeItem : public QGraphicsItem {
 public:
  static constexpr double kRadius = 13.0;

  explicit NodeItem(int rank);
  int rank() const { return rank_; }
  void setLook(const NodeLook& look);
  const NodeLook& look() const { return look_; }
  // Unit vector pointing away from the drawing's centre: where the loop and the tag go.
  void setOutward(QPointF outward);

  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  int rank_;
  NodeLook look_;
  QPointF outward_{0, -1};
};

class EdgeItem : public QGraphicsItem {
 public:
  EdgeItem();
  void setKind(telemetry::EdgeKind kind, const QPen& pen);
  telemetry::EdgeKind kind() const { return kind_; }
  void setCurve(const EdgeCurve& curve);

  QRectF boundingRect() const override;
  QPainterPath shape() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  telemetry::EdgeKind kind_ = telemetry::EdgeKind::gossip;
  QPen pen_;
  QPainterPath path_;
  QPolygonF arrow_;
};

}  // namespace rt::gui
