// Plays a scenario file's timeline (cluster/scenario.hpp) on a live studio session: every
// broadcast and fault at its time, through the ClusterController, i.e. the same commands a
// user gives by hand, so the views show them as they happen. `raintree-studio --scenario FILE`
// launches the scenario's cluster and starts the player once it is live.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <map>
#include <variant>
#include <vector>

#include "cluster/launcher.hpp"
#include "cluster/scenario.hpp"

namespace rt::gui {

class ClusterController;

class ScenarioPlayer : public QObject {
  Q_OBJECT

 public:
  ScenarioPlayer(ClusterController* controller, cluster::Scenario scenario,
                 QObject* parent = nullptr);

  // The cluster the scenario asks for: size, mode, roles and advert settings.
  static cluster::LaunchOptions launchOptions(const cluster::Scenario& scenario);

  void start();  // t = 0 is now
  // t = 0 once every node has every peer connected (as `raintree-lab scenario` does), or after
  // kConnectTimeoutMs anyway: a broadcast into a half-built mesh races the links' catch-up.
  void startWhenConnected();
  static constexpr int kConnectTimeoutMs = 20000;
  std::size_t actionsDone() const { return next_; }
  std::size_t actionsTotal() const { return actions_.size(); }
  std::size_t broadcastsSkipped() const { return skipped_; }

 signals:
  void started();  // t = 0
  void finished();
  void broadcastSkipped(const QString& why);

 private:
  struct Broadcast {
    std::size_t size = 0;
    int origin = 0;  // 0: rotate
    std::string group;
    int kind = 0;
  };
  struct Action {
    Micros at_us = 0;
    std::variant<Broadcast, cluster::FaultStep> what;
  };
  void tick();
  void run(const Action& action);
  int nextOrigin(const std::string& group);

  ClusterController* controller_;
  cluster::Scenario scenario_;
  std::vector<Action> actions_;  // in time order
  std::size_t next_ = 0;
  cluster::OriginRotation rotation_{scenario_};
  std::size_t skipped_ = 0;
  QTimer timer_;
  QElapsedTimer clock_;
  QMetaObject::Connection waiting_;  // samplesArrived while waiting for the mesh
  std::map<int, int> connected_;     // rank -> peers connected, latest sample
};

}  // namespace rt::gui
