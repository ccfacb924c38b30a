#include "plots/compare_plot.hpp"

#include <qcustomplot.h>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QMessageBox>
#include <QToolButton>
#include <algorithm>
#include <cmath>

namespace rt::gui {

namespace {

bool logScale(CompareMetric metric) {
  // Bytes and times grow with the payload size by orders of magnitude across a sweep.
  return metric == CompareMetric::wire_bytes || metric == CompareMetric::last_delivery_ms;
}

std::size_t indexOf(CompareMetric metric) {
  return static_cast<std::size_t>(
      std::find(kCompareMetrics.begin(), kCompareMetrics.end(), metric) - kCompareMetrics.begin());
}

}  // namespace

ComparePlot::ComparePlot(QWidget* parent)
    : PlotPanel(QStringLiteral("Mode comparison"), QStringLiteral("compare"), parent),
      legend_(new QCPLegend) {
  QCustomPlot* p = plot();
  p->setAutoAddPlottableToLegend(false);
  addLegendRow(legend_);
  // One cell per metric: a title over its axis rect. The cells wrap 2 x 2, or 4 in a row
  // when the panel is wide and low (the bottom dock): see resizeEvent().
  grid_ = new QCPLayoutGrid;
  p->plotLayout()->addElement(1, 0, grid_);
  grid_->setFillOrder(QCPLayoutGrid::foColumnsFirst, false);
  grid_->setWrap(2);
  legend_->setVisible(false);
  auto* margins = new QCPMarginGroup(p);
  QFont title_font = font();
  title_font.setBold(true);

  for (std::size_t m = 0; m < kCompareMetrics.size(); ++m) {
    const CompareMetric metric = kCompareMetrics[m];
    auto* cell = new QCPLayoutGrid;
    grid_->addElement(cell);
    auto* rect = new QCPAxisRect(p);
    cell->addElement(0, 0, new QCPTextElement(p, compareMetricTitle(metric), title_font));
    cell->addElement(1, 0, rect);
    cell->setRowStretchFactor(0, 0.001);
    cell->setRowSpacing(0);
    styleAxisRect(rect);
    rect->setMarginGroup(QCP::msLeft, margins);
    QCPAxis* x = rect->axis(QCPAxis::atBottom);
    QCPAxis* y = rect->axis(QCPAxis::atLeft);
    x->grid()->setVisible(false);  // sizes are categories, "256 B" names itself
    x->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    x->setRange(0.5, 1.5);
    if (logScale(metric)) {
      y->setScaleType(QCPAxis::stLogarithmic);
      y->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
      y->setNumberFormat(QStringLiteral("eb"));  // 10⁶ rather than 1e+06
      y->setNumberPrecision(0);
      y->setRange(1, 1000);
    } else {
      y->setRange(0, metric == CompareMetric::coverage ? 1.05 : 1);
    }
    y->ticker()->setTickCount(4);  // legible in a low dock too
    rects_[m] = rect;
    groups_[m] = new QCPBarsGroup(p);
    groups_[m]->setSpacingType(QCPBarsGroup::stAbsolute);
    groups_[m]->setSpacing(2);
  }

  auto* open = new QToolButton(this);
  open->setText(tr("Open…"));
  open->setToolTip(tr("Open the JSON written by `raintree-lab compare --json FILE`"));
  connect(open, &QToolButton::clicked, this, &ComparePlot::openWithDialog);
  controls()->addWidget(open);
  setSummary(
      tr("Open a comparison written by <code>raintree-lab compare --json FILE</code> "
         "(File ▸ Open comparison…)"));
}

ComparePlot::~ComparePlot() = default;

void ComparePlot::resizeEvent(QResizeEvent* event) {
  PlotPanel::resizeEvent(event);
  const int columns = width() > 2.4 * height() ? 4 : 2;
  if (columns == grid_->wrap()) return;
  grid_->setWrap(columns);
  grid_->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);  // re-places the cells
  markDirty(true);
}

bool ComparePlot::load(const QString& path, QString* error) {
  QString reason;
  std::optional<CompareData> data = CompareData::load(path, &reason);
  if (!data) {
    error_ = reason;
    if (error) *error = reason;
    markDirty(true);
    return false;
  }
  error_.clear();
  data_ = std::move(data);
  source_ = QFileInfo(path).fileName();
  last_dir_ = QFileInfo(path).absolutePath();
  rebuild();
  markDirty(true);
  return true;
}

bool ComparePlot::openWithDialog() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open comparison"), last_dir_.isEmpty() ? QDir::homePath() : last_dir_,
      tr("Comparison JSON (*.json);;All files (*)"));
  if (path.isEmpty()) return false;
  QString error;
  if (load(path, &error)) return true;
  QMessageBox::warning(this, tr("Cannot open comparison"), error);
  return false;
}

QCPBars* ComparePlot::bars(CompareMetric metric, const QString& mode) const {
  for (const auto& [name, bars] : bars_) {
    if (name == mode) return bars[indexOf(metric)];
  }
  return nullptr;
}

