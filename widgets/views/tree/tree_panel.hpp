// The studio's centre: the tree view of one broadcast with the controls of its animation
// (broadcast picker, ring/tree layout, speed, pause, step, run until delivered, kind filter,
// export), the "behind live" and "skipped" notes, the broadcast's counters and the legend.
// It owns the BroadcastTrace fed from the cluster's events and the AnimationQueue that turns
// them into glyphs; a frame timer runs only while there is something to animate.
#pragma once

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "cluster/cluster_info.hpp"
#include "cluster/monitor.hpp"
#include "telemetry/broadcast_trace.hpp"
#include "views/tree/animation_queue.hpp"
#include "views/tree/tree_style.hpp"
#include "views/tree/tree_view.hpp"

class QLabel;
class QPainter;

namespace rt::gui {

class TreeControlBar;

class TreePanel : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kFrameMs = 33;             // ~30 frames a second while animating
  static constexpr double kSettleMs = 1500;       // quiet this long: the broadcast is over
  static constexpr double kBehindBadgeMs = 5000;  // past the slow motion of one broadcast
  static constexpr double kSkipNoteMs = 8000;     // how long "skipped N" stays up
  static constexpr std::size_t kMaxListed = 24;   // broadcasts in the picker

  explicit TreePanel(QWidget* parent = nullptr, AnimationOptions options = {});
  ~TreePanel() override;

  void setCluster(const cluster::ClusterInfo& cluster);
  void addEvents(const std::vector<cluster::RankedEvent>& events);
  void setNodeCondition(int rank, NodeCondition condition);

  // What the control bar does, callable directly (tests, scripts, menus).
  void setLayoutMode(TreeView::Layout layout);
  void setSpeed(double speed);
  void setPaused(bool paused);
  void step();
  // Fast-forwards until every delivery of the shown broadcast is on screen, then pauses.
  void runUntilDelivered();
  bool runningUntilDelivered() const { return run_until_; }
  void setKindVisible(telemetry::EdgeKind kind, bool visible);
  // Follow the newest broadcast (the default), or replay one broadcast from its start.
  void followLatest();
  void selectBroadcast(MessageId id);
  bool following() const { return following_; }
  // Writes what the view shows, with the legend, as SVG (by suffix) or PNG.
  bool exportImage(const QString& path);

  // Milliseconds of a monotonic clock; tests drive the animation by moving it.
  void setClock(std::function<double()> now_ms);
  // One animation frame (what the frame timer calls).
  void tick();

 signals:
  // After each frame: how long advancing the animation and updating the scene took (the
  // repaint follows). --bench paces and costs frames with it.
  void frameAdvanced(qint64 cost_ns);

 public:
  int nodeItemCount() const { return view_->nodeItemCount(); }
  std::uint64_t animatedCount() const { return queue_.animated(); }
  const telemetry::BroadcastTrace* trace() const { return trace_.get(); }
  TreeView* view() const { return view_; }
  TreeControlBar* controls() const { return bar_; }
  const AnimationQueue& queue() const { return queue_; }

 private:
  // What the panel remembers per broadcast beyond the trace.
  struct Seen {
    double last_event_ms = 0;    // wall time its latest event arrived
    Micros pushed_until_us = 0;  // latest event time queued for animation
  };
  void wireControls();
  QWidget* buildSide();
  void enqueue(const telemetry::EdgeRef& ref, double now_ms);
  // After the queue moved: switch the shown broadcast, land edges, move glyphs, notes.
  void afterAdvance(double now_ms);
  void display(const telemetry::BroadcastRecord& record);
  bool drained(MessageId id) const;
  bool allDeliveriesShown(const telemetry::BroadcastRecord& record) const;
  void updateSettled(double now_ms);
  void updateNotes(double now_ms);
  void updateCounters();
  void rebuildPicker();
  void pruneSeen();
  void ensureTimer();
  void paintExport(QPainter& painter, const QRect& area);

  AnimationQueue queue_;
  std::unique_ptr<telemetry::BroadcastTrace> trace_;
  std::unordered_map<MessageId, Seen> seen_;
  std::function<double()> clock_;
  QElapsedTimer wall_;
  QTimer frame_timer_;
  bool following_ = true;
  MessageId pinned_;
  bool run_until_ = false;
  bool record_dirty_ = false;
  bool picker_dirty_ = false;
  bool counters_dirty_ = true;
  int live_nodes_ = 0;

  TreeView* view_;
  TreeControlBar* bar_;
  QLabel* counters_ = nullptr;
  QLabel* behind_ = nullptr;
  QLabel* skipped_ = nullptr;
};

}  // namespace rt::gui
