#include "views/inspector/deep_queue_dialog.hpp"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace rt::gui {

namespace {
constexpr int kRefreshMs = 1000;
constexpr std::size_t kMaxRows = 10000;
}  // namespace

DeepQueueDialog::DeepQueueDialog(Samples samples, QWidget* parent)
    : QDialog(parent, Qt::Tool),
      samples_(std::move(samples)),
      model_(new DeepQueueModel(this)),
      threshold_(new QSpinBox(this)),
      summary_(new QLabel(this)),
      view_(new QTableView(this)) {
  setObjectName(QStringLiteral("deepQueues"));
  setWindowTitle(tr("Find queues deeper than N"));
  summary_->setObjectName(QStringLiteral("deepQueueSummary"));
  threshold_->setRange(1, 1 << 24);
  threshold_->setValue(16);
  threshold_->setSuffix(tr(" frames"));
  threshold_->setToolTip(tr("List the outbound queues holding at least this many frames"));
  connect(threshold_, &QSpinBox::valueChanged, this, &DeepQueueDialog::refresh);

  auto* proxy = new QSortFilterProxyModel(this);
  proxy->setSourceModel(model_);
  proxy->setSortRole(DeepQueueModel::SortRole);
  view_->setObjectName(QStringLiteral("deepQueueTable"));
  view_->setModel(proxy);
  view_->setSortingEnabled(true);
  view_->sortByColumn(DeepQueueModel::QueueFramesColumn, Qt::DescendingOrder);
  view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  view_->setAlternatingRowColors(true);
  view_->setShowGrid(false);
  view_->verticalHeader()->hide();
  view_->horizontalHeader()->setStretchLastSection(true);
  view_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
  view_->setToolTip(tr("Double-click a row to inspect its node"));
  connect(view_, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex& index) {
    const int rank = index.data(DeepQueueModel::RankRole).toInt();
    if (rank > 0) emit inspectRequested(rank);
  });

  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel(tr("Outbound queue at least"), this));
  row->addWidget(threshold_);
  row->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row);
  layout->addWidget(summary_);
  layout->addWidget(view_, 1);
  resize(620, 420);

  refresh_timer_.setInterval(kRefreshMs);
  connect(&refresh_timer_, &QTimer::timeout, this, &DeepQueueDialog::refresh);
}

void DeepQueueDialog::setRankIndex(RankIndex ranks) {
  ranks_ = std::move(ranks);
  model_->clear();
  refresh();
}

void DeepQueueDialog::setThreshold(int frames) {
  threshold_->setValue(frames);
}

int DeepQueueDialog::threshold() const {
  return threshold_->value();
}

void DeepQueueDialog::refresh() {
  const auto& latest = samples_();
  DeepQueueSearch search =
      findDeepQueues(latest, static_cast<std::uint64_t>(threshold_->value()), ranks_, kMaxRows);
  const auto plural = [](std::size_t n, const char* one, const char* many) {
    return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
  };
  QString text = tr("%1 of at least %2 frames across %3, from their latest samples")
                     .arg(plural(search.matched, "queue", "queues"))
                     .arg(threshold_->value())
                     .arg(plural(static_cast<std::size_t>(search.nodes_searched), "answering node",
                                 "answering nodes"));
  if (search.matched > search.rows.size()) text += tr("; the deepest %1 shown").arg(kMaxRows);
  summary_->setText(text);
  model_->setRows(std::move(search.rows));
}

void DeepQueueDialog::showEvent(QShowEvent* event) {
  QDialog::showEvent(event);
  refresh();
  refresh_timer_.start();
}

void DeepQueueDialog::hideEvent(QHideEvent* event) {
  refresh_timer_.stop();
  QDialog::hideEvent(event);
}

}  // namespace rt::gui
