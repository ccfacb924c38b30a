#include "views/inspector/inspector_hub.hpp"

#include <QWidget>

#include "models/node_table_model.hpp"
#include "session/cluster_controller.hpp"
#include "views/inspector/deep_queue_dialog.hpp"
#include "views/inspector/inspector_window.hpp"

namespace rt::gui {

InspectorHub::InspectorHub(ClusterController* controller, const NodeTableModel* nodes,
                           QWidget* window)
    : QObject(window), controller_(controller), nodes_(nodes), window_(window) {
  connect(controller, &ClusterController::clusterReady, this, &InspectorHub::onClusterReady);
  connect(controller, &ClusterController::samplesArrived, this,
          [this](const std::vector<cluster::NodeSample>& samples) {
            for (const cluster::NodeSample& sample : samples) {
              if (InspectorWindow* w = inspector(sample.rank)) {
                w->applySample(sample, nodes_->statusOf(sample.rank));
              }
            }
          });
  connect(controller, &ClusterController::inspected, this,
          [this](const cluster::InspectAnswer& answer) {
            if (InspectorWindow* w = inspector(answer.rank)) w->applyInspect(answer);
          });
  connect(controller, &ClusterController::stateChanged, this,
          [this](ClusterController::State state) {
            for (const auto& [rank, w] : open_) {
              if (w) w->setSessionLive(state == ClusterController::State::live);
            }
          });
  if (controller->cluster()) ranks_ = makeRankIndex(*controller->cluster());
}

void InspectorHub::onClusterReady() {
  closeAll();
  ranks_ = controller_->cluster() ? makeRankIndex(*controller_->cluster()) : RankIndex{};
  if (deep_) deep_->setRankIndex(ranks_);
}

void InspectorHub::closeAll() {
  for (auto& [rank, w] : open_) {
    if (w) w->close();
  }
  open_.clear();
}

InspectorWindow* InspectorHub::inspector(int rank) const {
  const auto it = open_.find(rank);
  return it == open_.end() ? nullptr : it->second.data();
}

int InspectorHub::openCount() const {
  int count = 0;
  for (const auto& [rank, w] : open_) count += w ? 1 : 0;
  return count;
}

InspectorWindow* InspectorHub::open(int rank) {
  if (InspectorWindow* w = inspector(rank)) {
    w->raise();
    w->activateWindow();
    return w;
  }
  const cluster::ClusterInfo* cluster = controller_->cluster();
  const cluster::NodeInfo* node = cluster ? cluster->by_rank(rank) : nullptr;
  if (!node) return nullptr;
  auto* w = new InspectorWindow(*node, QString::fromStdString(cluster->mode), ranks_, window_);
  connect(w, &InspectorWindow::inspectRequested, controller_, &ClusterController::inspect);
  open_[rank] = w;
  if (const cluster::NodeSample* sample = controller_->latestSample(rank)) {
    w->applySample(*sample, nodes_->statusOf(rank));
  }
  w->setSessionLive(controller_->state() == ClusterController::State::live);
  // Cascade so that several inspectors do not hide each other.
  const QPoint offset(40 * (openCount() % 6), 30 * (openCount() % 6));
  w->move(window_->geometry().topLeft() + QPoint(120, 90) + offset);
  w->show();
  return w;
}

DeepQueueDialog* InspectorHub::showDeepQueues() {
  if (!deep_) {
    deep_ = new DeepQueueDialog(
        [this]() -> const auto& { return controller_->latestSamples(); }, window_);
    deep_->setRankIndex(ranks_);
    connect(deep_, &DeepQueueDialog::inspectRequested, this, &InspectorHub::open);
  }
  deep_->show();
  deep_->raise();
  return deep_;
}

}  // namespace rt::gui
