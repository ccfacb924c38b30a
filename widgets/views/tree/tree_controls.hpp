// The tree panel's control bar: broadcast picker, ring/tree layout, pause / step / run until
// delivered, speed, kind filter, fit and export. It reports what the user asked for and shows
// the state it is given; the panel does the work.
#pragma once

#include <QList>
#include <QToolBar>
#include <cstdint>
#include <vector>

#include "telemetry/broadcast_trace.hpp"
#include "views/tree/tree_view.hpp"

class QAction;
class QComboBox;
class QLabel;
class QSlider;

namespace rt::gui {

// A broadcast id as the tree panel shows it: its last 8 hex digits.
QString shortBroadcastId(MessageId id);

class TreeControlBar : public QToolBar {
  Q_OBJECT

 public:
  struct Listed {
    MessageId id;
    int origin = 0;  // rank; 0 when not known yet
  };

  explicit TreeControlBar(QWidget* parent = nullptr);

  // Picker rows after "Follow latest", newest first; `selected` zero means following.
  void setBroadcasts(const std::vector<Listed>& listed, MessageId selected);
  bool pickerOpen() const;
  void showLayout(TreeView::Layout layout);
  void showPaused(bool paused);
  void showSpeed(double speed);
  void showKindVisible(telemetry::EdgeKind kind, bool visible);
  // Actions with keyboard shortcuts, for the panel to make them work anywhere inside it.
  QList<QAction*> keyActions() const { return key_actions_; }

 signals:
  void followLatestRequested();
  void broadcastRequested(std::uint64_t id);
  void layoutRequested(rt::gui::TreeView::Layout layout);
  void pauseToggled(bool paused);
  void stepRequested();
  void runUntilRequested();
  void speedRequested(double speed);
  void kindVisibilityRequested(rt::telemetry::EdgeKind kind, bool visible);
  void fitRequested();
  void exportRequested(const QString& path);

 private:
  void buildFilter();
  void buildExport();

  QComboBox* picker_;
  QAction* ring_action_;
  QAction* tree_action_;
  QAction* pause_action_;
  QSlider* speed_slider_;
  QLabel* speed_label_;
  std::vector<QAction*> filter_actions_;  // one per legend row with kinds
  QList<QAction*> key_actions_;
};

}  // namespace rt::gui
