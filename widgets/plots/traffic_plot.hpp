// Cluster traffic plot: bytes received and sent per second, summed over every node, over the
// last two minutes. Samples go into a TrafficSeries (a ring of one-second points); the
// PlotPanel frame's capped tick closes finished seconds and replots with rpQueuedReplot only
// when a point was added and the plot is visible. Unlike the other plots, the series keeps
// closing seconds (and emitting pointsAdded) while the plot is hidden: the studio follows the
// cluster's traffic through it whether or not its dock is shown.
#pragma once

#include <vector>

#include "cluster/monitor.hpp"
#include "plots/plot_panel.hpp"
#include "plots/traffic_series.hpp"

class QCPAxisRect;
class QCPGraph;
class QCPLegend;

namespace rt::gui {

class TrafficPlot : public PlotPanel {
  Q_OBJECT

 public:
  explicit TrafficPlot(QWidget* parent = nullptr, std::size_t seconds = 120);
  ~TrafficPlot() override;

  void addSamples(const std::vector<cluster::NodeSample>& samples);
  void clear();

  const TrafficSeries& series() const { return series_; }
  std::vector<QStringList> csvRows() const override;

 signals:
  // A second of traffic was closed; `total` points are held.
  void pointsAdded(int total);

 protected:
  bool advance(Micros now_us) override;
  void redraw() override;

 private:
  TrafficSeries series_;
  QCPAxisRect* rect_;
  QCPLegend* legend_;
  QCPGraph* in_;
  QCPGraph* out_;
};

}  // namespace rt::gui
