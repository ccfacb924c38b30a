// Per-node bandwidth: bytes received (top) and sent (bottom) per second over the last two
// minutes, either for the selected node's busiest peers or for the busiest nodes, k lines
// plus "other" (the rest summed). A line keeps its colour while it stays in the top k.
#pragma once

#include <optional>
#include <vector>

#include "plots/bandwidth_series.hpp"
#include "plots/plot_panel.hpp"

class QCPAxisRect;
class QCPGraph;
class QCPLegend;
class QComboBox;
class QSpinBox;

namespace rt::gui {

class BandwidthPlot : public PlotPanel {
  Q_OBJECT

 public:
  static constexpr int kMaxTop = 9;

  explicit BandwidthPlot(QWidget* parent = nullptr, std::size_t seconds = 120);
  ~BandwidthPlot() override;

  // A new cluster: clears the history and names peers by rank.
  void setNodes(const std::vector<NodeId>& ids_by_rank);
  void addSamples(const std::vector<cluster::NodeSample>& samples);
  void clear();

  // The node whose peers the peers mode shows; without one it shows node 1.
  void setSelectedRank(std::optional<int> rank);
  void setMode(BandwidthSeries::Mode mode);
  void setTopCount(int k);  // 1..kMaxTop, default 5
  BandwidthSeries::Mode mode() const { return mode_; }
  int topCount() const { return k_; }
  int shownRank() const { return selected_.value_or(1); }

  // What the plot shows now: the top k lines, then "other" when some were left out.
  std::vector<BandwidthLine> lines() const;
  QString label(const BandwidthLine& line) const;
  const BandwidthSeries& series() const { return series_; }
  std::vector<QStringList> csvRows() const override;

 protected:
  bool advance(Micros now_us) override;
  void redraw() override;

 private:
  BandwidthSeries series_;
  std::optional<int> selected_;
  BandwidthSeries::Mode mode_ = BandwidthSeries::Mode::peers;
  int k_ = 5;
  StableColours colours_;  // by line label
  QCPAxisRect* in_rect_;
  QCPAxisRect* out_rect_;
  QCPLegend* legend_;
  std::vector<QCPGraph*> in_graphs_;  // kMaxTop + 1 each, reused
  std::vector<QCPGraph*> out_graphs_;
  QComboBox* mode_box_;
  QSpinBox* top_box_;
};

}  // namespace rt::gui
