#include "views/tree/tree_controls.hpp"

#include <QAbstractItemView>
#include <QAction>
#include <QActionGroup>
#include <QComboBox>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QSignalBlocker>
#include <QSlider>
#include <QToolButton>
#include <cmath>

#include "views/tree/tree_style.hpp"

namespace rt::gui {

using telemetry::EdgeKind;

namespace {

// The slider is logarithmic: -10..10 is 0.1x..10x.
int sliderOfSpeed(double speed) {
  return static_cast<int>(std::lround(std::log10(speed) * 10));
}

QString filterName(EdgeKind kind) {
  return QStringLiteral("treeFilter_%1")
      .arg(QString::fromUtf8(telemetry::edge_kind_name(kind).data(),
                             static_cast<int>(telemetry::edge_kind_name(kind).size())));
}

}  // namespace

QString shortBroadcastId(MessageId id) {
  return QString::fromStdString(to_string(id)).right(8);
}

TreeControlBar::TreeControlBar(QWidget* parent) : QToolBar(tr("Tree controls"), parent) {
  setObjectName(QStringLiteral("treeBar"));
  setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  setIconSize(QSize(16, 16));

  picker_ = new QComboBox(this);
  picker_->setObjectName(QStringLiteral("treeBroadcastPicker"));
  picker_->setToolTip(tr("Which broadcast the tree shows; a past one is replayed from its start"));
  picker_->setMinimumContentsLength(14);
  picker_->view()->setMinimumWidth(
      picker_->fontMetrics().horizontalAdvance(QStringLiteral("00000000 · from rank 1000")) + 24);
  picker_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  connect(picker_, &QComboBox::activated, this, [this](int index) {
    const auto value = picker_->itemData(index).toULongLong();
    if (value == 0) {
      emit followLatestRequested();
    } else {
      emit broadcastRequested(value);
    }
  });
  addWidget(picker_);
  addSeparator();

  auto* layouts = new QActionGroup(this);
  ring_action_ = addAction(tr("Ring"));
  ring_action_->setToolTip(tr("Nodes by rank around a circle"));
  tree_action_ = addAction(tr("Tree"));
  tree_action_->setToolTip(tr("Originator on top, one row per hop"));
  for (QAction* action : {ring_action_, tree_action_}) {
    action->setCheckable(true);
    layouts->addAction(action);
  }
  ring_action_->setChecked(true);
  connect(ring_action_, &QAction::triggered, this,
          [this] { emit layoutRequested(TreeView::Layout::ring); });
  connect(tree_action_, &QAction::triggered, this,
          [this] { emit layoutRequested(TreeView::Layout::tree); });
  addSeparator();

  pause_action_ = addAction(tr("Pause"));
  pause_action_->setObjectName(QStringLiteral("treePause"));
  pause_action_->setCheckable(true);
  pause_action_->setShortcut(Qt::Key_Space);
  connect(pause_action_, &QAction::toggled, this, &TreeControlBar::pauseToggled);
  QAction* step = addAction(tr("Step"));
  step->setObjectName(QStringLiteral("treeStep"));
  step->setToolTip(tr("Move to the next message start or landing (.)"));
  step->setShortcut(Qt::Key_Period);
  connect(step, &QAction::triggered, this, &TreeControlBar::stepRequested);
  QAction* run = addAction(tr("Run until delivered"));
  run->setObjectName(QStringLiteral("treeRunUntil"));
  run->setToolTip(tr("Fast-forward until every delivery of this broadcast is shown, then pause"));
  connect(run, &QAction::triggered, this, &TreeControlBar::runUntilRequested);

  speed_slider_ = new QSlider(Qt::Horizontal, this);
  speed_slider_->setObjectName(QStringLiteral("treeSpeed"));
  speed_slider_->setRange(-10, 10);
  speed_slider_->setFixedWidth(96);
  speed_slider_->setToolTip(tr("Animation speed, 0.1x to 10x"));
  speed_label_ = new QLabel(this);
  speed_label_->setMinimumWidth(QFontMetrics(font()).horizontalAdvance(QStringLiteral("10.0×")) +
                                8);
  connect(speed_slider_, &QSlider::valueChanged, this,
          [this](int value) { emit speedRequested(std::pow(10.0, value / 10.0)); });
  addWidget(speed_slider_);
  addWidget(speed_label_);
  addSeparator();

  buildFilter();
  QAction* fit = addAction(tr("Fit"));
  fit->setToolTip(tr("Fit the drawing into the view (F); the wheel zooms, dragging pans"));
  fit->setShortcut(Qt::Key_F);
  connect(fit, &QAction::triggered, this, &TreeControlBar::fitRequested);
  buildExport();

  key_actions_ = {pause_action_, step, fit};
  for (QAction* action : key_actions_) action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  showPaused(false);
  showSpeed(1.0);
  setBroadcasts({}, MessageId{});
}

void TreeControlBar::buildFilter() {
  auto* menu = new QMenu(this);
  for (const LegendEntry& entry : legendEntries()) {
    if (entry.kinds.empty()) continue;  // a legend-only row: its kinds share the row above
    QAction* action = menu->addAction(entry.label.section(QLatin1Char(','), 0, 0));
    action->setObjectName(filterName(entry.kinds.front()));
    action->setCheckable(true);
    action->setChecked(true);
    const auto kinds = entry.kinds;
    connect(action, &QAction::toggled, this, [this, kinds](bool on) {
      for (EdgeKind kind : kinds) emit kindVisibilityRequested(kind, on);
    });
    filter_actions_.push_back(action);
  }
  auto* button = new QToolButton(this);
  button->setText(tr("Show"));
  button->setToolTip(tr("Which kinds of message are animated and drawn"));
  button->setMenu(menu);
  button->setPopupMode(QToolButton::InstantPopup);
  addWidget(button);
}

void TreeControlBar::buildExport() {
  auto* menu = new QMenu(this);
  for (const QString& format : {QStringLiteral("PNG"), QStringLiteral("SVG")}) {
    menu->addAction(tr("%1 image…").arg(format), this, [this, format] {
      const QString suffix = format.toLower();
      const QString path = QFileDialog::getSaveFileName(
          this, tr("Export the tree view"), QStringLiteral("raintree-tree.%1").arg(suffix),
          tr("%1 image (*.%2)").arg(format, suffix));
      if (!path.isEmpty()) emit exportRequested(path);
    });
  }
  auto* button = new QToolButton(this);
  button->setIcon(QIcon(QStringLiteral(":/icons/export.svg")));
  button->setText(tr("Export"));
  button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  button->setMenu(menu);
  button->setPopupMode(QToolButton::InstantPopup);
  addWidget(button);
}

void TreeControlBar::setBroadcasts(const std::vector<Listed>& listed, MessageId selected) {
  const QSignalBlocker block(picker_);
  picker_->clear();
  picker_->addItem(tr("Follow latest"), QVariant::fromValue<qulonglong>(0));
  for (const Listed& entry : listed) {
    const QString id = shortBroadcastId(entry.id);
    const QString origin =
        entry.origin > 0 ? tr("from rank %1").arg(entry.origin) : tr("origin not seen");
    picker_->addItem(QStringLiteral("%1 · %2").arg(id, origin),
                     QVariant::fromValue<qulonglong>(entry.id.value));
  }
  const int index = picker_->findData(QVariant::fromValue<qulonglong>(selected.value));
  picker_->setCurrentIndex(std::max(index, 0));
}

bool TreeControlBar::pickerOpen() const {
  return picker_->view()->isVisible();
}

void TreeControlBar::showLayout(TreeView::Layout layout) {
  (layout == TreeView::Layout::ring ? ring_action_ : tree_action_)->setChecked(true);
}

void TreeControlBar::showPaused(bool paused) {
  if (pause_action_->isChecked() != paused) {
    const QSignalBlocker block(pause_action_);
    pause_action_->setChecked(paused);
  }
  pause_action_->setText(paused ? tr("Play") : tr("Pause"));
  pause_action_->setToolTip(paused ? tr("Resume the animation (Space)")
                                   : tr("Hold the animation; events keep queueing (Space)"));
  pause_action_->setIcon(
      QIcon(paused ? QStringLiteral(":/icons/resume.svg") : QStringLiteral(":/icons/pause.svg")));
}

void TreeControlBar::showSpeed(double speed) {
  speed_label_->setText(QStringLiteral("%1×").arg(speed, 0, 'f', 1));
  if (speed_slider_->value() != sliderOfSpeed(speed)) {
    const QSignalBlocker block(speed_slider_);
    speed_slider_->setValue(sliderOfSpeed(speed));
  }
}

void TreeControlBar::showKindVisible(EdgeKind kind, bool visible) {
  for (QAction* action : filter_actions_) {
    if (action->objectName() == filterName(kind) && action->isChecked() != visible) {
      const QSignalBlocker block(action);
      action->setChecked(visible);
    }
  }
}

}  // namespace rt::gui
