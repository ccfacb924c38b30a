#include "session/scenario_player.hpp"

#include <algorithm>

#include "session/cluster_controller.hpp"

namespace rt::gui {

ScenarioPlayer::ScenarioPlayer(ClusterController* controller, cluster::Scenario scenario,
                               QObject* parent)
    : QObject(parent), controller_(controller), scenario_(std::move(scenario)) {
  for (const cluster::ScenarioStep& step : scenario_.timeline) {
    if (const auto* plan = std::get_if<cluster::BroadcastPlan>(&step.action)) {
      for (int i = 0; i < plan->count; ++i) {
        actions_.push_back({step.at_us + i * plan->every_us,
                            Broadcast{plan->size, plan->origin, plan->group, plan->kind}});
      }
    } else {
      actions_.push_back({step.at_us, std::get<cluster::FaultStep>(step.action)});
    }
  }
  std::stable_sort(actions_.begin(), actions_.end(),
                   [](const Action& a, const Action& b) { return a.at_us < b.at_us; });
  timer_.setInterval(20);  // actions land within 20 ms of their time
  connect(&timer_, &QTimer::timeout, this, &ScenarioPlayer::tick);
}

cluster::LaunchOptions ScenarioPlayer::launchOptions(const cluster::Scenario& s) {
  cluster::LaunchOptions o;
  o.nodes = s.nodes;
  o.mode = s.mode;
  o.roles = s.roles;
  o.advert_priority = s.advert_priority;
  o.byzantine = s.byzantine;
  return o;
}

void ScenarioPlayer::startWhenConnected() {
  connected_.clear();
  const int want = scenario_.nodes - 1;
  waiting_ = connect(controller_, &ClusterController::samplesArrived, this,
                     [this, want](const std::vector<cluster::NodeSample>& samples) {
                       for (const cluster::NodeSample& s : samples)
                         connected_[s.rank] = s.peers_connected;
                       const bool all =
                           static_cast<int>(connected_.size()) == scenario_.nodes &&
                           std::all_of(connected_.begin(), connected_.end(),
                                       [want](const auto& kv) { return kv.second >= want; });
                       if (all) start();
                     });
  QTimer::singleShot(kConnectTimeoutMs, this, [this] {
    if (waiting_) start();
  });
}

void ScenarioPlayer::start() {
  disconnect(waiting_);
  waiting_ = {};
  next_ = 0;
  clock_.start();
  timer_.start();
  emit started();
  tick();
}

void ScenarioPlayer::tick() {
  const Micros now = clock_.nsecsElapsed() / 1000;
  while (next_ < actions_.size() && actions_[next_].at_us <= now) run(actions_[next_++]);
  if (next_ == actions_.size()) {
    timer_.stop();
    emit finished();
  }
}

void ScenarioPlayer::run(const Action& action) {
  if (const auto* b = std::get_if<Broadcast>(&action.what)) {
    const int origin = b->origin > 0 ? b->origin : nextOrigin(b->group);
    if (origin > 0) {
      controller_->broadcast(origin, b->size, b->group, b->kind);
    } else {
      ++skipped_;
      emit broadcastSkipped(
          tr("no member of group %1 can broadcast now").arg(QString::fromStdString(b->group)));
    }
  } else {
    controller_->fault(std::get<cluster::FaultStep>(action.what));
  }
}

int ScenarioPlayer::nextOrigin(const std::string& group) {
  return rotation_.next(group, [this](int rank) {
    // No sample yet: it answered at launch, so it can.
    const cluster::NodeSample* sample = controller_->latestSample(rank);
    return !sample || (sample->answering && sample->condition != cluster::NodeCondition::muted);
  });
}

}  // namespace rt::gui
