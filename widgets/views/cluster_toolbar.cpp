#include "views/cluster_toolbar.hpp"

#include <QAction>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QSpinBox>
#include <QStyle>

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

  // Every node action; the toolbar shows the frequent ones, the Node menu all of them.
  const std::map<NodeAction, QIcon> icons{
      {NodeAction::kill, QIcon(QStringLiteral(":/icons/kill.svg"))},
      {NodeAction::stop, QIcon(QStringLiteral(":/icons/pause.svg"))},
      {NodeAction::resume, QIcon(QStringLiteral(":/icons/resume.svg"))},
      {NodeAction::restart, style()->standardIcon(QStyle::SP_BrowserReload)},
      {NodeAction::inspect, style()->standardIcon(QStyle::SP_FileDialogContentsView)},
  };
  for (const NodeActionEntry& entry : nodeActionLayout()) {
    const auto icon = icons.find(entry.action);
    auto* action = new QAction(icon == icons.end() ? QIcon() : icon->second,
                               nodeActionText(entry.action), this);
    action->setToolTip(nodeActionToolTip(entry.action) +
                       (nodeActionNeedsNode(entry.action) ? tr(" (selected node)") : QString()));
    connect(action, &QAction::triggered, this,
            [this, kind = entry.action] { emit nodeActionRequested(kind); });
    actions_[entry.action] = action;
  }
  actions_[NodeAction::inspect]->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
  for (NodeAction shown : {NodeAction::kill, NodeAction::stop, NodeAction::resume,
                           NodeAction::restart, NodeAction::mute, NodeAction::unmute,
                           NodeAction::partition, NodeAction::heal, NodeAction::inspect}) {
    if (shown == NodeAction::kill || shown == NodeAction::mute || shown == NodeAction::inspect) {
      addSeparator();
    }
    addAction(actions_[shown]);
  }
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
  for (const auto& [kind, action] : actions_) {
    action->setEnabled(live_ && (selected_ || !nodeActionNeedsNode(kind)));
  }
}

}  // namespace rt::gui
