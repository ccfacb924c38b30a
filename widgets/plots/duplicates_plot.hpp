// Duplicate copies per node as bars by rank, optionally beside the node's deliveries, from the
// counters each node reports (since it started). Redrawn at the frame's tick when a count
// changed.
#pragma once

#include "plots/duplicate_counts.hpp"
#include "plots/plot_panel.hpp"

class QCPAxisRect;
class QCPBars;
class QCPBarsGroup;
class QCPItemText;
class QCPLegend;
class QCheckBox;

namespace rt::gui {

class DuplicatesPlot : public PlotPanel {
  Q_OBJECT

 public:
  explicit DuplicatesPlot(QWidget* parent = nullptr);
  ~DuplicatesPlot() override;

  // A new cluster of `nodes` ranks: every rank gets a bar.
  void setNodeCount(int nodes);
  void addSamples(const std::vector<cluster::NodeSample>& samples);
  void clear();
  void setShowDelivered(bool show);
  bool showDelivered() const { return show_delivered_; }

  const DuplicateCounts& counts() const { return counts_; }
  QCPBars* duplicateBars() const { return duplicates_; }
  QCPBars* deliveredBars() const { return delivered_; }
  std::vector<QStringList> csvRows() const override;

 protected:
  void redraw() override;

 private:
  DuplicateCounts counts_;
  bool show_delivered_ = true;  // gives the duplicates a scale
  QCPAxisRect* rect_;
  QCPLegend* legend_;
  QCPBars* duplicates_;
  QCPBars* delivered_;
  QCPBarsGroup* group_;
  QCPItemText* none_;  // says so when no node has seen a duplicate
  QCheckBox* delivered_box_;
};

}  // namespace rt::gui
