#include "plots/plot_panel.hpp"

#include <qcustomplot.h>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "plots/plot_export.hpp"
#include "util/clock.hpp"

namespace rt::gui {

RateUnit rateUnitFor(double peak) {
  if (peak >= 1024.0 * 1024 * 1024) return {1024.0 * 1024 * 1024, QStringLiteral("GiB/s")};
  if (peak >= 1024.0 * 1024) return {1024.0 * 1024, QStringLiteral("MiB/s")};
  if (peak >= 1024.0) return {1024.0, QStringLiteral("KiB/s")};
  return {1.0, QStringLiteral("B/s")};
}

void StableColours::update(const QStringList& shown_keys) {
  QHash<QString, int> next;
  for (const QString& key : shown_keys) {
    if (index_.contains(key)) next.insert(key, index_.value(key));
  }
  for (const QString& key : shown_keys) {
    if (next.contains(key)) continue;
    const QList<int> taken = next.values();
    int index = 0;
    while (taken.contains(index)) ++index;
    next.insert(key, index);
  }
  index_ = std::move(next);
}

PlotPanel::PlotPanel(const QString& title, const QString& file_base, QWidget* parent)
    : QWidget(parent),
      plot_(new QCustomPlot(this)),
      summary_(new QLabel(this)),
      controls_(new QHBoxLayout),
      export_(new QToolButton(this)) {
  plot_->setObjectName(title);
  plot_->setNoAntialiasingOnDrag(true);
  plot_->setPlottingHint(QCP::phCacheLabels, true);
  // Subclasses build their own layouts; start from an empty one.
  plot_->plotLayout()->clear();
  plot_->legend = nullptr;

  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  auto* menu = new QMenu(this);
  addExportActions(menu, plot_, file_base,
                   [this](const QString& path, QString* error) { return exportCsv(path, error); });
  connect(plot_, &QWidget::customContextMenuRequested, this,
          [this, menu](const QPoint& position) { menu->popup(plot_->mapToGlobal(position)); });
  export_->setText(tr("Export"));
  export_->setIcon(QIcon(QStringLiteral(":/icons/export.svg")));
  export_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  export_->setPopupMode(QToolButton::InstantPopup);
  export_->setMenu(menu);
  export_->setToolTip(tr("Save the plot as PNG, SVG or PDF, or its data as CSV"));

  summary_->setTextFormat(Qt::RichText);
  summary_->setWordWrap(true);
  auto* header = new QHBoxLayout;
  header->addWidget(summary_, 1);
  controls_->setSpacing(6);
  header->addLayout(controls_);
  header->addWidget(export_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(2);
  layout->addLayout(header);
  layout->addWidget(plot_, 1);

  connect(&timer_, &QTimer::timeout, this, [this] { tick(wall_micros()); });
  setRefreshRate(10);
}

PlotPanel::~PlotPanel() = default;

QString PlotPanel::summary() const {
  return summary_->text();
}

void PlotPanel::setSummary(const QString& text) {
  summary_->setText(text);
}

void PlotPanel::setRefreshRate(int per_second) {
  rate_ = per_second <= 0 ? 0 : std::clamp(per_second, 1, 20);
  if (rate_ > 0) timer_.setInterval(1000 / rate_);
  updateTimer();
}

void PlotPanel::setAdvanceWhileHidden(bool on) {
  advance_hidden_ = on;
  updateTimer();
}

void PlotPanel::updateTimer() {
  if (rate_ > 0 && (advance_hidden_ || isVisible())) {
    if (!timer_.isActive()) timer_.start();
  } else {
    timer_.stop();
  }
}

void PlotPanel::tick(Micros now_us) {
  if (advance(now_us)) dirty_ = true;
  refresh();
}

void PlotPanel::markDirty(bool immediately) {
  dirty_ = true;
  if (immediately) refresh();
}

void PlotPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (rate_ > 0) {
    timer_.start();
    tick(wall_micros());  // catches up on what arrived while hidden
  } else {
    refresh();
  }
}

void PlotPanel::hideEvent(QHideEvent* event) {
  QWidget::hideEvent(event);
  // Paused: samples keep arriving, nothing is drawn (nor advanced, unless asked to).
  if (!advance_hidden_) timer_.stop();
}

void PlotPanel::refresh() {
  if (!dirty_ || !isVisible()) return;
  dirty_ = false;
  redraw();
  plot_->replot(QCustomPlot::rpQueuedReplot);
  ++replots_;
  emit redrawn();
}

void PlotPanel::styleAxisRect(QCPAxisRect* rect) const {
  QFont label_font = font();
  label_font.setPointSizeF(label_font.pointSizeF() + 0.5);
  for (QCPAxis* axis : rect->axes()) {
    axis->setLabelFont(label_font);
    axis->setTickLabelFont(font());
    axis->grid()->setPen(QPen(QColor(0xdd, 0xe2, 0xe8), 1, Qt::DotLine));
    axis->grid()->setZeroLinePen(Qt::NoPen);
  }
}

void PlotPanel::styleLegend(QCPLegend* legend) const {
  legend->setFont(font());
  legend->setBrush(QColor(255, 255, 255, 220));
  legend->setBorderPen(QPen(QColor(0xc0, 0xc8, 0xd0)));
  legend->setIconSize(22, 12);
}

void PlotPanel::addLegendRow(QCPLegend* legend) {
  auto* row = new QCPLayoutGrid;
  plot_->plotLayout()->addElement(0, 0, row);
  plot_->plotLayout()->setRowStretchFactor(0, 0.001);
  row->addElement(0, 0, legend);
  row->addElement(0, 1, new QCPLayoutElement(plot_));  // takes the rest of the width
  row->setColumnStretchFactor(0, 0.001);
  legend->setLayer(QStringLiteral("legend"));
  legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  legend->setMargins(QMargins(4, 2, 4, 2));
  styleLegend(legend);
  legend->setBorderPen(Qt::NoPen);
  legend->setBrush(Qt::NoBrush);
}

void PlotPanel::addRectWithInsetLegend(QCPAxisRect* rect, QCPLegend* legend, Qt::Alignment corner) {
  plot_->plotLayout()->addElement(0, 0, rect);
  styleAxisRect(rect);
  rect->insetLayout()->addElement(legend, corner);
  legend->setLayer(QStringLiteral("legend"));
  styleLegend(legend);
}

QSharedPointer<QCPAxisTicker> PlotPanel::clockTicker() {
  auto ticker = QSharedPointer<QCPAxisTickerDateTime>::create();
  ticker->setDateTimeFormat(QStringLiteral("HH:mm:ss"));
  ticker->setTickCount(7);
  return ticker;
}

QColor PlotPanel::seriesColour(int index) {
  // Tableau 10 without its grey (kept for "other"): distinct on white and in print.
  static const QColor colours[] = {
      QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
      QColor(0xd6, 0x27, 0x28), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
      QColor(0xe3, 0x77, 0xc2), QColor(0xbc, 0xbd, 0x22), QColor(0x17, 0xbe, 0xcf),
  };
  constexpr int count = static_cast<int>(std::size(colours));
  return colours[((index % count) + count) % count];
}

bool PlotPanel::exportPng(const QString& path, QString* error) {
  redraw();
  return savePlotPng(plot_, path, error);
}

bool PlotPanel::exportSvg(const QString& path, QString* error) {
  redraw();
  return savePlotSvg(plot_, path, error);
}

bool PlotPanel::exportPdf(const QString& path, QString* error) {
  redraw();
  return savePlotPdf(plot_, path, error);
}

bool PlotPanel::exportCsv(const QString& path, QString* error) const {
  return saveCsv(path, csvRows(), error);
}

}  // namespace rt::gui
