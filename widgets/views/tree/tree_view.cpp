#include "views/tree/tree_view.hpp"

#include <QGraphicsEllipseItem>
#include <QGraphicsPathItem>
#include <QGraphicsSimpleTextItem>
#include <QHelpEvent>
#include <QToolTip>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "views/tree/tree_items.hpp"

namespace rt::gui {

using telemetry::EdgeKind;

namespace {

constexpr double kRowHeight = 96;
constexpr double kSpacing = 46;
constexpr double kTrim = NodeItem::kRadius + 2;
constexpr double kMaxFitScale = 1.8;
constexpr double kMinScale = 0.05;
constexpr double kMaxScale = 8.0;
const QColor kGuide(0x9c, 0xc4, 0xf2);
const QColor kCaption(0x5c, 0x6b, 0x7a);

std::uint32_t kindBit(EdgeKind kind) {
  return 1u << static_cast<unsigned>(kind);
}

QFont pixelFont(int pixels, bool bold = false) {
  QFont font(QStringLiteral("DejaVu Sans"));
  font.setPixelSize(pixels);
  font.setBold(bold);
  return font;
}

QString kindLabel(EdgeKind kind) {
  return QString::fromUtf8(telemetry::edge_kind_name(kind).data(),
                           static_cast<int>(telemetry::edge_kind_name(kind).size()));
}

}  // namespace

TreeView::TreeView(QWidget* parent) : QGraphicsView(parent), scene_(new QGraphicsScene(this)) {
  setObjectName(QStringLiteral("treeView"));
  setScene(scene_);
  scene_->setBackgroundBrush(Qt::white);
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  setDragMode(QGraphicsView::ScrollHandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setResizeAnchor(QGraphicsView::AnchorViewCenter);
  setViewportUpdateMode(QGraphicsView::BoundingRectViewportUpdate);
  setFrameShape(QFrame::NoFrame);
  setNodes({}, false);
}

std::uint64_t TreeView::edgeKey(int from, int to, EdgeKind kind) {
  return (static_cast<std::uint64_t>(from) << 40) | (static_cast<std::uint64_t>(to) << 8) |
         static_cast<std::uint64_t>(kind);
}

QPen TreeView::penFor(const Drawn& drawn) const {
  QPen pen = edgePen(drawn.kind, drawn.level, top_level_);
  if (drawn.lost) {
    QColor faded = pen.color();
    faded.setAlpha(150);
    pen.setColor(faded);
    pen.setStyle(Qt::DotLine);
  }
  return pen;
}

bool TreeView::validRank(int rank) const {
  return rank >= 1 && rank <= static_cast<int>(nodes_.size());
}

void TreeView::setNodes(const std::vector<QString>& ids, bool pocket) {
  // A new cluster: every item goes, pools start empty again.
  scene_->clear();
  nodes_.clear();
  edge_pool_.clear();
  glyphs_.clear();
  row_labels_.clear();
  drawn_.clear();
  drawn_index_.clear();
  ids_ = ids;
  pocket_ = pocket;
  const auto n = ids.size();
  conditions_.assign(n, NodeCondition::unknown);
  for (std::size_t i = 0; i < n; ++i) {
    auto* node = new NodeItem(static_cast<int>(i) + 1);
    scene_->addItem(node);
    nodes_.push_back(node);
  }
  guides_ = scene_->addPath(QPainterPath(), QPen(kGuide, 1.4, Qt::DashLine));
  guides_->setZValue(0);
  placeholder_ = scene_->addSimpleText(QString(), pixelFont(14));
  placeholder_->setBrush(kCaption);
  placeholder_->setZValue(0);
  has_record_ = false;
  clearBroadcast();
}

void TreeView::setNodeCondition(int rank, NodeCondition condition) {
  if (!validRank(rank)) return;
  conditions_[static_cast<std::size_t>(rank - 1)] = condition;
  refreshLook(rank);
}

NodeCondition TreeView::nodeCondition(int rank) const {
  return validRank(rank) ? conditions_[static_cast<std::size_t>(rank - 1)] : NodeCondition::unknown;
}

void TreeView::setLayoutMode(Layout layout) {
  if (layout == layout_) return;
  layout_ = layout;
  auto_fit_ = true;
  relayout();
}

void TreeView::clearBroadcast() {
  for (std::size_t i = 0; i < drawn_.size(); ++i) edge_pool_[i]->hide();
  for (auto* glyph : glyphs_) glyph->hide();
  drawn_.clear();
  drawn_index_.clear();
  has_record_ = false;
  shown_ = MessageId{};
  origin_ = 0;
  top_level_ = 0;
  settled_ = false;
  const auto n = nodes_.size();
  delivered_.assign(n, 0);
  reached_.assign(n, 0);
  hops_.assign(n, -1);
  demotes_.assign(n, 0);
  copies_.assign(n, 0);
  tree_ = TreeLayout{};
  placeholder_->setText(n == 0 ? tr("Waiting for a cluster")
                               : tr("No broadcast yet\nBroadcast from the toolbar to watch it "
                                    "spread"));
  relayout();
  refreshLooks();
}

void TreeView::showBroadcast(const telemetry::BroadcastRecord& record) {
  clearBroadcast();
  has_record_ = true;
  shown_ = record.id;
  placeholder_->setText(QString());
  updateRecord(record);
  relayout();
}

void TreeView::updateRecord(const telemetry::BroadcastRecord& record) {
  if (!has_record_ || record.id != shown_ || record.nodes.size() != nodes_.size()) return;
  const int old_top = top_level_;
  for (const telemetry::TraceEdge& edge : record.edges) {
    if (edge.kind == EdgeKind::tree) top_level_ = std::max<int>(top_level_, edge.level);
  }
  for (std::size_t i = 0; i < record.nodes.size(); ++i) {
    delivered_[i] = record.nodes[i].delivered ? 1 : 0;
    hops_[i] = record.nodes[i].hops;
    copies_[i] = record.nodes[i].payload_copies;
  }
  demotes_ = demoteCounts(record);
  const std::vector<QPointF> old_tree = tree_.positions;
  tree_ = treeLayout(record, kRowHeight, kSpacing);
  origin_ = record.origin > 0 ? record.origin : (record.edges.empty() ? 0 : tree_.origin);
  if (validRank(origin_)) reached_[static_cast<std::size_t>(origin_ - 1)] = 1;
  if (top_level_ != old_top) {
    for (std::size_t i = 0; i < drawn_.size(); ++i) {
      edge_pool_[i]->setKind(drawn_[i].kind, penFor(drawn_[i]));
    }
  }
  if (layout_ == Layout::tree && tree_.positions != old_tree) {
    relayout();
  } else {
    placeGuides();
  }
  refreshLooks();
}

void TreeView::land(const telemetry::TraceEdge& edge) {
  if (!has_record_ || !validRank(edge.from) || !validRank(edge.to) || edge.from == edge.to) {
    return;
  }
  // A copy that never arrived (its receiver is dead) reaches nobody.
  const bool lost = !edge.seen_received();
  if (telemetry::is_payload_kind(edge.kind) && !lost) {
    reached_[static_cast<std::size_t>(edge.to - 1)] = 1;
    refreshLook(edge.to);
  }
  const std::uint64_t key = edgeKey(edge.from, edge.to, edge.kind);
  if (auto it = drawn_index_.find(key); it != drawn_index_.end()) {
    Drawn& drawn = drawn_[it->second];
    ++drawn.count;
    if (drawn.lost && !lost) {
      drawn.lost = false;
      edge_pool_[it->second]->setKind(drawn.kind, penFor(drawn));
    }
    return;
  }
  if (drawn_.size() >= kMaxEdgeItems) {
    ++edges_over_cap_;
    return;
  }
  const std::size_t index = drawn_.size();
  drawn_.push_back({edge.from, edge.to, edge.kind, edge.level, 1, lost});
  drawn_index_[key] = index;
  if (index == edge_pool_.size()) {
    auto* item = new EdgeItem();
    scene_->addItem(item);
    edge_pool_.push_back(item);
  }
  EdgeItem* item = edge_pool_[index];
  item->setData(0, static_cast<int>(index));
  item->setKind(edge.kind, penFor(drawn_.back()));
  item->setCurve(edgeCurve(nodePosition(edge.from), nodePosition(edge.to), kTrim));
  item->setVisible((hidden_kinds_ & kindBit(edge.kind)) == 0);
}

void TreeView::setFlights(const std::vector<Flight>& flights, double anim_ms) {
  std::size_t used = 0;
  for (const Flight& flight : flights) {
    const AnimationItem& item = flight.item;
    if (!has_record_ || item.edge.broadcast != shown_ || (hidden_kinds_ & kindBit(item.kind))) {
      continue;
    }
    if (!validRank(item.from) || !validRank(item.to) || item.from == item.to) continue;
    if (used == glyphs_.size()) {
      auto* glyph = scene_->addEllipse(QRectF());
      glyph->setZValue(4);
      glyphs_.push_back(glyph);
    }
    QGraphicsEllipseItem* glyph = glyphs_[used++];
    const double r = glyphRadius(item.kind);
    glyph->setRect(-r, -r, 2 * r, 2 * r);
    // A darker rim makes the glyph stand out from the edges it travels along.
    const QColor color = edgeColor(item.kind, top_level_, top_level_);
    glyph->setBrush(color);
    glyph->setPen(QPen(color.darker(170), 1.4));
    const EdgeCurve curve = edgeCurve(nodePosition(item.from), nodePosition(item.to), kTrim);
    glyph->setPos(curve.at(flight.progress(anim_ms)));
    glyph->show();
  }
  for (std::size_t i = used; i < glyphs_.size(); ++i) glyphs_[i]->hide();
}

void TreeView::setSettled(bool settled) {
  if (settled == settled_) return;
  settled_ = settled;
  refreshLooks();
}

void TreeView::setKindVisible(EdgeKind kind, bool visible) {
  if (visible) {
    hidden_kinds_ &= ~kindBit(kind);
  } else {
    hidden_kinds_ |= kindBit(kind);
  }
  for (std::size_t i = 0; i < drawn_.size(); ++i) {
    if (drawn_[i].kind == kind) edge_pool_[i]->setVisible(visible);
  }
}

int TreeView::edgeCount(EdgeKind kind) const {
  return static_cast<int>(
      std::count_if(drawn_.begin(), drawn_.end(), [&](const Drawn& d) { return d.kind == kind; }));
}

int TreeView::visibleEdgeCount() const {
  int count = 0;
  for (std::size_t i = 0; i < drawn_.size(); ++i) count += edge_pool_[i]->isVisible() ? 1 : 0;
  return count;
}

int TreeView::glyphCount() const {
  return static_cast<int>(
      std::count_if(glyphs_.begin(), glyphs_.end(), [](auto* g) { return g->isVisible(); }));
}

bool TreeView::reached(int rank) const {
  return validRank(rank) && reached_[static_cast<std::size_t>(rank - 1)] != 0;
}

const NodeItem* TreeView::nodeItem(int rank) const {
  return validRank(rank) ? nodes_[static_cast<std::size_t>(rank - 1)] : nullptr;
}

QPointF TreeView::nodePosition(int rank) const {
  return validRank(rank) && positions_.size() == nodes_.size()
             ? positions_[static_cast<std::size_t>(rank - 1)]
             : QPointF();
}

void TreeView::relayout() {
  const int n = static_cast<int>(nodes_.size());
  const bool tree = layout_ == Layout::tree && has_record_ &&
                    tree_.positions.size() == static_cast<std::size_t>(n);
  positions_ = tree ? tree_.positions : ringPositions(n, ringRadius(n));
  outward_.assign(static_cast<std::size_t>(n), QPointF(0, -1));
  for (int i = 0; i < n; ++i) {
    const QPointF p = positions_[static_cast<std::size_t>(i)];
    if (!tree) outward_[static_cast<std::size_t>(i)] = p / std::max(1.0, std::hypot(p.x(), p.y()));
    nodes_[static_cast<std::size_t>(i)]->setPos(p);
    nodes_[static_cast<std::size_t>(i)]->setOutward(outward_[static_cast<std::size_t>(i)]);
  }

  // Row captions on the left of the tree; pooled like everything else.
  QRectF bounds;
  for (auto* node : nodes_) bounds |= node->sceneBoundingRect();
  const std::size_t rows = tree ? tree_.row_labels.size() : 0;
  while (row_labels_.size() < rows) {
    auto* label = scene_->addSimpleText(QString(), pixelFont(12, true));
    label->setBrush(kCaption);
    row_labels_.push_back(label);
  }
  for (std::size_t r = 0; r < row_labels_.size(); ++r) {
    QGraphicsSimpleTextItem* label = row_labels_[r];
    label->setVisible(r < rows);
    if (r >= rows) continue;
    label->setText(tree_.row_labels[r]);
    const QRectF text = label->boundingRect();
    label->setPos(bounds.left() - text.width() + 20, r * kRowHeight - text.height() / 2);
    bounds |= label->sceneBoundingRect();
  }
  const QRectF caption = placeholder_->boundingRect();
  placeholder_->setPos(-caption.width() / 2, -caption.height() / 2);
  if (n == 0) bounds = QRectF(-200, -100, 400, 200);

  placeEdges();
  placeGuides();
  scene_->setSceneRect(bounds.adjusted(-20, -20, 20, 20));
  fitIfAuto();
}

void TreeView::placeEdges() {
  for (std::size_t i = 0; i < drawn_.size(); ++i) {
    edge_pool_[i]->setCurve(
        edgeCurve(nodePosition(drawn_[i].from), nodePosition(drawn_[i].to), kTrim));
  }
}

void TreeView::placeGuides() {
  // On the ring, the originator's first-level jumps to the heads of the second and third
  // thirds are what RainTree is about: faint dashed chords show where they go.
  QPainterPath path;
  const int n = static_cast<int>(nodes_.size());
  if (layout_ == Layout::ring && has_record_ && validRank(origin_)) {
    for (int target : firstLevelTargets(n, origin_, pocket_)) {
      if (!validRank(target)) continue;
      const EdgeCurve line = edgeCurve(nodePosition(origin_), nodePosition(target), kTrim + 4);
      path.moveTo(line.from);
      path.lineTo(line.to);
    }
  }
  guides_->setPath(path);
}

void TreeView::refreshLooks() {
  for (int rank = 1; rank <= static_cast<int>(nodes_.size()); ++rank) refreshLook(rank);
}

void TreeView::refreshLook(int rank) {
  if (!validRank(rank)) return;
  const auto i = static_cast<std::size_t>(rank - 1);
  NodeLook look;
  look.condition = conditions_[i];
  look.origin = has_record_ && rank == origin_;
  look.filled = has_record_ && delivered_[i] && (reached_[i] || settled_);
  look.missed = has_record_ && settled_ && !delivered_[i];
  look.demotes = has_record_ && (reached_[i] || settled_) ? demotes_[i] : 0;
  if (!isLive(look.condition)) {
    look.tag = conditionName(look.condition);
  } else if (look.origin) {
    look.tag = tr("origin");
  } else if (look.missed) {
    look.tag = tr("missed");
  } else if (layout_ == Layout::ring && has_record_) {
    const auto targets = firstLevelTargets(static_cast<int>(nodes_.size()), origin_, pocket_);
    if (rank == targets[0]) look.tag = QStringLiteral("1/3");
    if (rank == targets[1]) look.tag = QStringLiteral("2/3");
  }
  nodes_[i]->setLook(look);
}

void TreeView::fitAll() {
  auto_fit_ = true;
  fitIfAuto();
}

void TreeView::fitIfAuto() {
  if (!auto_fit_) return;
  fitInView(sceneRect(), Qt::KeepAspectRatio);
  // A small cluster should not be blown up to poster size.
  const double scale = transform().m11();
  if (scale > kMaxFitScale) {
    setTransform(QTransform::fromScale(kMaxFitScale, kMaxFitScale));
    centerOn(sceneRect().center());
  }
}

void TreeView::wheelEvent(QWheelEvent* event) {
  const double current = transform().m11();
  const double target =
      std::clamp(current * std::pow(1.0015, event->angleDelta().y()), kMinScale, kMaxScale);
  scale(target / current, target / current);
  auto_fit_ = false;
  event->accept();
}

void TreeView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  fitIfAuto();
}

bool TreeView::viewportEvent(QEvent* event) {
  if (event->type() != QEvent::ToolTip) return QGraphicsView::viewportEvent(event);
  // Tooltips are built when asked for, not on every update.
  auto* help = static_cast<QHelpEvent*>(event);
  QString text;
  for (QGraphicsItem* item : items(help->pos())) {
    if (auto* node = dynamic_cast<NodeItem*>(item)) {
      text = nodeToolTip(node->rank());
      break;
    }
    if (auto* edge = dynamic_cast<EdgeItem*>(item)) {
      const int index = edge->data(0).toInt();
      if (index >= 0 && static_cast<std::size_t>(index) < drawn_.size()) {
        text = edgeToolTip(drawn_[static_cast<std::size_t>(index)]);
        break;
      }
    }
  }
  if (text.isEmpty()) {
    QToolTip::hideText();
  } else {
    QToolTip::showText(help->globalPos(), text, viewport());
  }
  return true;
}

QString TreeView::nodeToolTip(int rank) const {
  const auto i = static_cast<std::size_t>(rank - 1);
  auto plural = [](int n, const char* one, const char* many) {
    return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
  };
  QString text = QStringLiteral("<b>rank %1</b> · %2<br>%3")
                     .arg(rank)
                     .arg(ids_[i], conditionName(conditions_[i]));
  if (!has_record_) return text;
  if (rank == origin_) text += tr("<br>originated this broadcast");
  if (delivered_[i]) {
    text += tr("<br>delivered after %1").arg(plural(std::max(0, hops_[i]), "hop", "hops"));
  } else {
    text += settled_ ? tr("<br><span style='color:#d62828'>missed</span>") : tr("<br>not yet");
  }
  text += tr("<br>%1 received")
              .arg(plural(static_cast<int>(copies_[i]), "payload copy", "payload copies"));
  if (demotes_[i] > 0) {
    text += tr("<br>kept part of its range %1").arg(plural(demotes_[i], "time", "times"));
  }
  return text;
}

QString TreeView::edgeToolTip(const Drawn& drawn) const {
  QString text =
      tr("%1: rank %2 → rank %3").arg(kindLabel(drawn.kind)).arg(drawn.from).arg(drawn.to);
  if (drawn.kind == EdgeKind::tree) text += tr(", level %1").arg(drawn.level);
  if (drawn.count > 1) text += tr(" (×%1)").arg(drawn.count);
  if (drawn.lost) text += tr("<br>never arrived");
  return text;
}

}  // namespace rt::gui
