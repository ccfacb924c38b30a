#include "plots/bandwidth_plot.hpp"

#include <qcustomplot.h>
#include <QComboBox>
#include <QHBoxLayout>
#include <QSpinBox>
#include <algorithm>

namespace rt::gui {

namespace {

constexpr double kMinSpanSeconds = 30;

QCPGraph* addLine(QCustomPlot* plot, QCPAxisRect* rect) {
  QCPGraph* graph = plot->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  graph->setVisible(false);
  return graph;
}

}  // namespace

BandwidthPlot::BandwidthPlot(QWidget* parent, std::size_t seconds)
    : PlotPanel(QStringLiteral("Bandwidth"), QStringLiteral("bandwidth"), parent),
      series_(seconds),
      in_rect_(new QCPAxisRect(plot())),
      out_rect_(new QCPAxisRect(plot())),
      legend_(new QCPLegend),
      mode_box_(new QComboBox(this)),
      top_box_(new QSpinBox(this)) {
  QCustomPlot* p = plot();
  p->setAutoAddPlottableToLegend(false);
  // A legend row above two stacked rects that share the time axis: the legend never covers
  // a line, and received and sent use the same colours.
  addLegendRow(legend_);
  p->plotLayout()->addElement(1, 0, in_rect_);
  p->plotLayout()->addElement(2, 0, out_rect_);
  p->plotLayout()->setRowSpacing(2);

  auto* margins = new QCPMarginGroup(p);
  const QSharedPointer<QCPAxisTicker> ticker = clockTicker();
  for (QCPAxisRect* rect : {in_rect_, out_rect_}) {
    styleAxisRect(rect);
    rect->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    rect->axis(QCPAxis::atBottom)->setTicker(ticker);
    rect->axis(QCPAxis::atLeft)->setRange(0, 1024);
    for (int i = 0; i <= kMaxTop; ++i) {
      (rect == in_rect_ ? in_graphs_ : out_graphs_).push_back(addLine(p, rect));
    }
  }
  in_rect_->axis(QCPAxis::atBottom)->setTickLabels(false);  // the lower rect names the times
  out_rect_->axis(QCPAxis::atBottom)->setLabel(tr("Time (local clock)"));
  for (QCPGraph* graph : in_graphs_) graph->addToLegend(legend_);

  mode_box_->addItem(tr("Peers of selected node"), static_cast<int>(BandwidthSeries::Mode::peers));
  mode_box_->addItem(tr("Busiest nodes"), static_cast<int>(BandwidthSeries::Mode::nodes));
  mode_box_->setToolTip(
      tr("Lines per peer of the node selected in the Cluster panel, or per "
         "node of the cluster"));
  connect(mode_box_, &QComboBox::activated, this, [this](int index) {
    setMode(static_cast<BandwidthSeries::Mode>(mode_box_->itemData(index).toInt()));
  });
  top_box_->setRange(1, kMaxTop);
  top_box_->setValue(k_);
  top_box_->setPrefix(tr("top "));
  top_box_->setToolTip(tr("Lines shown by current rate; the rest are summed as \"other\""));
  connect(top_box_, &QSpinBox::valueChanged, this, &BandwidthPlot::setTopCount);
  controls()->addWidget(mode_box_);
  controls()->addWidget(top_box_);
  setSummary(tr("Waiting for the first second of traffic…"));
}

BandwidthPlot::~BandwidthPlot() = default;

void BandwidthPlot::setNodes(const std::vector<NodeId>& ids_by_rank) {
  series_.setRanks(ids_by_rank);
  clear();
}

void BandwidthPlot::addSamples(const std::vector<cluster::NodeSample>& samples) {
  series_.addSamples(samples);  // drawn once a second closes (advance)
}

void BandwidthPlot::clear() {
  series_.clear();
  colours_.clear();
  markDirty(true);
}

void BandwidthPlot::setSelectedRank(std::optional<int> rank) {
  if (rank == selected_) return;
  selected_ = rank;
  series_.keepPeersOf(rank);
  if (mode_ == BandwidthSeries::Mode::peers) markDirty(true);
}

void BandwidthPlot::setMode(BandwidthSeries::Mode mode) {
  if (mode == mode_) return;
  mode_ = mode;
  mode_box_->setCurrentIndex(mode_box_->findData(static_cast<int>(mode)));
  colours_.clear();
  markDirty(true);
}

void BandwidthPlot::setTopCount(int k) {
  k = std::clamp(k, 1, kMaxTop);
  if (k == k_) return;
  k_ = k;
  top_box_->setValue(k);
  markDirty(true);
}

std::vector<BandwidthLine> BandwidthPlot::lines() const {
  return series_.top(mode_, shownRank(), static_cast<std::size_t>(k_));
}

QString BandwidthPlot::label(const BandwidthLine& line) const {
  const bool peers = mode_ == BandwidthSeries::Mode::peers;
  if (line.other) {
    const QString what =
        line.summed == 1 ? (peers ? tr("peer") : tr("node")) : (peers ? tr("peers") : tr("nodes"));
    return tr("other (%1 %2)").arg(line.summed).arg(what);
  }
  if (line.rank > 0) return tr("node %1").arg(line.rank);
  return tr("peer %1").arg(QString::fromStdString(line.peer.short_hex()));
}

bool BandwidthPlot::advance(Micros now_us) {
  return series_.advance(now_us);
}

void BandwidthPlot::redraw() {
  const std::vector<BandwidthLine> shown = lines();
  QStringList keys;
  for (const BandwidthLine& line : shown) {
    if (!line.other) keys << label(line);
  }
  colours_.update(keys);
  double peak = 0;
  std::int64_t last_second = 0;
  std::size_t longest = 0;
  for (const BandwidthLine& line : shown) {
    for (const TrafficPoint& point : line.points) {
      peak = std::max({peak, point.bytes_in_per_s, point.bytes_out_per_s});
    }
    if (!line.points.empty()) last_second = std::max(last_second, line.points.back().second);
    longest = std::max(longest, line.points.size());
  }
  const RateUnit unit = rateUnitFor(peak);
  for (std::size_t i = 0; i < in_graphs_.size(); ++i) {
    QCPGraph* in = in_graphs_[i];
    QCPGraph* out = out_graphs_[i];
    if (i >= shown.size()) {
      for (QCPGraph* graph : {in, out}) {
        graph->data()->clear();
        graph->setVisible(false);
      }
      in->removeFromLegend(legend_);
      continue;
    }
    const BandwidthLine& line = shown[i];
    QVector<double> keys, in_values, out_values;
    for (const TrafficPoint& point : line.points) {
      keys.push_back(static_cast<double>(point.second));
      in_values.push_back(point.bytes_in_per_s / unit.divisor);
      out_values.push_back(point.bytes_out_per_s / unit.divisor);
    }
    const QString name = label(line);
    QPen pen(line.other ? otherColour() : seriesColour(colours_.index(name)));
    pen.setWidthF(line.other ? 1.5 : 2.0);
    if (line.other) pen.setStyle(Qt::DashLine);
    in->setData(keys, in_values, true);
    out->setData(keys, out_values, true);
    for (QCPGraph* graph : {in, out}) {
      graph->setPen(pen);
      graph->setName(name);
      graph->setVisible(true);
    }
    in->addToLegend(legend_);  // no-op when already there; keeps the order of `shown`
  }
  // Legend order follows the graphs' order, which is the rate order.
  legend_->setVisible(!shown.empty());

  const double top = std::max(peak / unit.divisor * 1.15, 1.0);
  in_rect_->axis(QCPAxis::atLeft)->setRange(0, top);
  out_rect_->axis(QCPAxis::atLeft)->setRange(0, top);
  // Exported images have no header: the axis names whose peers these are.
  const bool peers = mode_ == BandwidthSeries::Mode::peers;
  in_rect_->axis(QCPAxis::atLeft)
      ->setLabel(peers ? tr("Node %1 received (%2)").arg(shownRank()).arg(unit.name)
                       : tr("Received (%1)").arg(unit.name));
  out_rect_->axis(QCPAxis::atLeft)
      ->setLabel(peers ? tr("Node %1 sent (%2)").arg(shownRank()).arg(unit.name)
                       : tr("Sent (%1)").arg(unit.name));
  if (longest > 0) {
    // Up to two minutes, but at least kMinSpanSeconds so a young session is not squeezed.
    const double end = static_cast<double>(last_second) + 1;
    const double span = std::clamp(static_cast<double>(longest), kMinSpanSeconds, 120.0);
    for (QCPAxisRect* rect : {in_rect_, out_rect_}) {
      rect->axis(QCPAxis::atBottom)->setRange(end - span, end);
    }
  }

  int total = 0;  // lines of the mode, shown or summed in "other"
  for (const BandwidthLine& line : shown) total += line.other ? line.summed : 1;
  if (mode_ == BandwidthSeries::Mode::nodes) {
    setSummary(shown.empty() ? tr("Waiting for the first second of traffic…")
                             : tr("Busiest <b>%1</b> of %2 nodes by current rate (received and "
                                  "sent per second)")
                                   .arg(std::min<int>(k_, total))
                                   .arg(total));
  } else {
    const QString node = selected_ ? tr("<b>node %1</b>").arg(*selected_)
                                   : tr("<b>node 1</b> (select a node in the Cluster panel)");
    setSummary(shown.empty() ? tr("Peers of %1: waiting for the first second of traffic…").arg(node)
                             : tr("Peers of %1: busiest %2 of %3 by current rate")
                                   .arg(node)
                                   .arg(std::min<int>(k_, total))
                                   .arg(total));
  }
}

std::vector<QStringList> BandwidthPlot::csvRows() const {
  std::vector<QStringList> rows;
  rows.push_back({QStringLiteral("unix_time_s"), QStringLiteral("series"),
                  QStringLiteral("bytes_in_per_s"), QStringLiteral("bytes_out_per_s")});
  for (const BandwidthLine& line : lines()) {
    const QString name = label(line);
    for (const TrafficPoint& point : line.points) {
      rows.push_back({QString::number(point.second), name,
                      QString::number(point.bytes_in_per_s, 'f', 1),
                      QString::number(point.bytes_out_per_s, 'f', 1)});
    }
  }
  return rows;
}

}  // namespace rt::gui
