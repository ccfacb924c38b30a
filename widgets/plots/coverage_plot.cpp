#include "plots/coverage_plot.hpp"

#include <qcustomplot.h>
#include <algorithm>

namespace rt::gui {

namespace {

// Like the tree view names broadcasts.
QString shortId(MessageId id) {
  return QString::fromStdString(to_string(id)).left(8);
}

}  // namespace

CoveragePlot::CoveragePlot(QWidget* parent, std::size_t broadcasts)
    : PlotPanel(QStringLiteral("Coverage over time"), QStringLiteral("coverage"), parent),
      series_(broadcasts),
      rect_(new QCPAxisRect(plot())),
      legend_(new QCPLegend) {
  QCustomPlot* p = plot();
  p->setAutoAddPlottableToLegend(false);
  // Curves climb to the top left: the lower right corner is where the legend hides nothing.
  addRectWithInsetLegend(rect_, legend_, Qt::AlignBottom | Qt::AlignRight);

  QCPAxis* x = rect_->axis(QCPAxis::atBottom);
  QCPAxis* y = rect_->axis(QCPAxis::atLeft);
  x->setLabel(tr("Time since origination (ms)"));
  y->setLabel(tr("Fraction of nodes delivered"));
  auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
  ticker->setTickStep(0.25);
  ticker->setScaleStrategy(QCPAxisTickerFixed::ssNone);
  y->setTicker(ticker);
  y->setRange(0, 1.05);
  x->setRange(0, 10);
  for (std::size_t i = 0; i < std::max<std::size_t>(broadcasts, 1); ++i) {
    QCPGraph* graph = p->addGraph(x, y);
    graph->setLineStyle(QCPGraph::lsStepLeft);  // coverage rises at each delivery
    graph->setVisible(false);
    graphs_.push_back(graph);
  }
  setSummary(tr("Waiting for a broadcast…"));
}

CoveragePlot::~CoveragePlot() = default;

QCPGraph* CoveragePlot::graph(int index) const {
  return index >= 0 && index < static_cast<int>(graphs_.size()) ? graphs_[index] : nullptr;
}

void CoveragePlot::setNodeCount(int nodes) {
  series_.setNodeCount(nodes);
  clear();
}

void CoveragePlot::addEvents(const std::vector<cluster::RankedEvent>& events) {
  if (series_.add(events)) markDirty();
}

void CoveragePlot::clear() {
  series_.clear();
  colours_.clear();
  markDirty(true);
}

void CoveragePlot::redraw() {
  const std::vector<CoverageCurve> curves = series_.curves();
  QStringList keys;
  for (const CoverageCurve& curve : curves) keys << QString::fromStdString(to_string(curve.id));
  colours_.update(keys);
  double last_ms = 0;
  for (std::size_t i = 0; i < graphs_.size(); ++i) {
    QCPGraph* graph = graphs_[i];
    graph->removeFromLegend(legend_);
    if (i >= curves.size()) {
      graph->data()->clear();
      graph->setVisible(false);
      continue;
    }
    const CoverageCurve& curve = curves[i];
    QVector<double> ms, fraction;
    for (const CoveragePoint& point : curve.points) {
      ms.push_back(point.ms);
      fraction.push_back(point.fraction);
    }
    graph->setData(ms, fraction, true);
    last_ms = std::max(last_ms, curve.lastMs());
    // The newest broadcast is drawn boldest; older ones step back.
    const bool newest = i + 1 == curves.size();
    QColor colour = seriesColour(colours_.index(keys[static_cast<int>(i)]));
    if (!newest) colour.setAlpha(170);
    QPen pen(colour);
    pen.setWidthF(newest ? 2.5 : 1.5);
    graph->setPen(pen);
    graph->setScatterStyle(curve.points.size() <= 64
                               ? QCPScatterStyle(QCPScatterStyle::ssDisc, colour, newest ? 5 : 4)
                               : QCPScatterStyle());
    const QString origin = curve.origin > 0 ? tr("node %1").arg(curve.origin) : tr("node ?");
    graph->setName(tr("%1 from %2: %3% in %4 ms")
                       .arg(shortId(curve.id), origin)
                       .arg(curve.fraction() * 100, 0, 'f', 0)
                       .arg(curve.lastMs(), 0, 'f', 1));
    graph->setVisible(true);
    graph->addToLegend(legend_);
  }
  legend_->setVisible(!curves.empty());
  rect_->axis(QCPAxis::atBottom)->setRange(0, std::max(last_ms * 1.08, 1.0));

  if (curves.empty()) {
    setSummary(tr("Waiting for a broadcast…"));
    return;
  }
  const CoverageCurve& newest = curves.back();
  setSummary(tr("Last %1 broadcasts · newest %2: <b>%3</b> nodes delivered, the last after "
                "<b>%4 ms</b>")
                 .arg(curves.size())
                 .arg(shortId(newest.id))
                 .arg(newest.delivered)
                 .arg(newest.lastMs(), 0, 'f', 1));
}

std::vector<QStringList> CoveragePlot::csvRows() const {
  std::vector<QStringList> rows;
  rows.push_back({QStringLiteral("broadcast_id"), QStringLiteral("origin_rank"),
                  QStringLiteral("ms_since_origination"), QStringLiteral("fraction_delivered")});
  for (const CoverageCurve& curve : series_.curves()) {
    const QString id = QString::fromStdString(to_string(curve.id));
    for (const CoveragePoint& point : curve.points) {
      rows.push_back({id, QString::number(curve.origin), QString::number(point.ms, 'f', 3),
                      QString::number(point.fraction, 'f', 4)});
    }
  }
  return rows;
}

}  // namespace rt::gui
