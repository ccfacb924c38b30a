// End to end through the studio's own parts: a real 5-node cluster launched by the
// ClusterController, shown by the MainWindow's models and plot, driven by broadcasts and fault
// commands, attached to from a second controller, and shut down leaving no process behind.
#include <QAbstractItemModelTester>
#include <QAction>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "main_window.hpp"
#include "models/node_table_model.hpp"
#include "plots/traffic_plot.hpp"
#include "session/cluster_controller.hpp"
#include "studio_theme.hpp"
#include "views/cluster_toolbar.hpp"

using rt::gui::ClusterController;
using rt::gui::MainWindow;
using rt::gui::NodeStatus;
using rt::gui::NodeTableModel;

namespace {

constexpr int kNodes = 5;
const std::filesystem::path kNodeBinary = std::filesystem::path(RT_BIN_DIR) / "raintree-node";

// Gone means no process, or a zombie nobody has reaped yet.
bool processGone(int pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, name, state;
  stat >> pid_field >> name >> state;
  return state == "Z";
}

// Live (non-zombie) processes whose command line contains `text`.
int processesMentioning(const std::string& text) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream file(entry.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(file)), {});
    if (cmdline.find(text) != std::string::npos && !processGone(std::stoi(name))) ++count;
  }
  return count;
}

std::uint64_t delivered(const NodeTableModel& model, int rank) {
  return model.index(model.rowOfRank(rank), NodeTableModel::DeliveredColumn).data().toULongLong();
}

}  // namespace

class StudioSmokeTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    if (!std::filesystem::exists(kNodeBinary)) {
      QSKIP("raintree-node is not built next to the tests");
    }
    rt::gui::initResources();
  }

  void launchBroadcastFaultsAndShutdown() {
    ClusterController controller;
    MainWindow window(&controller);
    window.show();
    NodeTableModel* model = window.nodeModel();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy ready(&controller, &ClusterController::clusterReady);

    rt::cluster::LaunchOptions options;
    options.nodes = kNodes;
    options.mode = "random";
    options.node_binary = kNodeBinary;
    controller.launch(options);
    QCOMPARE(controller.state(), ClusterController::State::launching);
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), ClusterController::State::live, 30000);
    QCOMPARE(ready.count(), 1);
    QVERIFY(controller.ownsCluster());
    QCOMPARE(model->rowCount(), kNodes);
    std::vector<int> pids;
    for (const auto& node : controller.cluster()->nodes) pids.push_back(node.pid);
    QTRY_COMPARE_WITH_TIMEOUT(model->answeringCount(), kNodes, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().answering, kNodes, 5000);

    // Broadcast through the toolbar: no node selected, so rank 1 originates it.
    QVERIFY(window.clusterToolBar()->broadcastAction()->isEnabled());
    window.clusterToolBar()->broadcastAction()->trigger();
    auto allDeliveredAtLeast = [&](std::uint64_t count, std::initializer_list<int> skip = {}) {
      for (int rank = 1; rank <= kNodes; ++rank) {
        if (std::find(skip.begin(), skip.end(), rank) != skip.end()) continue;
        if (delivered(*model, rank) < count) return false;
      }
      return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(allDeliveredAtLeast(1), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(controller.stats().events_total > 0, 5000);
    // The traffic plot closes the seconds with traffic in them.
    auto plotted = [&] {
      const auto& points = window.trafficPlot()->series().points();
      for (std::size_t i = 0; i < points.size(); ++i) {
        if (points[i].bytes_in_per_s > 0) return true;
      }
      return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(plotted(), 10000);

    // A second controller attaches through cluster.json and leaves the cluster running.
    {
      ClusterController attached;
      QSignalSpy samples(&attached, &ClusterController::samplesArrived);
      attached.attach(
          QString::fromStdString((controller.cluster()->dir / "cluster.json").string()));
      QTRY_COMPARE_WITH_TIMEOUT(attached.state(), ClusterController::State::live, 10000);
      QVERIFY(!attached.ownsCluster());
      QTRY_COMPARE_WITH_TIMEOUT(attached.stats().answering, kNodes, 10000);
      QSignalSpy finished(&attached, &ClusterController::shutdownFinished);
      attached.shutdown();
      QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
      for (int pid : pids) QVERIFY(!processGone(pid));
    }

    // Stop and continue rank 2; kill rank 3.
    controller.pause(2);
    QTRY_COMPARE_WITH_TIMEOUT(model->statusOf(2), NodeStatus::stopped, 10000);
    controller.resume(2);
    QTRY_COMPARE_WITH_TIMEOUT(model->statusOf(2), NodeStatus::alive, 10000);
    controller.kill(3);
    QTRY_COMPARE_WITH_TIMEOUT(model->statusOf(3), NodeStatus::killed, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().answering, kNodes - 1, 5000);

    // The survivors still deliver a broadcast from rank 4.
    const std::uint64_t before = delivered(*model, 1);
    controller.broadcast(4, 256);
    QTRY_VERIFY_WITH_TIMEOUT(allDeliveredAtLeast(before + 1, {3}), 15000);

    QSignalSpy finished(&controller, &ClusterController::shutdownFinished);
    controller.shutdown();
    QCOMPARE(controller.state(), ClusterController::State::stopping);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QCOMPARE(controller.state(), ClusterController::State::stopped);
    for (int pid : pids) QVERIFY2(processGone(pid), qPrintable(QString("pid %1 left").arg(pid)));
  }

  void quittingWhileLaunchingLeavesNothing() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto controller = std::make_unique<ClusterController>();
    rt::cluster::LaunchOptions options;
    options.nodes = 3;
    options.node_binary = kNodeBinary;
    options.dir = dir.path().toStdString();
    controller->launch(options);
    QSignalSpy finished(controller.get(), &ClusterController::shutdownFinished);
    controller->shutdown();  // while the worker is still launching
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QCOMPARE(controller->state(), ClusterController::State::stopped);
    controller.reset();
    // Every node of this cluster names the cluster's directory on its command line.
    QCOMPARE(processesMentioning(dir.path().toStdString()), 0);
  }

  void failedLaunchIsReported() {
    ClusterController controller;
    QSignalSpy failed(&controller, &ClusterController::failed);
    rt::cluster::LaunchOptions options;
    options.nodes = 2;
    options.node_binary = "/nonexistent/raintree-node";
    controller.launch(options);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
    QCOMPARE(controller.state(), ClusterController::State::failed);
    QVERIFY(!controller.cluster());
  }

  void attachToMissingFileFails() {
    ClusterController controller;
    QSignalSpy failed(&controller, &ClusterController::failed);
    controller.attach("/nonexistent/cluster.json");
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
    QCOMPARE(controller.state(), ClusterController::State::failed);
  }
};

QTEST_MAIN(StudioSmokeTest)
#include "gui_studio_smoke_test.moc"
