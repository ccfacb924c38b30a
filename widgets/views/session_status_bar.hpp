// The status bar: session state, cluster mode, nodes answering and events per second.
#pragma once

#include <QStatusBar>

#include "session/cluster_controller.hpp"

class QLabel;

namespace rt::gui {

class SessionStatusBar : public QStatusBar {
  Q_OBJECT

 public:
  explicit SessionStatusBar(QWidget* parent = nullptr);

  void setState(ClusterController::State state, const QString& name);
  void setStats(const SessionStats& stats);
  void setLaunchProgress(int started, int total);

 private:
  QLabel* state_;
  QLabel* mode_;
  QLabel* answering_;
  QLabel* events_;
};

}  // namespace rt::gui
