#include "views/inspector/inspector_window.hpp"

#include <QDateTime>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "models/event_log_model.hpp"
#include "models/node_table_model.hpp"

namespace rt::gui {

namespace {

constexpr int kPollMs = 1000;          // at most one inspect a second per window
constexpr int kAnswerGiveUpMs = 5000;  // ask again if an answer never came
constexpr int kMaxEngineText = 65536;  // characters of JSON shown for other modes

QString clock(Micros time_us) {
  return QDateTime::fromMSecsSinceEpoch(time_us / 1000).toString(QStringLiteral("HH:mm:ss.zzz"));
}

// Wide enough for each column's values and title; unlike resizeColumnsToContents() it keeps
// room for the sort arrow only where it shows, so that all columns fit a normal window.
void fitColumns(QTableView* view) {
  QHeaderView* header = view->horizontalHeader();
  QFont bold = header->font();
  bold.setBold(true);
  const QFontMetrics metrics(bold);
  for (int column = 0; column < header->count(); ++column) {
    const QString title = view->model()->headerData(column, Qt::Horizontal).toString();
    int width = std::max(static_cast<const QAbstractItemView*>(view)->sizeHintForColumn(column),
                         metrics.horizontalAdvance(title) + 16);
    if (column == header->sortIndicatorSection()) width += 16;
    header->resizeSection(column, width);
  }
}

QGroupBox* group(const QString& title, QWidget* parent) {
  auto* box = new QGroupBox(title, parent);
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(6, 6, 6, 6);
  layout->setSpacing(4);
  return box;
}

}  // namespace

InspectorWindow::InspectorWindow(const cluster::NodeInfo& node, const QString& mode,
                                 RankIndex ranks, QWidget* parent)
    : QWidget(parent, Qt::Tool),
      rank_(node.rank),
      peer_model_(new PeerTableModel(ranks, this)),
      header_(new QLabel(this)),
      counters_(new QLabel(this)),
      engine_status_(new QLabel(this)) {
  setObjectName(QStringLiteral("inspector%1").arg(rank_));
  setAttribute(Qt::WA_DeleteOnClose);
  title_ = tr("Rank %1 · %2 · %3 · %4 mode")
               .arg(rank_)
               .arg(QString::fromStdString(node.id.short_hex()), QString::fromStdString(node.role),
                    mode);
  setWindowTitle(tr("Inspector — rank %1").arg(rank_));
  header_->setTextFormat(Qt::RichText);
  header_->setToolTip(QString::fromStdString(node.id.hex()));
  counters_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  engine_status_->setWordWrap(true);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  QGroupBox* peers_box = group(tr("Peers"), splitter);
  peer_view_ = makeTable(peer_model_, QStringLiteral("inspectorPeers"));
  peer_view_->sortByColumn(PeerTableModel::PeerColumn, Qt::AscendingOrder);
  peers_box->layout()->addWidget(peer_view_);
  splitter->addWidget(peers_box);

  const bool advert = mode == QLatin1String("advert");
  QGroupBox* engine_box =
      group(advert ? tr("Advert queues, requests and pool") : tr("Engine"), splitter);
  engine_box->layout()->addWidget(engine_status_);
  if (advert) {
    advert_model_ = new AdvertQueueModel(std::move(ranks), this);
    pool_ = new QLabel(this);
    pool_->setWordWrap(true);
    pool_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    advert_view_ = makeTable(advert_model_, QStringLiteral("inspectorAdverts"));
    advert_view_->sortByColumn(AdvertQueueModel::PeerColumn, Qt::AscendingOrder);
    engine_box->layout()->addWidget(pool_);
    engine_box->layout()->addWidget(advert_view_);
  } else {
    engine_text_ = new QPlainTextEdit(this);
    engine_text_->setReadOnly(true);
    engine_text_->setFont(EventLogModel::timeFont());
    engine_text_->setMaximumBlockCount(4000);
    engine_box->layout()->addWidget(engine_text_);
  }
  splitter->addWidget(engine_box);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  engine_status_->setText(tr("Waiting for the node's engine snapshot…"));

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(8, 8, 8, 8);
  layout->setSpacing(6);
  layout->addWidget(header_);
  layout->addWidget(counters_);
  layout->addWidget(splitter, 1);
  applySample(cluster::NodeSample{}, NodeStatus::starting);
  // Titles first; the first rows widen the columns to their values.
  fitColumns(peer_view_);
  if (advert_view_) fitColumns(advert_view_);
  resize(1100, 700);

  poll_timer_.setInterval(kPollMs);
  connect(&poll_timer_, &QTimer::timeout, this, &InspectorWindow::poll);
}

QTableView* InspectorWindow::makeTable(QAbstractItemModel* model, const QString& name) {
  auto* proxy = new QSortFilterProxyModel(this);
  proxy->setSourceModel(model);
  proxy->setSortRole(PeerTableModel::SortRole);
  auto* view = new QTableView(this);
  view->setObjectName(name);
  view->setModel(proxy);
  view->setSortingEnabled(true);
  view->setSelectionBehavior(QAbstractItemView::SelectRows);
  view->setAlternatingRowColors(true);
  view->setShowGrid(false);
  view->setWordWrap(false);
  view->verticalHeader()->hide();
  view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
  view->horizontalHeader()->setStretchLastSection(true);
  view->horizontalHeader()->setHighlightSections(false);
  return view;
}

void InspectorWindow::applySample(const cluster::NodeSample& sample, NodeStatus status) {
  header_->setText(
      QStringLiteral("<b>%1</b> &nbsp; <span style=\"background-color:%2; color:white;\">"
                     "&nbsp;%3&nbsp;</span>")
          .arg(title_.toHtmlEscaped(), statusColor(status).name(), statusName(status)));
  if (sample.rank == 0) {
    counters_->setText(tr("No sample yet"));
    return;
  }
  counters_->setText(tr("pid %1 · peers %2 / %3 up · delivered %4 · duplicates %5 · drops %6 · "
                        "in %7 · out %8 · sampled %9")
                         .arg(sample.pid)
                         .arg(sample.peers_connected)
                         .arg(sample.peers.size())
                         .arg(sample.delivered)
                         .arg(sample.duplicates)
                         .arg(sample.drops)
                         .arg(formatBytes(double(sample.bytes_in)),
                              formatBytes(double(sample.bytes_out)), clock(sample.time_us)));
  peer_model_->applySample(sample);
  if (!peers_sized_ && peer_model_->rowCount() > 0) {
    fitColumns(peer_view_);
    peers_sized_ = true;
  }
}

void InspectorWindow::applyInspect(const cluster::InspectAnswer& answer) {
  asked_.invalidate();
  if (!answer.ok) {
    engine_status_->setText(
        tr("Engine snapshot unavailable: %1").arg(QString::fromStdString(answer.error)));
    return;
  }
  engine_status_->setText(tr("Engine snapshot at %1, asked about once a second while this "
                             "window is open")
                              .arg(clock(answer.time_us)));
  if (advert_model_) {
    if (!advert_model_->applyInspect(answer.engine)) {
      engine_status_->setText(tr("The node did not answer with an advert engine snapshot"));
      return;
    }
    QString pool = advertPoolSummary(answer.engine);
    // The engine lists only peers with state: say why the table may be empty.
    if (advert_model_->rowCount() == 0) {
      pool += tr(" · no peer has queued adverts, pending requests or unvalidated downloads now");
    }
    pool_->setText(pool);
    if (!adverts_sized_ && advert_model_->rowCount() > 0) {
      fitColumns(advert_view_);
      adverts_sized_ = true;
    }
    return;
  }
  QString text = QString::fromStdString(answer.engine.dump(2));
  if (text.size() > kMaxEngineText) text = text.left(kMaxEngineText) + tr("\n… (cut)");
  setEngineText(text);
}

void InspectorWindow::setEngineText(const QString& text) {
  if (engine_text_->toPlainText() == text) return;
  // Keep the reader's place across refreshes.
  const int scroll = engine_text_->verticalScrollBar()->value();
  engine_text_->setPlainText(text);
  engine_text_->verticalScrollBar()->setValue(scroll);
}

void InspectorWindow::setSessionLive(bool live) {
  live_ = live;
  if (!live) asked_.invalidate();
  if (live && isVisible()) poll();
}

void InspectorWindow::poll() {
  if (!live_ || !isVisible()) return;
  if (asked_.isValid() && asked_.elapsed() < kAnswerGiveUpMs) return;  // one in flight
  asked_.start();
  emit inspectRequested(rank_);
}

void InspectorWindow::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  poll_timer_.start();
  poll();
}

void InspectorWindow::hideEvent(QHideEvent* event) {
  poll_timer_.stop();
  QWidget::hideEvent(event);
}

}  // namespace rt::gui
