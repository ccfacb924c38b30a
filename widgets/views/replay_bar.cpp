#include "views/replay_bar.hpp"

#include <QComboBox>
#include <QLabel>
#include <QSlider>
#include <QStyle>

#include "session/replay_driver.hpp"

namespace rt::gui {
namespace {

QString seconds(qint64 ms) {
  return QString::number(static_cast<double>(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
}

}  // namespace

ReplayBar::ReplayBar(QWidget* parent) : QToolBar(tr("Replay"), parent) {
  setObjectName(QStringLiteral("replayBar"));
  play_ = addAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Play"));
  play_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
  addWidget(new QLabel(tr(" Speed ")));
  speed_ = new QComboBox(this);
  for (double s : {0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0}) {
    speed_->addItem(QString::number(s) + QStringLiteral("×"), s);
  }
  speed_->setCurrentIndex(2);
  addWidget(speed_);
  timeline_ = new QSlider(Qt::Horizontal, this);
  timeline_->setMinimumWidth(360);
  timeline_->setToolTip(tr("Drag to move through the recording"));
  addWidget(timeline_);
  time_ = new QLabel(this);
  time_->setMinimumWidth(120);
  addWidget(time_);

  connect(play_, &QAction::triggered, this, [this] {
    if (driver_) driver_->setPlaying(!driver_->isPlaying());
  });
  connect(speed_, &QComboBox::currentIndexChanged, this, [this] {
    if (driver_) driver_->setSpeed(speed_->currentData().toDouble());
  });
  // While dragging only the label follows; the views move once, on release.
  connect(timeline_, &QSlider::sliderPressed, this, [this] { scrubbing_ = true; });
  connect(timeline_, &QSlider::sliderMoved, this, [this](int ms) {
    if (driver_) time_->setText(seconds(ms) + " / " + seconds(driver_->durationMs()));
  });
  connect(timeline_, &QSlider::sliderReleased, this, [this] {
    scrubbing_ = false;
    if (driver_) driver_->seek(timeline_->value());
  });
  connect(timeline_, &QSlider::actionTriggered, this, [this](int action) {
    // Clicks on the groove and keys (not drags) seek at once.
    if (driver_ && action != QAbstractSlider::SliderMove) {
      driver_->seek(timeline_->sliderPosition());
    }
  });
  setDriver(nullptr);
}

void ReplayBar::setDriver(ReplayDriver* driver) {
  if (driver_) disconnect(driver_, nullptr, this, nullptr);
  driver_ = driver;
  for (QWidget* w : {static_cast<QWidget*>(speed_), static_cast<QWidget*>(timeline_)}) {
    w->setEnabled(driver_ != nullptr);
  }
  play_->setEnabled(driver_ != nullptr);
  if (!driver_) {
    time_->setText(tr("no recording"));
    return;
  }
  connect(driver_, &ReplayDriver::positionChanged, this, &ReplayBar::showPosition);
  connect(driver_, &ReplayDriver::playingChanged, this, &ReplayBar::showPlaying);
  driver_->setSpeed(speed_->currentData().toDouble());
  showPosition(driver_->positionMs(), driver_->durationMs());
  showPlaying(driver_->isPlaying());
}

void ReplayBar::showPosition(qint64 position_ms, qint64 duration_ms) {
  timeline_->setRange(0, static_cast<int>(duration_ms));
  if (!scrubbing_) timeline_->setValue(static_cast<int>(position_ms));
  if (!scrubbing_) time_->setText(seconds(position_ms) + " / " + seconds(duration_ms));
}

void ReplayBar::showPlaying(bool playing) {
  play_->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  play_->setText(playing ? tr("Pause") : tr("Play"));
}

}  // namespace rt::gui
