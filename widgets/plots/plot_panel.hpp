// The frame every studio plot shares: a header (a summary line, the plot's own controls and an
// Export button), the QCustomPlot with the export context menu, and a capped refresh tick.
// Subclasses keep their data apart from drawing: advance() moves the data on with time,
// redraw() copies it into the plot. The frame replots with rpQueuedReplot only when something
// changed and the plot is visible, and stops ticking while hidden (a tab behind another) unless
// the subclass asks to keep advancing its data.
#pragma once

#include <QColor>
#include <QHash>
#include <QSharedPointer>
#include <QStringList>
#include <QTimer>
#include <QWidget>
#include <vector>

#include "util/ids.hpp"

class QCPAxisRect;
class QCPAxisTicker;
class QCPLegend;
class QCustomPlot;
class QHBoxLayout;
class QLabel;
class QToolButton;

namespace rt::gui {

class PlotPanel : public QWidget {
  Q_OBJECT

 public:
  ~PlotPanel() override;

  QCustomPlot* plot() const { return plot_; }
  int replotCount() const { return replots_; }
  QString summary() const;
  // Ticks per second, clamped to 1..20 (default 10); 0 stops the timer so that only explicit
  // tick() calls move the plot (tests with a synthetic clock).
  void setRefreshRate(int per_second);
  // Moves the data on to `now_us` and replots when it changed. The timer calls it with the
  // wall clock.
  void tick(Micros now_us);

  // Exports draw the current data first, also when the plot is hidden.
  bool exportPng(const QString& path, QString* error = nullptr);
  bool exportSvg(const QString& path, QString* error = nullptr);
  bool exportPdf(const QString& path, QString* error = nullptr);
  bool exportCsv(const QString& path, QString* error = nullptr) const;
  // The data behind the plot, header row first: what exportCsv writes.
  virtual std::vector<QStringList> csvRows() const = 0;

 signals:
  void redrawn();

 protected:
  // `title` names the plot in exported files; `file_base` is the suggested export file name.
  PlotPanel(const QString& title, const QString& file_base, QWidget* parent);

  virtual bool advance(Micros /*now_us*/) { return false; }
  virtual void redraw() = 0;  // fills the plot from the data; the frame replots

  // New data: drawn at the next tick (or now when `immediately`, for rare user actions).
  void markDirty(bool immediately = false);
  void setSummary(const QString& text);
  QHBoxLayout* controls() const { return controls_; }
  // On: the timer keeps calling advance() while the plot is hidden (only the replot waits for
  // it to be shown), for data that others follow through the subclass's signals.
  void setAdvanceWhileHidden(bool on);

  // The studio's look for axes, grids and legends, shared by every plot.
  void styleAxisRect(QCPAxisRect* rect) const;
  void styleLegend(QCPLegend* legend) const;
  // Puts `legend` as a borderless horizontal row, left-aligned, at the top of the plot layout
  // (row 0): above the data, never over it.
  void addLegendRow(QCPLegend* legend);
  // Makes the plot one styled axis rect with `legend` inside it, in the corner `corner` (where
  // it hides the least data).
  void addRectWithInsetLegend(QCPAxisRect* rect, QCPLegend* legend, Qt::Alignment corner);
  // Wall-clock time axes (keys in seconds since the Unix epoch) as HH:mm:ss.
  static QSharedPointer<QCPAxisTicker> clockTicker();
  // Distinct colours for lines and bars; `index` wraps.
  static QColor seriesColour(int index);
  static QColor otherColour() { return QColor(0x8a, 0x93, 0x9e); }

  void showEvent(QShowEvent* event) override;
  void hideEvent(QHideEvent* event) override;

 private:
  void refresh();
  void updateTimer();  // runs while the plot is shown, or always when advancing while hidden

  QCustomPlot* plot_;
  QLabel* summary_;
  QHBoxLayout* controls_;
  QToolButton* export_;
  QTimer timer_;
  int rate_ = 10;
  bool advance_hidden_ = false;
  bool dirty_ = true;
  int replots_ = 0;
};

// Colours that stay with their line while it is shown (a top-k list reorders often): keys
// still shown keep their index, newcomers take the lowest free one, the rest are forgotten.
class StableColours {
 public:
  void update(const QStringList& shown_keys);
  int index(const QString& key) const { return index_.value(key, 0); }
  void clear() { index_.clear(); }

 private:
  QHash<QString, int> index_;
};

// Picks the unit that keeps a byte rate readable: the divisor and "B/s", "KiB/s", ...
struct RateUnit {
  double divisor = 1;
  QString name;
};
RateUnit rateUnitFor(double peak_bytes_per_second);

}  // namespace rt::gui
