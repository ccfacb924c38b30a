// Draws one broadcast of a BroadcastTrace: the cluster's nodes (by rank, on a ring or as a
// tree with the originator on top), the edges whose glyphs have landed, coloured by kind, and
// the glyphs in flight. It owns no clock and no trace: the panel tells it what landed and
// where the flights are. Items are reused and the drawn edges are capped, so the scene stays
// bounded however long the session runs.
#pragma once

#include <QGraphicsView>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "telemetry/broadcast_trace.hpp"
#include "views/tree/animation_queue.hpp"
#include "views/tree/tree_layout.hpp"
#include "views/tree/tree_style.hpp"

class QGraphicsEllipseItem;
class QGraphicsPathItem;
class QGraphicsSimpleTextItem;

namespace rt::gui {

class EdgeItem;
class NodeItem;

class TreeView : public QGraphicsView {
  Q_OBJECT

 public:
  enum class Layout { ring, tree };
  static constexpr std::size_t kMaxEdgeItems = 1500;

  explicit TreeView(QWidget* parent = nullptr);

  // A new cluster: `ids[r - 1]` names rank r. `pocket` picks the first-level split rule.
  void setNodes(const std::vector<QString>& ids, bool pocket);
  void setNodeCondition(int rank, NodeCondition condition);
  NodeCondition nodeCondition(int rank) const;
  void setLayoutMode(Layout layout);
  Layout layoutMode() const { return layout_; }

  // Starts drawing `record` from nothing (no edge drawn, nobody reached but the origin).
  void showBroadcast(const telemetry::BroadcastRecord& record);
  void clearBroadcast();
  MessageId shownBroadcast() const { return shown_; }
  bool hasBroadcast() const { return has_record_; }
  // The shown broadcast learnt more (deliveries, parents): node looks and the tree rows.
  void updateRecord(const telemetry::BroadcastRecord& record);
  // A glyph of the shown broadcast landed: draw its edge (once per from, to and kind).
  void land(const telemetry::TraceEdge& edge);
  // Glyph positions for the flights of the shown broadcast.
  void setFlights(const std::vector<Flight>& flights, double anim_ms);
  // Settled: no more is expected, so nodes without a delivery show as missed.
  void setSettled(bool settled);
  bool settled() const { return settled_; }
  void setKindVisible(telemetry::EdgeKind kind, bool visible);
  // Fits the drawing into the view, and keeps fitting it on resize until the user zooms.
  void fitAll();

  int nodeItemCount() const { return static_cast<int>(nodes_.size()); }
  int edgeCount() const { return static_cast<int>(drawn_.size()); }
  int edgeCount(telemetry::EdgeKind kind) const;
  int visibleEdgeCount() const;
  int glyphCount() const;  // glyphs on screen now
  bool reached(int rank) const;
  const NodeItem* nodeItem(int rank) const;
  QPointF nodePosition(int rank) const;
  std::uint64_t edgesOverCap() const { return edges_over_cap_; }

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  bool viewportEvent(QEvent* event) override;

 private:
  struct Drawn {
    int from = 0;
    int to = 0;
    telemetry::EdgeKind kind = telemetry::EdgeKind::gossip;
    int level = 0;
    int count = 0;
    bool lost = false;  // sent, never seen arriving (a dead or unreachable receiver)
  };
  static std::uint64_t edgeKey(int from, int to, telemetry::EdgeKind kind);
  QPen penFor(const Drawn& drawn) const;
  bool validRank(int rank) const;
  void relayout();
  void placeEdges();
  void placeGuides();
  void refreshLooks();
  void refreshLook(int rank);
  void fitIfAuto();
  QString nodeToolTip(int rank) const;
  QString edgeToolTip(const Drawn& drawn) const;

  QGraphicsScene* scene_;
  std::vector<NodeItem*> nodes_;  // index rank - 1
  std::vector<QString> ids_;
  std::vector<NodeCondition> conditions_;
  bool pocket_ = false;
  Layout layout_ = Layout::ring;
  std::vector<QPointF> positions_;
  std::vector<QPointF> outward_;

  // The shown broadcast, as far as the view needs it.
  bool has_record_ = false;
  MessageId shown_;
  int origin_ = 0;
  int top_level_ = 0;
  std::vector<char> delivered_;
  std::vector<int> hops_;
  std::vector<int> demotes_;
  std::vector<std::uint32_t> copies_;
  TreeLayout tree_;
  std::vector<char> reached_;
  bool settled_ = false;

  std::vector<Drawn> drawn_;
  std::vector<EdgeItem*> edge_pool_;  // edge_pool_[i] draws drawn_[i]; hidden beyond
  std::unordered_map<std::uint64_t, std::size_t> drawn_index_;
  std::uint64_t edges_over_cap_ = 0;
  std::vector<QGraphicsEllipseItem*> glyphs_;
  std::vector<QGraphicsSimpleTextItem*> row_labels_;
  QGraphicsPathItem* guides_ = nullptr;
  QGraphicsSimpleTextItem* placeholder_ = nullptr;
  std::uint32_t hidden_kinds_ = 0;
  bool auto_fit_ = true;
};

}  // namespace rt::gui
