// The session plots of the studio (bandwidth, duplicates, coverage over time, mode comparison)
// fed from one place, so that MainWindow only puts them in docks and forwards the
// controller's signals to them.
#pragma once

#include <QObject>
#include <optional>
#include <vector>

#include "cluster/cluster_info.hpp"
#include "cluster/monitor.hpp"

class QWidget;

namespace rt::gui {

class BandwidthPlot;
class ComparePlot;
class CoveragePlot;
class DuplicatesPlot;
class PlotPanel;

class StudioPlots : public QObject {
  Q_OBJECT

 public:
  // The plots are created as children of `parent` (docks take them over).
  explicit StudioPlots(QWidget* parent);

  BandwidthPlot* bandwidth() const { return bandwidth_; }
  DuplicatesPlot* duplicates() const { return duplicates_; }
  CoveragePlot* coverage() const { return coverage_; }
  ComparePlot* compare() const { return compare_; }

  void setCluster(const cluster::ClusterInfo& cluster);
  void addSamples(const std::vector<cluster::NodeSample>& samples);
  void addEvents(const std::vector<cluster::RankedEvent>& events);
  void setSelectedRank(std::optional<int> rank);

  // Saves every plot as DIR/plot-<name>.png (bandwidth, duplicates, coverage, compare).
  bool exportPngs(const QString& dir, QString* error = nullptr) const;

 private:
  BandwidthPlot* bandwidth_;
  DuplicatesPlot* duplicates_;
  CoveragePlot* coverage_;
  ComparePlot* compare_;
};

}  // namespace rt::gui
