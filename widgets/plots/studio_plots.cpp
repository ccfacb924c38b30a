#include "plots/studio_plots.hpp"

#include <QDir>
#include <QWidget>

#include "plots/bandwidth_plot.hpp"
#include "plots/compare_plot.hpp"
#include "plots/coverage_plot.hpp"
#include "plots/duplicates_plot.hpp"
#include "util/clock.hpp"

namespace rt::gui {

StudioPlots::StudioPlots(QWidget* parent)
    : QObject(parent),
      bandwidth_(new BandwidthPlot(parent)),
      duplicates_(new DuplicatesPlot(parent)),
      coverage_(new CoveragePlot(parent)),
      compare_(new ComparePlot(parent)) {}

void StudioPlots::setCluster(const cluster::ClusterInfo& cluster) {
  std::vector<NodeId> ids;
  ids.reserve(cluster.nodes.size());
  for (const cluster::NodeInfo& node : cluster.nodes) ids.push_back(node.id);
  const int nodes = static_cast<int>(cluster.nodes.size());
  bandwidth_->setNodes(ids);
  duplicates_->setNodeCount(nodes);
  coverage_->setNodeCount(nodes);
}

void StudioPlots::addSamples(const std::vector<cluster::NodeSample>& samples) {
  bandwidth_->addSamples(samples);
  duplicates_->addSamples(samples);
}

void StudioPlots::addEvents(const std::vector<cluster::RankedEvent>& events) {
  coverage_->addEvents(events);
}

void StudioPlots::setSelectedRank(std::optional<int> rank) {
  bandwidth_->setSelectedRank(rank);
}

bool StudioPlots::exportPngs(const QString& dir, QString* error) const {
  const std::pair<const char*, PlotPanel*> plots[] = {{"bandwidth", bandwidth_},
                                                      {"duplicates", duplicates_},
                                                      {"coverage", coverage_},
                                                      {"compare", compare_}};
  for (const auto& [name, plot] : plots) {
    const QString path = QDir(dir).filePath(QStringLiteral("plot-%1.png").arg(QLatin1String(name)));
    plot->tick(wall_micros());  // a hidden tab is paused: close the seconds it has not seen
    if (!plot->exportPng(path, error)) return false;
  }
  return true;
}

}  // namespace rt::gui
