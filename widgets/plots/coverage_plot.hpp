// Coverage over time of the last few broadcasts: one step line each, fraction of the cluster's
// nodes delivered against milliseconds since origination, the newest drawn boldest. Redrawn at
// the frame's tick when a delivery arrived.
#pragma once

#include "plots/coverage_series.hpp"
#include "plots/plot_panel.hpp"

class QCPAxisRect;
class QCPGraph;
class QCPLegend;

namespace rt::gui {

class CoveragePlot : public PlotPanel {
  Q_OBJECT

 public:
  explicit CoveragePlot(QWidget* parent = nullptr, std::size_t broadcasts = 8);
  ~CoveragePlot() override;

  // A new cluster of `nodes`: clears the broadcasts; fractions are over `nodes`.
  void setNodeCount(int nodes);
  void addEvents(const std::vector<cluster::RankedEvent>& events);
  void clear();

  const CoverageSeries& series() const { return series_; }
  // The graph drawing the i-th kept broadcast, oldest first.
  QCPGraph* graph(int index) const;
  std::vector<QStringList> csvRows() const override;

 protected:
  void redraw() override;

 private:
  CoverageSeries series_;
  StableColours colours_;  // by broadcast id
  QCPAxisRect* rect_;
  QCPLegend* legend_;
  std::vector<QCPGraph*> graphs_;  // one per kept broadcast, reused
};

}  // namespace rt::gui