void ComparePlot::rebuild() {
  QCustomPlot* p = plot();
  for (auto& [mode, bars] : bars_) {
    for (QCPBars* b : bars) p->removePlottable(b);  // also leaves its group and the legend
  }
  bars_.clear();
  const std::vector<qint64> sizes = data_->sizes();
  const QStringList modes = data_->modes();
  const double width = 0.8 / static_cast<double>(std::max<qsizetype>(modes.size(), 1));
  for (std::size_t m = 0; m < kCompareMetrics.size(); ++m) {
    QCPAxis* x = rects_[m]->axis(QCPAxis::atBottom);
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      ticker->addTick(static_cast<double>(i + 1), formatSize(sizes[i]));
    }
    x->setTicker(ticker);
    x->setRange(0.5, static_cast<double>(sizes.size()) + 0.5);
  }
  for (qsizetype mi = 0; mi < modes.size(); ++mi) {
    std::array<QCPBars*, kCompareMetrics.size()> row{};
    for (std::size_t m = 0; m < kCompareMetrics.size(); ++m) {
      auto* bars =
          new QCPBars(rects_[m]->axis(QCPAxis::atBottom), rects_[m]->axis(QCPAxis::atLeft));
      bars->setName(modes[mi]);
      const QColor colour = seriesColour(static_cast<int>(mi));
      bars->setPen(QPen(colour.darker(130), 1));
      bars->setBrush(colour);
      bars->setWidth(width);
      bars->setBarsGroup(groups_[m]);
      row[m] = bars;
    }
    row[0]->addToLegend(legend_);  // one legend for the four panels: colours are per mode
    bars_.emplace_back(modes[mi], row);
  }
}

void ComparePlot::redraw() {
  if (!data_) {
    legend_->setVisible(false);
    if (!error_.isEmpty()) {
      setSummary(
          QStringLiteral("<span style='color:#b03a2e'>%1</span>").arg(error_.toHtmlEscaped()));
    }
    return;
  }
  const std::vector<qint64> sizes = data_->sizes();
  for (std::size_t m = 0; m < kCompareMetrics.size(); ++m) {
    const CompareMetric metric = kCompareMetrics[m];
    double low = std::numeric_limits<double>::infinity();
    double high = 0;
    for (const auto& [mode, bars] : bars_) {
      QVector<double> keys, values;
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        const CompareRow* row = data_->row(mode, sizes[i]);
        if (!row) continue;  // a mode missing at a size leaves a gap
        const double value = data_->value(*row, metric);
        keys.push_back(static_cast<double>(i + 1));
        values.push_back(value);
        high = std::max(high, value);
        if (value > 0) low = std::min(low, value);
      }
      bars[m]->setData(keys, values, true);
    }
    QCPAxis* y = rects_[m]->axis(QCPAxis::atLeft);
    if (logScale(metric)) {
      // Whole decades around the data; bars start at the lower one (a log axis has no zero).
      const double floor = std::isfinite(low) ? std::pow(10.0, std::floor(std::log10(low))) : 1;
      const double ceil = std::pow(10.0, std::ceil(std::log10(std::max(high * 1.5, floor * 10))));
      y->setRange(floor, ceil);
      for (const auto& [mode, bars] : bars_) bars[m]->setBaseValue(floor);
    } else if (metric == CompareMetric::coverage) {
      y->setRange(0, 1.05);
    } else {
      y->setRange(0, std::max(high * 1.15, 1.0));
    }
  }
  legend_->setVisible(true);
  QString text = tr("<b>%1</b>: %2 modes × %3 sizes, %4 nodes, %5 broadcast(s), %6% dead")
                     .arg(source_.toHtmlEscaped())
                     .arg(bars_.size())
                     .arg(sizes.size())
                     .arg(data_->nodes)
                     .arg(data_->broadcasts)
                     .arg(data_->dead_fraction * 100, 0, 'f', 0);
  if (!data_->verdict.isEmpty()) text += QStringLiteral(" · ") + data_->verdict.toHtmlEscaped();
  if (!error_.isEmpty()) {
    text += QStringLiteral("<br><span style='color:#b03a2e'>%1</span>").arg(error_.toHtmlEscaped());
  }
  setSummary(text);
}

std::vector<QStringList> ComparePlot::csvRows() const {
  std::vector<QStringList> rows;
  QStringList header{QStringLiteral("size"), QStringLiteral("mode")};
  for (CompareMetric metric : kCompareMetrics) header << compareMetricColumn(metric);
  header << QStringLiteral("missed");
  rows.push_back(header);
  if (!data_) return rows;
  for (qint64 size : data_->sizes()) {
    for (const QString& mode : data_->modes()) {
      const CompareRow* row = data_->row(mode, size);
      if (!row) continue;
      QStringList fields{QString::number(size), mode};
      for (CompareMetric metric : kCompareMetrics) {
        fields << QString::number(data_->value(*row, metric), 'g', 10);
      }
      fields << QString::number(row->missed);
      rows.push_back(fields);
    }
  }
  return rows;
}

}  // namespace rt::gui
