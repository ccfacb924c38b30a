#include "views/cluster_toolbar.hpp"

#include <QAction>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QSpinBox>

namespace rt::gui {

namespace {
QLabel* label(const QString& text, QWidget* parent) {
  auto* widget = new QLabel(text, parent);
  widget->setContentsMargins(8, 0, 4, 0);
  return widget;
}
}  // namespace

ClusterToolBar::ClusterToolBar(QWidget* parent) : QToolBar(tr("Cluster"), parent) {
  setObjectName(QStringLiteral("clusterToolBar"));
  setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  setIconSize(QSize(20, 20));

  broadcast_ = addAction(QIcon(QStringLiteral(":/icons/broadcast.svg")), tr("Broadcast"));
  broadcast_->setToolTip(
      tr("Broadcast one message from the selected node (rank 1 when none is "
         "selected)"));
  broadcast_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
  connect(broadcast_, &QAction::triggered, this,
          [this] { emit broadcastRequested(payloadSize()); });

  addWidget(label(tr("Size"), this));
  size_ = new QSpinBox(this);
  size_->setRange(16, 4 * 1024 * 1024);
  size_->setValue(1024);
  size_->setSuffix(tr(" B"));
  size_->setToolTip(tr("Payload size of each broadcast, in bytes"));
  addWidget(size_);

  addWidget(label(tr("Auto"), this));
  rate_ = new QDoubleSpinBox(this);
  rate_->setRange(0, 100);
  rate_->setDecimals(1);
  rate_->setSingleStep(0.5);
  rate_->setSuffix(tr(" /s"));
  rate_->setSpecialValueText(tr("off"));
  rate_->setToolTip(
      tr("Automatic broadcasts per second, originated by the answering nodes in "
         "turn"));
  addWidget(rate_);
  auto emit_auto = [this] { emit autoBroadcastChanged(rate_->value(), payloadSize()); };
  connect(rate_, &QDoubleSpinBox::valueChanged, this, emit_auto);
  connect(size_, &QSpinBox::valueChanged, this, [this, emit_auto] {
    if (rate_->value() > 0) emit_auto();
  });

  addSeparator();
  kill_ = addAction(QIcon(QStringLiteral(":/icons/kill.svg")), tr("Kill"));
  kill_->setToolTip(tr("Kill the selected node (SIGKILL)"));
  connect(kill_, &QAction::triggered, this, &ClusterToolBar::killRequested);
  pause_ = addAction(QIcon(QStringLiteral(":/icons/pause.svg")), tr("Stop"));
  pause_->setToolTip(tr("Stop the selected node (SIGSTOP)"));
  connect(pause_, &QAction::triggered, this, &ClusterToolBar::pauseRequested);
  resume_ = addAction(QIcon(QStringLiteral(":/icons/resume.svg")), tr("Continue"));
  resume_->setToolTip(tr("Continue the selected node (SIGCONT)"));
  connect(resume_, &QAction::triggered, this, &ClusterToolBar::resumeRequested);
  updateEnabled();
}

std::size_t ClusterToolBar::payloadSize() const {
  return static_cast<std::size_t>(size_->value());
}

double ClusterToolBar::autoRate() const {
  return rate_->value();
}

void ClusterToolBar::setAutoRate(double per_second) {
  rate_->setValue(per_second);
}

void ClusterToolBar::setClusterLive(bool live) {
  live_ = live;
  updateEnabled();
}

void ClusterToolBar::setNodeSelected(bool selected) {
  selected_ = selected;
  updateEnabled();
}

void ClusterToolBar::updateEnabled() {
  broadcast_->setEnabled(live_);
  for (QAction* action : {kill_, pause_, resume_}) action->setEnabled(live_ && selected_);
}

}  // namespace rt::gui
