// Cluster traffic plot: bytes received and sent per second, summed over every node, over the
// last two minutes. Samples go into a TrafficSeries (a ring of one-second points); a capped
// timer closes finished seconds and replots with rpQueuedReplot only when a point was added
// and the plot is visible.
#pragma once

#include <QTimer>
#include <QWidget>
#include <vector>

#include "cluster/monitor.hpp"
#include "plots/traffic_series.hpp"

class QCPGraph;
class QCustomPlot;
class QLabel;
class QToolButton;

namespace rt::gui {

class TrafficPlot : public QWidget {
  Q_OBJECT

 public:
  explicit TrafficPlot(QWidget* parent = nullptr, std::size_t seconds = 120);
  ~TrafficPlot() override;

  void addSamples(const std::vector<cluster::NodeSample>& samples);
  void clear();
  // Closes the seconds that are over at `now_us` and refreshes when points were added. The
  // timer calls it with the wall clock; tests call it with their own time.
  void tick(Micros now_us);
  // Ticks per second, clamped to 1..20 (default 10).
  void setRefreshRate(int per_second);

  const TrafficSeries& series() const { return series_; }
  QCustomPlot* plot() const { return plot_; }
  int replotCount() const { return replots_; }

  bool exportPng(const QString& path, QString* error = nullptr);
  bool exportSvg(const QString& path, QString* error = nullptr);
  bool exportPdf(const QString& path, QString* error = nullptr);
  bool exportCsv(const QString& path, QString* error = nullptr) const;

 signals:
  // A second of traffic was closed; `total` points are held.
  void pointsAdded(int total);

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  void refresh();

  TrafficSeries series_;
  QCustomPlot* plot_;
  QCPGraph* in_;
  QCPGraph* out_;
  QLabel* summary_;
  QToolButton* export_;
  QTimer timer_;
  bool dirty_ = false;
  int replots_ = 0;
};

}  // namespace rt::gui
