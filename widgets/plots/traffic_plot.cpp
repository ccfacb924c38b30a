#include "plots/traffic_plot.hpp"

#include <qcustomplot.h>
#include <QDateTime>
#include <algorithm>

#include "models/node_table_model.hpp"
#include "util/clock.hpp"

namespace rt::gui {

namespace {

constexpr double kMinSpanSeconds = 30;

QPen graphPen(const QColor& colour, Qt::PenStyle style) {
  QPen pen(colour);
  pen.setWidthF(2.0);
  pen.setStyle(style);
  return pen;
}

}  // namespace

TrafficPlot::TrafficPlot(QWidget* parent, std::size_t seconds)
    : PlotPanel(QStringLiteral("Cluster traffic"), QStringLiteral("cluster-traffic"), parent),
      series_(seconds),
      rect_(new QCPAxisRect(plot())),
      legend_(new QCPLegend) {
  QCustomPlot* p = plot();
  p->setAutoAddPlottableToLegend(false);
  addRectWithInsetLegend(rect_, legend_, Qt::AlignTop | Qt::AlignLeft);

  QCPAxis* x = rect_->axis(QCPAxis::atBottom);
  QCPAxis* y = rect_->axis(QCPAxis::atLeft);
  const QColor in_colour(0x1e, 0x6f, 0xd9);
  const QColor out_colour(0xef, 0x7d, 0x22);
  in_ = p->addGraph(x, y);
  in_->setName(tr("Received (bytes in, all nodes)"));
  in_->setPen(graphPen(in_colour, Qt::SolidLine));
  QColor fill = in_colour;
  fill.setAlpha(40);
  in_->setBrush(fill);
  out_ = p->addGraph(x, y);
  out_->setName(tr("Sent (bytes out, all nodes)"));
  out_->setPen(graphPen(out_colour, Qt::DashLine));
  in_->addToLegend(legend_);
  out_->addToLegend(legend_);

  x->setTicker(clockTicker());
  x->setLabel(tr("Time (local clock)"));
  y->setLabel(tr("Throughput (B/s)"));
  const double now = static_cast<double>(wall_micros()) / 1e6;
  x->setRange(now - static_cast<double>(seconds), now);
  y->setRange(0, 1024);

  setSummary(tr("Waiting for the first second of traffic…"));
  setAdvanceWhileHidden(true);
}

TrafficPlot::~TrafficPlot() = default;

void TrafficPlot::addSamples(const std::vector<cluster::NodeSample>& samples) {
  for (const cluster::NodeSample& sample : samples) {
    if (!sample.answering) continue;  // a silent node reports no counters
    series_.addSample(sample.rank, sample.time_us, sample.bytes_in, sample.bytes_out);
  }
}

void TrafficPlot::clear() {
  series_.clear();
  markDirty(true);
}

bool TrafficPlot::advance(Micros now_us) {
  if (!series_.advance(now_us)) return false;
  emit pointsAdded(static_cast<int>(series_.points().size()));
  return true;
}

void TrafficPlot::redraw() {
  const RingBuffer<TrafficPoint>& points = series_.points();
  double peak = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    peak = std::max({peak, points[i].bytes_in_per_s, points[i].bytes_out_per_s});
  }
  const RateUnit unit = rateUnitFor(peak);
  QVector<double> keys, in, out;
  keys.reserve(static_cast<qsizetype>(points.size()));
  in.reserve(keys.capacity());
  out.reserve(keys.capacity());
  for (std::size_t i = 0; i < points.size(); ++i) {
    keys.push_back(static_cast<double>(points[i].second));
    in.push_back(points[i].bytes_in_per_s / unit.divisor);
    out.push_back(points[i].bytes_out_per_s / unit.divisor);
  }
  in_->setData(keys, in, true);
  out_->setData(keys, out, true);
  QCPAxis* y = rect_->axis(QCPAxis::atLeft);
  y->setLabel(tr("Throughput (%1)").arg(unit.name));
  y->setRange(0, std::max(peak / unit.divisor * 1.15, 1.0));
  if (points.empty()) {
    setSummary(tr("Waiting for the first second of traffic…"));
    return;
  }
  // Up to the ring's length, but at least kMinSpanSeconds, so that a young session is not
  // squeezed into the right edge.
  const double end = static_cast<double>(points.back().second) + 1;
  const double span = std::clamp(static_cast<double>(points.size()), kMinSpanSeconds,
                                 static_cast<double>(points.capacity()));
  rect_->axis(QCPAxis::atBottom)->setRange(end - span, end);
  const TrafficPoint& last = points.back();
  setSummary(tr("Last second: <b>%1/s</b> received, <b>%2/s</b> sent · peak %3/s over the last "
                "%4 s")
                 .arg(formatBytes(last.bytes_in_per_s), formatBytes(last.bytes_out_per_s),
                      formatBytes(peak))
                 .arg(points.size()));
}

std::vector<QStringList> TrafficPlot::csvRows() const {
  std::vector<QStringList> rows{{QStringLiteral("unix_time_s"), QStringLiteral("local_time"),
                                 QStringLiteral("bytes_in_per_s"),
                                 QStringLiteral("bytes_out_per_s")}};
  const RingBuffer<TrafficPoint>& points = series_.points();
  for (std::size_t i = 0; i < points.size(); ++i) {
    const TrafficPoint& point = points[i];
    rows.push_back({QString::number(point.second),
                    QDateTime::fromSecsSinceEpoch(point.second).toString(Qt::ISODate),
                    QString::number(point.bytes_in_per_s, 'f', 1),
                    QString::number(point.bytes_out_per_s, 'f', 1)});
  }
  return rows;
}

}  // namespace rt::gui
