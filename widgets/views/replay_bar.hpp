// The playback controls of a recording: play/pause, speed, a timeline to scrub and the time.
// Shown while the studio replays a recording; it drives a ReplayDriver.
#pragma once

#include <QToolBar>

class QAction;
class QComboBox;
class QLabel;
class QSlider;

namespace rt::gui {

class ReplayDriver;

class ReplayBar : public QToolBar {
  Q_OBJECT

 public:
  explicit ReplayBar(QWidget* parent = nullptr);
  // Follows and drives `driver` (nullptr: detached, controls disabled).
  void setDriver(ReplayDriver* driver);
  QSlider* timeline() const { return timeline_; }
  QAction* playAction() const { return play_; }

 private:
  void showPosition(qint64 position_ms, qint64 duration_ms);
  void showPlaying(bool playing);

  ReplayDriver* driver_ = nullptr;
  QAction* play_;
  QComboBox* speed_;
  QSlider* timeline_;
  QLabel* time_;
  bool scrubbing_ = false;
};

}  // namespace rt::gui
