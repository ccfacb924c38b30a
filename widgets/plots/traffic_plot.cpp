#include "plots/traffic_plot.hpp"

#include <qcustomplot.h>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "models/node_table_model.hpp"
#include "plots/plot_export.hpp"
#include "util/clock.hpp"

namespace rt::gui {

namespace {

constexpr double kMinSpanSeconds = 30;

struct Unit {
  double divisor;
  const char* name;
};

Unit unitFor(double peak) {
  if (peak >= 1024.0 * 1024 * 1024) return {1024.0 * 1024 * 1024, "GiB/s"};
  if (peak >= 1024.0 * 1024) return {1024.0 * 1024, "MiB/s"};
  if (peak >= 1024.0) return {1024.0, "KiB/s"};
  return {1.0, "B/s"};
}

QPen graphPen(const QColor& colour, Qt::PenStyle style) {
  QPen pen(colour);
  pen.setWidthF(2.0);
  pen.setStyle(style);
  return pen;
}

}  // namespace

TrafficPlot::TrafficPlot(QWidget* parent, std::size_t seconds)
    : QWidget(parent),
      series_(seconds),
      plot_(new QCustomPlot(this)),
      summary_(new QLabel(this)),
      export_(new QToolButton(this)) {
  plot_->setObjectName(QStringLiteral("Cluster traffic"));
  plot_->setNoAntialiasingOnDrag(true);
  plot_->setPlottingHint(QCP::phCacheLabels, true);

  const QColor in_colour(0x1e, 0x6f, 0xd9);
  const QColor out_colour(0xef, 0x7d, 0x22);
  in_ = plot_->addGraph();
  in_->setName(tr("Received (bytes in, all nodes)"));
  in_->setPen(graphPen(in_colour, Qt::SolidLine));
  QColor fill = in_colour;
  fill.setAlpha(40);
  in_->setBrush(fill);
  out_ = plot_->addGraph();
  out_->setName(tr("Sent (bytes out, all nodes)"));
  out_->setPen(graphPen(out_colour, Qt::DashLine));

  auto ticker = QSharedPointer<QCPAxisTickerDateTime>::create();
  ticker->setDateTimeFormat(QStringLiteral("HH:mm:ss"));
  ticker->setTickCount(7);
  plot_->xAxis->setTicker(ticker);
  plot_->xAxis->setLabel(tr("Time (local clock)"));
  plot_->yAxis->setLabel(tr("Throughput (B/s)"));
  QFont label_font = font();
  label_font.setPointSizeF(label_font.pointSizeF() + 0.5);
  for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
    axis->setLabelFont(label_font);
    axis->setTickLabelFont(font());
    axis->grid()->setPen(QPen(QColor(0xdd, 0xe2, 0xe8), 1, Qt::DotLine));
  }
  const double now = static_cast<double>(wall_micros()) / 1e6;
  plot_->xAxis->setRange(now - static_cast<double>(seconds), now);
  plot_->yAxis->setRange(0, 1024);

  plot_->legend->setVisible(true);
  plot_->legend->setFont(font());
  plot_->legend->setBrush(QColor(255, 255, 255, 220));
  plot_->legend->setBorderPen(QPen(QColor(0xc0, 0xc8, 0xd0)));
  plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);

  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  auto* menu = new QMenu(this);
  addExportActions(menu, plot_, QStringLiteral("cluster-traffic"),
                   [this](const QString& path, QString* error) { return exportCsv(path, error); });
  connect(plot_, &QWidget::customContextMenuRequested, this,
          [this, menu](const QPoint& position) { menu->popup(plot_->mapToGlobal(position)); });
  export_->setText(tr("Export"));
  export_->setIcon(QIcon(QStringLiteral(":/icons/export.svg")));
  export_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  export_->setPopupMode(QToolButton::InstantPopup);
  export_->setMenu(menu);
  export_->setToolTip(tr("Save the plot as PNG, SVG or PDF, or its data as CSV"));

  summary_->setText(tr("Waiting for the first second of traffic…"));
  auto* header = new QHBoxLayout;
  header->addWidget(summary_, 1);
  header->addWidget(export_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(2);
  layout->addLayout(header);
  layout->addWidget(plot_, 1);

  connect(&timer_, &QTimer::timeout, this, [this] { tick(wall_micros()); });
  setRefreshRate(10);
  timer_.start();
}

