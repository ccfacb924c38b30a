// A scenario file played on a live studio session (raintree-studio --scenario): the cluster it
// describes is launched, and its broadcasts and faults reach the nodes at their times, showing
// in the node table and the event log like a user's own commands.
#include <QSignalSpy>
#include <QtTest>
#include <algorithm>
#include <filesystem>
#include <map>

#include "main_window.hpp"
#include "models/event_log_model.hpp"
#include "models/node_table_model.hpp"
#include "session/cluster_controller.hpp"
#include "session/scenario_player.hpp"
#include "studio_theme.hpp"

using rt::gui::ClusterController;
using rt::gui::NodeStatus;

namespace {

const std::filesystem::path kNodeBinary = std::filesystem::path(RT_BIN_DIR) / "raintree-node";

int lines_with(const rt::gui::EventLogModel& log, const QString& text) {
  int n = 0;
  for (int row = 0; row < log.rowCount(); ++row) n += log.entry(row).text.contains(text);
  return n;
}

}  // namespace

class StudioScenarioTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    if (!std::filesystem::exists(kNodeBinary)) QSKIP("raintree-node is not built");
    rt::gui::initResources();
  }

  void theTimelineDrivesTheLiveSession() {
    std::string error;
    auto scenario = rt::cluster::parse_scenario(
        "nodes: 4\nmode: random\ntimeline:\n"
        "  - at: 0s\n    broadcast: {count: 3, every: 100ms, size: 256, origin: rotate}\n"
        "  - at: 200ms\n    kill: [4]\n",
        error);
    QVERIFY2(scenario.has_value(), error.c_str());
    ClusterController controller;
    rt::gui::MainWindow window(&controller);
    rt::gui::ScenarioPlayer player(&controller, *scenario);
    QCOMPARE(player.actionsTotal(), std::size_t{4});
    connect(&controller, &ClusterController::stateChanged, &player, [&](auto state) {
      if (state == ClusterController::State::live) player.startWhenConnected();
    });
    // t = 0 only once every node reported every peer connected (this slot sees each batch of
    // samples before the player's, which is connected later).
    std::map<int, int> connected;
    connect(&controller, &ClusterController::samplesArrived, this,
            [&](const std::vector<rt::cluster::NodeSample>& samples) {
              for (const auto& sample : samples) connected[sample.rank] = sample.peers_connected;
            });
    int meshed_at_start = -1;
    connect(&player, &rt::gui::ScenarioPlayer::started, this, [&] {
      meshed_at_start = static_cast<int>(std::count_if(
          connected.begin(), connected.end(), [](const auto& kv) { return kv.second == 3; }));
    });
    auto launch = rt::gui::ScenarioPlayer::launchOptions(*scenario);
    QCOMPARE(launch.nodes, 4);
    launch.node_binary = kNodeBinary;
    QSignalSpy finished(&player, &rt::gui::ScenarioPlayer::finished);
    controller.launch(launch);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QCOMPARE(meshed_at_start, 4);
    QTRY_COMPARE_WITH_TIMEOUT(window.nodeModel()->statusOf(4), NodeStatus::killed, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(lines_with(*window.logModel(), "Broadcast of 256 bytes"), 3, 10000);
    QCOMPARE(player.actionsDone(), std::size_t{4});
    QSignalSpy stopped(&controller, &ClusterController::shutdownFinished);
    controller.shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 20000);
  }
};

QTEST_MAIN(StudioScenarioTest)
#include "gui_scenario_test.moc"
