#include "views/session_status_bar.hpp"

#include <QLabel>

namespace rt::gui {

namespace {
QLabel* field(QWidget* parent, const QString& tooltip) {
  auto* label = new QLabel(parent);
  label->setContentsMargins(10, 0, 10, 0);
  label->setToolTip(tooltip);
  return label;
}
}  // namespace

SessionStatusBar::SessionStatusBar(QWidget* parent)
    : QStatusBar(parent),
      state_(field(this, tr("Cluster session"))),
      mode_(field(this, tr("Gossip mode of the cluster"))),
      answering_(field(this, tr("Nodes that answered their last status poll"))),
      events_(field(this, tr("Node events received by the studio per second"))) {
  setObjectName(QStringLiteral("sessionStatusBar"));
  addPermanentWidget(state_);
  addPermanentWidget(mode_);
  addPermanentWidget(answering_);
  addPermanentWidget(events_);
  setState(ClusterController::State::idle, tr("idle"));
  setStats({});
}

void SessionStatusBar::setState(ClusterController::State state, const QString& name) {
  QString colour = QStringLiteral("#607d8b");
  if (state == ClusterController::State::live) colour = QStringLiteral("#2e9e5b");
  if (state == ClusterController::State::failed) colour = QStringLiteral("#d33f3f");
  if (state == ClusterController::State::launching || state == ClusterController::State::stopping)
    colour = QStringLiteral("#e09b1a");
  state_->setText(QStringLiteral("<b style='color:%1'>●</b> Cluster %2").arg(colour, name));
}

void SessionStatusBar::setStats(const SessionStats& stats) {
  mode_->setText(tr("Mode: <b>%1</b>").arg(stats.mode.isEmpty() ? tr("–") : stats.mode));
  answering_->setText(tr("Answering: <b>%1 / %2</b> nodes").arg(stats.answering).arg(stats.nodes));
  events_->setText(tr("Events: <b>%L1/s</b>").arg(stats.events_per_second, 0, 'f', 0));
}

void SessionStatusBar::setLaunchProgress(int started, int total) {
  showMessage(tr("Starting nodes: %1 of %2 answering").arg(started).arg(total), 3000);
}

}  // namespace rt::gui