TrafficPlot::~TrafficPlot() = default;

void TrafficPlot::setRefreshRate(int per_second) {
  timer_.setInterval(1000 / std::clamp(per_second, 1, 20));
}

void TrafficPlot::addSamples(const std::vector<cluster::NodeSample>& samples) {
  for (const cluster::NodeSample& sample : samples) {
    if (!sample.answering) continue;  // a silent node reports no counters
    series_.addSample(sample.rank, sample.time_us, sample.bytes_in, sample.bytes_out);
  }
}

void TrafficPlot::clear() {
  series_.clear();
  dirty_ = true;
  refresh();
}

void TrafficPlot::tick(Micros now_us) {
  if (series_.advance(now_us)) {
    dirty_ = true;
    emit pointsAdded(static_cast<int>(series_.points().size()));
  }
  refresh();
}

void TrafficPlot::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  refresh();  // catches up on what arrived while hidden
}

void TrafficPlot::refresh() {
  if (!dirty_ || !isVisible()) return;
  dirty_ = false;
  const RingBuffer<TrafficPoint>& points = series_.points();
  double peak = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    peak = std::max({peak, points[i].bytes_in_per_s, points[i].bytes_out_per_s});
  }
  const Unit unit = unitFor(peak);
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
  plot_->yAxis->setLabel(tr("Throughput (%1)").arg(QLatin1String(unit.name)));
  const double top = std::max(peak / unit.divisor * 1.15, 1.0);
  plot_->yAxis->setRange(0, top);
  if (!points.empty()) {
    // Up to the ring's length, but at least kMinSpanSeconds, so that a young session is not
    // squeezed into the right edge.
    const double end = static_cast<double>(points.back().second) + 1;
    const double span = std::clamp(static_cast<double>(points.size()), kMinSpanSeconds,
                                   static_cast<double>(points.capacity()));
    plot_->xAxis->setRange(end - span, end);
    const TrafficPoint& last = points.back();
    summary_->setText(tr("Last second: <b>%1/s</b> received, <b>%2/s</b> sent · peak %3/s over "
                         "the last %4 s")
                          .arg(formatBytes(last.bytes_in_per_s), formatBytes(last.bytes_out_per_s),
                               formatBytes(peak))
                          .arg(points.size()));
  } else {
    summary_->setText(tr("Waiting for the first second of traffic…"));
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
  ++replots_;
}

bool TrafficPlot::exportPng(const QString& path, QString* error) {
  dirty_ = true;
  refresh();
  return savePlotPng(plot_, path, error);
}

bool TrafficPlot::exportSvg(const QString& path, QString* error) {
  return savePlotSvg(plot_, path, error);
}

bool TrafficPlot::exportPdf(const QString& path, QString* error) {
  return savePlotPdf(plot_, path, error);
}

bool TrafficPlot::exportCsv(const QString& path, QString* error) const {
  std::vector<QStringList> rows{{"unix_time_s", "local_time", "bytes_in_per_s", "bytes_out_per_s"}};
  const RingBuffer<TrafficPoint>& points = series_.points();
  for (std::size_t i = 0; i < points.size(); ++i) {
    const TrafficPoint& point = points[i];
    rows.push_back({QString::number(point.second),
                    QDateTime::fromSecsSinceEpoch(point.second).toString(Qt::ISODate),
                    QString::number(point.bytes_in_per_s, 'f', 1),
                    QString::number(point.bytes_out_per_s, 'f', 1)});
  }
  return saveCsv(path, rows, error);
}

}  // namespace rt::gui
