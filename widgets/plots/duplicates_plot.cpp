#include "plots/duplicates_plot.hpp"

#include <qcustomplot.h>
#include <QCheckBox>
#include <QHBoxLayout>
#include <algorithm>

namespace rt::gui {

namespace {

const QColor kDuplicateColour(0xd6, 0x5f, 0x27);
const QColor kDeliveredColour(0x5b, 0x9b, 0x6b);

void styleBars(QCPBars* bars, const QColor& colour) {
  bars->setPen(QPen(colour.darker(130), 1));
  QColor fill = colour;
  fill.setAlpha(200);
  bars->setBrush(fill);
}

}  // namespace

DuplicatesPlot::DuplicatesPlot(QWidget* parent)
    : PlotPanel(QStringLiteral("Duplicates per node"), QStringLiteral("duplicates"), parent),
      rect_(new QCPAxisRect(plot())),
      legend_(new QCPLegend),
      delivered_box_(new QCheckBox(tr("Show delivered"), this)) {
  QCustomPlot* p = plot();
  p->setAutoAddPlottableToLegend(false);
  addLegendRow(legend_);
  p->plotLayout()->addElement(1, 0, rect_);
  styleAxisRect(rect_);

  QCPAxis* x = rect_->axis(QCPAxis::atBottom);
  QCPAxis* y = rect_->axis(QCPAxis::atLeft);
  auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
  ticker->setTickStep(1);
  ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);  // whole ranks only
  ticker->setTickCount(16);
  x->setTicker(ticker);
  x->setLabel(tr("Node rank"));
  x->grid()->setVisible(false);
  y->setLabel(tr("Copies since node start"));
  y->setRange(0, 10);

  duplicates_ = new QCPBars(x, y);
  duplicates_->setName(tr("Duplicate copies received"));
  styleBars(duplicates_, kDuplicateColour);
  delivered_ = new QCPBars(x, y);
  delivered_->setName(tr("Broadcasts delivered"));
  styleBars(delivered_, kDeliveredColour);
  group_ = new QCPBarsGroup(p);
  group_->setSpacingType(QCPBarsGroup::stAbsolute);
  group_->setSpacing(1);
  duplicates_->addToLegend(legend_);

  delivered_box_->setToolTip(tr("Show each node's deliveries beside its duplicates"));
  connect(delivered_box_, &QCheckBox::toggled, this, &DuplicatesPlot::setShowDelivered);
  controls()->addWidget(delivered_box_);
  none_ = new QCPItemText(p);
  none_->setClipAxisRect(rect_);
  none_->position->setAxisRect(rect_);
  none_->position->setType(QCPItemPosition::ptAxisRectRatio);
  // In the headroom above the tallest bar (the range leaves 12 %), on a box of its own.
  none_->position->setCoords(0.5, 0.015);
  none_->setPositionAlignment(Qt::AlignTop | Qt::AlignHCenter);
  none_->setPadding(QMargins(6, 2, 6, 2));
  none_->setBrush(QColor(255, 255, 255, 235));
  none_->setPen(QPen(QColor(0xc0, 0xc8, 0xd0)));
  none_->setText(tr("No duplicate copies so far: every copy a node received was new to it"));
  none_->setColor(QColor(0x5f, 0x6b, 0x78));
  none_->setVisible(false);
  setShowDelivered(show_delivered_);
  setSummary(tr("Waiting for the nodes' counters…"));
}

DuplicatesPlot::~DuplicatesPlot() = default;

void DuplicatesPlot::setNodeCount(int nodes) {
  counts_.setNodeCount(nodes);
  markDirty(true);
}

void DuplicatesPlot::addSamples(const std::vector<cluster::NodeSample>& samples) {
  if (counts_.addSamples(samples)) markDirty();
}

void DuplicatesPlot::clear() {
  counts_.clear();
  markDirty(true);
}

void DuplicatesPlot::setShowDelivered(bool show) {
  show_delivered_ = show;
  delivered_box_->setChecked(show);
  group_->clear();
  if (show) {
    group_->append(duplicates_);
    group_->append(delivered_);
    delivered_->addToLegend(legend_);
  } else {
    delivered_->removeFromLegend(legend_);
  }
  duplicates_->setWidth(show ? 0.4 : 0.7);
  delivered_->setWidth(0.4);
  delivered_->setVisible(show);
  markDirty(true);
}

void DuplicatesPlot::redraw() {
  const std::vector<DuplicateBar> bars = counts_.bars();
  QVector<double> ranks, duplicates, delivered;
  double peak = 0;
  const DuplicateBar* most = nullptr;
  for (const DuplicateBar& bar : bars) {
    ranks.push_back(bar.rank);
    duplicates.push_back(static_cast<double>(bar.duplicates));
    delivered.push_back(static_cast<double>(bar.delivered));
    peak = std::max(peak, static_cast<double>(bar.duplicates));
    if (show_delivered_) peak = std::max(peak, static_cast<double>(bar.delivered));
    if (bar.duplicates > 0 && (!most || bar.duplicates > most->duplicates)) most = &bar;
  }
  duplicates_->setData(ranks, duplicates, true);
  delivered_->setData(ranks, delivered, true);
  QCPAxis* x = rect_->axis(QCPAxis::atBottom);
  const double last = bars.empty() ? 1 : bars.back().rank;
  x->setRange(0.4, last + 0.6);
  rect_->axis(QCPAxis::atLeft)->setRange(0, std::max(peak * 1.12, 5.0));  // headroom
  rect_->axis(QCPAxis::atLeft)
      ->setLabel(show_delivered_ ? tr("Count since node start")
                                 : tr("Duplicate copies since node start"));

  const std::uint64_t total = counts_.totalDuplicates();
  const std::uint64_t deliveries = counts_.totalDelivered();
  none_->setVisible(
      total == 0 &&
      std::any_of(bars.begin(), bars.end(), [](const DuplicateBar& bar) { return bar.reported; }));
  QString text = tr("<b>%1</b> duplicate copies over %2 nodes").arg(total).arg(bars.size());
  if (deliveries > 0) {
    text += tr(" · %1 per delivery")
                .arg(static_cast<double>(total) / static_cast<double>(deliveries), 0, 'f', 2);
  }
  if (most) text += tr(" · most at node %1 (%2)").arg(most->rank).arg(most->duplicates);
  setSummary(bars.empty() ? tr("Waiting for the nodes' counters…") : text);
}

std::vector<QStringList> DuplicatesPlot::csvRows() const {
  std::vector<QStringList> rows;
  rows.push_back({QStringLiteral("rank"), QStringLiteral("duplicates"), QStringLiteral("delivered"),
                  QStringLiteral("reported")});
  for (const DuplicateBar& bar : counts_.bars()) {
    rows.push_back({QString::number(bar.rank), QString::number(bar.duplicates),
                    QString::number(bar.delivered),
                    bar.reported ? QStringLiteral("true") : QStringLiteral("false")});
  }
  return rows;
}

}  // namespace rt::gui
