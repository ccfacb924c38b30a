#include "views/tree/tree_items.hpp"

#include <QPainter>
#include <QtMath>
#include <algorithm>

namespace rt::gui {

namespace {

const QColor kInk(0x26, 0x32, 0x38);
const QColor kOutline(0x5c, 0x6b, 0x7a);
const QColor kDelivered(0x1e, 0x6f, 0xd9);
const QColor kDeliveredEdge(0x0b, 0x3d, 0x91);
const QColor kOrigin(0x0b, 0x3d, 0x91);
const QColor kDownFill(0xe1, 0xe5, 0xea);
const QColor kDownInk(0x8a, 0x96, 0xa3);
const QColor kMissed(0xd6, 0x28, 0x28);
const QColor kLoop(0x4f, 0x9a, 0xee);

QFont pixelFont(int pixels, bool bold) {
  QFont font(QStringLiteral("DejaVu Sans"));
  font.setPixelSize(pixels);
  font.setBold(bold);
  return font;
}

QPointF rotated(QPointF v, double degrees) {
  const double a = qDegreesToRadians(degrees);
  return {v.x() * std::cos(a) - v.y() * std::sin(a), v.x() * std::sin(a) + v.y() * std::cos(a)};
}

}  // namespace

// ---- EdgeCurve ----------------------------------------------------------------------------

QPointF EdgeCurve::at(double t) const {
  const double u = 1.0 - t;
  return u * u * from + 2 * u * t * control + t * t * to;
}

QPainterPath EdgeCurve::path() const {
  QPainterPath path(from);
  path.quadTo(control, to);
  return path;
}

EdgeCurve edgeCurve(QPointF from, QPointF to, double trim) {
  const QPointF d = to - from;
  const double length = std::hypot(d.x(), d.y());
  if (length < 1e-6) return {from, from, to};
  const QPointF unit = d / length;
  const QPointF right(-unit.y(), unit.x());
  const double bend = std::clamp(length * 0.12, 6.0, 48.0);
  const QPointF control = (from + to) / 2 + right * bend;
  // Trim along the directions towards the control point, where the curve leaves the node.
  auto towards = [](QPointF a, QPointF b) {
    const QPointF v = b - a;
    const double n = std::hypot(v.x(), v.y());
    return n < 1e-6 ? QPointF() : v / n;
  };
  const double cut = std::min(trim, length / 3);
  return {from + towards(from, control) * cut, control, to + towards(to, control) * cut};
}

// ---- NodeItem -----------------------------------------------------------------------------

NodeItem::NodeItem(int rank) : rank_(rank) {
  setZValue(3);
  setAcceptHoverEvents(false);
}

void NodeItem::setLook(const NodeLook& look) {
  const bool same = look.origin == look_.origin && look.filled == look_.filled &&
                    look.missed == look_.missed && look.condition == look_.condition &&
                    look.demotes == look_.demotes && look.tag == look_.tag;
  if (same) return;
  look_ = look;
  update();
}

void NodeItem::setOutward(QPointF outward) {
  if (outward == outward_) return;
  prepareGeometryChange();
  outward_ = outward;
}

QRectF NodeItem::boundingRect() const {
  constexpr double kReach = kRadius + 34;
  return {-kReach, -kReach, 2 * kReach, 2 * kReach};
}

void NodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  painter->setRenderHint(QPainter::Antialiasing);
  const bool live = isLive(look_.condition);

  if (look_.missed) {
    QPen ring(live ? kMissed : kDownInk, live ? 3.0 : 1.6);
    if (!live) ring.setStyle(Qt::DashLine);
    painter->setPen(ring);
    painter->setBrush(Qt::NoBrush);
    painter->drawEllipse(QPointF(), kRadius + 5, kRadius + 5);
  }

  QColor fill = Qt::white;
  QColor outline = kOutline;
  QColor ink = kInk;
  double width = 1.5;
  Qt::PenStyle style = Qt::SolidLine;
  if (!live) {
    fill = kDownFill;
    outline = kDownInk;
    ink = kDownInk;
    style = Qt::DashLine;
  } else if (look_.origin) {
    fill = kOrigin;
    outline = QColor(0x06, 0x21, 0x4f);
    ink = Qt::white;
    width = 2.5;
  } else if (look_.filled) {
    fill = kDelivered;
    outline = kDeliveredEdge;
    ink = Qt::white;
  }
  QPen pen(outline, width);
  pen.setStyle(style);
  painter->setPen(pen);
  painter->setBrush(fill);
  painter->drawEllipse(QPointF(), kRadius, kRadius);

  painter->setPen(ink);
  painter->setFont(pixelFont(rank_ >= 100 ? 9 : 11, true));
  const QRectF body(-kRadius, -kRadius, 2 * kRadius, 2 * kRadius);
  painter->drawText(body, Qt::AlignCenter, QString::number(rank_));

  if (look_.demotes > 0) {
    // A small loop beside the node: it kept part of the range for itself this many times.
    const QPointF dir = rotated(outward_, 55);
    const QPointF centre = dir * (kRadius + 6);
    QPen loop(kLoop, 1.6);
    painter->setPen(loop);
    painter->setBrush(Qt::NoBrush);
    painter->drawEllipse(centre, 6.0, 6.0);
    painter->setFont(pixelFont(10, true));
    painter->setPen(kDeliveredEdge);
    const QPointF text = dir * (kRadius + 19);
    painter->drawText(QRectF(text.x() - 12, text.y() - 7, 24, 14), Qt::AlignCenter,
                      QStringLiteral("×%1").arg(look_.demotes));
  }

  if (!look_.tag.isEmpty()) {
    painter->setFont(pixelFont(10, true));
    painter->setPen(look_.missed && live ? kMissed : QColor(0x37, 0x47, 0x4f));
    const QPointF at = outward_ * (kRadius + 14);
    painter->drawText(QRectF(at.x() - 30, at.y() - 7, 60, 14), Qt::AlignCenter, look_.tag);
  }
}

// ---- EdgeItem -----------------------------------------------------------------------------

EdgeItem::EdgeItem() {
  setZValue(1);
}

void EdgeItem::setKind(telemetry::EdgeKind kind, const QPen& pen) {
  kind_ = kind;
  pen_ = pen;
  update();
}

void EdgeItem::setCurve(const EdgeCurve& curve) {
  prepareGeometryChange();
  path_ = curve.path();
  // The arrowhead points along the curve's last tangent.
  QPointF d = curve.to - curve.control;
  const double n = std::hypot(d.x(), d.y());
  d = n < 1e-6 ? QPointF(1, 0) : d / n;
  const QPointF side(-d.y(), d.x());
  const double size = std::max(5.0, pen_.widthF() * 3.0);
  arrow_ = QPolygonF({curve.to, curve.to - d * size + side * size * 0.45,
                      curve.to - d * size - side * size * 0.45});
}

QRectF EdgeItem::boundingRect() const {
  const double pad = pen_.widthF() + 6;
  return path_.controlPointRect().united(arrow_.boundingRect()).adjusted(-pad, -pad, pad, pad);
}

QPainterPath EdgeItem::shape() const {
  QPainterPathStroker stroker;
  stroker.setWidth(std::max(6.0, pen_.widthF() + 4));
  return stroker.createStroke(path_);
}

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  painter->setRenderHint(QPainter::Antialiasing);
  painter->setPen(pen_);
  painter->setBrush(Qt::NoBrush);
  painter->drawPath(path_);
  painter->setPen(Qt::NoPen);
  painter->setBrush(pen_.color());
  painter->drawPolygon(arrow_);
}

}  // namespace rt::gui
