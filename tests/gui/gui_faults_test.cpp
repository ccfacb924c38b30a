// Faults and inspectors end to end: a real 5-node cluster launched by the ClusterController and
// shown by the MainWindow. Kill, mute, partition, heal and restart through the controller's
// API must show in the node table (killed, muted, partitioned, restarting, alive again) and in
// the event log; an inspector fills its peers table from samples and its engine section from
// the node's `inspect` answers; the deep-queue search lists what the samples hold.
#include <QAbstractItemModelTester>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QtTest>
#include <filesystem>

#include "gui_test_support.hpp"
#include "main_window.hpp"
#include "models/event_log_model.hpp"
#include "models/node_table_model.hpp"
#include "session/cluster_controller.hpp"
#include "studio_theme.hpp"
#include "views/inspector/deep_queue_dialog.hpp"
#include "views/inspector/inspector_hub.hpp"
#include "views/inspector/inspector_window.hpp"

using rt::gui::ClusterController;
using rt::gui::MainWindow;
using rt::gui::NodeStatus;
using rt::gui::NodeTableModel;
using rt::gui::test::kNodeBinary;
using rt::gui::test::saveShot;

namespace {

constexpr int kNodes = 5;

// True when some line of the event log contains `text`, and that line has a time.
bool logged(const rt::gui::EventLogModel& log, const QString& text) {
  for (int row = 0; row < log.rowCount(); ++row) {
    const rt::gui::LogEntry& entry = log.entry(row);
    if (entry.text.contains(text) && entry.time.isValid()) return true;
  }
  return false;
}

}  // namespace

class StudioFaultsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    if (!std::filesystem::exists(kNodeBinary)) {
      QSKIP("raintree-node is not built next to the tests");
    }
    rt::gui::initResources();
  }

  void faultsShowInTheNodeTableAndInspectorsFollowANode() {
    ClusterController controller;
    MainWindow window(&controller);
    window.show();
    NodeTableModel* model = window.nodeModel();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);

    rt::cluster::LaunchOptions options;
    options.nodes = kNodes;
    options.mode = "random";
    options.node_binary = kNodeBinary;
    controller.launch(options);
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), ClusterController::State::live, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(model->answeringCount(), kNodes, 10000);

    // Kill 2: killed once its outcome and the samples after it arrive.
    controller.kill(2);
    QVERIFY(logged(*window.logModel(), QStringLiteral("Kill rank 2")));
    QTRY_COMPARE_WITH_TIMEOUT(model->statusOf(2), NodeStatus::killed, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(logged(*window.logModel(), QStringLiteral("killed rank 2 (pid")),
                             5000);

    // Mute 3; partition {1} from the rest, then heal: 3 is muted again, 1 alive.
    controller.mute(3, true);
    QTRY_COMPARE_WITH_TIMEOUT(model->statusOf(3), NodeStatus::muted, 10000);
    controller.partition({{1}});
    QTRY_COMPARE_WITH_TIMEOUT(model->statusOf(1), NodeStatus::partitioned, 10000);
    QCOMPARE(model->statusOf(4), NodeStatus::partitioned);
    controller.heal();
    QTRY_COMPARE_WITH_TIMEOUT(model->statusOf(1), NodeStatus::alive, 10000);
    QCOMPARE(model->statusOf(3), NodeStatus::muted);
    QCOMPARE(model->statusOf(2), NodeStatus::killed);  // the partition skipped it

    // Restart 2: restarting at once, alive again under a new pid.
    const int old_pid = model->index(model->rowOfRank(2), NodeTableModel::PidColumn).data().toInt();
    controller.restart(2);
    QCOMPARE(model->statusOf(2), NodeStatus::restarting);
    QTRY_COMPARE_WITH_TIMEOUT(model->statusOf(2), NodeStatus::alive, 15000);
    QVERIFY(model->index(model->rowOfRank(2), NodeTableModel::PidColumn).data().toInt() != old_pid);
    QVERIFY(logged(*window.logModel(), QStringLiteral("restarted rank 2")));

    // A refused fault says why in the log and changes nothing.
    controller.resume(4);
    QTRY_VERIFY_WITH_TIMEOUT(logged(*window.logModel(), QStringLiteral("continue failed")), 5000);
    QCOMPARE(model->statusOf(4), NodeStatus::alive);

    // Two inspectors at once; each fills from samples and inspect answers.
    rt::gui::InspectorHub* hub = window.inspectors();
    rt::gui::InspectorWindow* one = hub->open(1);
    rt::gui::InspectorWindow* two = hub->open(2);
    QVERIFY(one && two && one != two);
    QCOMPARE(hub->open(1), one);  // raised, not opened twice
    QCOMPARE(hub->openCount(), 2);
    QAbstractItemModelTester peers(one->peerModel(),
                                   QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(one->peerModel()->rowCount(), kNodes - 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(two->peerModel()->rowCount(), kNodes - 1, 10000);
    // Random mode: the engine snapshot shows as JSON once the node answered inspect.
    auto* engine = one->findChild<QPlainTextEdit*>();
    QVERIFY(engine);
    QTRY_VERIFY_WITH_TIMEOUT(engine->toPlainText().contains(QStringLiteral("catch_up")), 10000);
    // A shot with every status: 2 restarting, 3 muted, 4 stopped, 5 partitioned away.
    controller.pause(4);
    controller.partition({{5}});
    QTRY_COMPARE_WITH_TIMEOUT(model->statusOf(5), NodeStatus::partitioned, 10000);
    controller.kill(2);
    QTRY_COMPARE_WITH_TIMEOUT(model->statusOf(2), NodeStatus::killed, 10000);
    controller.restart(2);
    saveShot(window, "faults-window.png");
    saveShot(*one, "faults-inspector.png");
    QTRY_COMPARE_WITH_TIMEOUT(model->statusOf(2), NodeStatus::partitioned, 15000);
    QCOMPARE(model->statusOf(4), NodeStatus::stopped);
    two->close();
    QTRY_COMPARE_WITH_TIMEOUT(hub->openCount(), 1, 5000);

    // The search lists only queues at least N deep (an idle cluster may have none) and says
    // how many nodes it searched (not the stopped one).
    rt::gui::DeepQueueDialog* deep = hub->showDeepQueues();
    deep->setThreshold(1);
    QAbstractItemModelTester deep_tester(deep->model(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int row = 0; row < deep->model()->rowCount(); ++row) {
      QVERIFY(deep->model()
                  ->index(row, rt::gui::DeepQueueModel::QueueFramesColumn)
                  .data(rt::gui::DeepQueueModel::SortRole)
                  .toULongLong() >= 1);
    }
    auto* summary = deep->findChild<QLabel*>(QStringLiteral("deepQueueSummary"));
    QVERIFY(summary);
    QVERIFY2(summary->text().contains(QStringLiteral("across 4 answering nodes")),
             qPrintable(summary->text()));

    QSignalSpy finished(&controller, &ClusterController::shutdownFinished);
    controller.shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
  }
};

QTEST_MAIN(StudioFaultsTest)
#include "gui_faults_test.moc"
