// Replay in the studio: a recording played through the ClusterController into the MainWindow
// shows its nodes, their conditions from the fault notes, the broadcast tree and the log, with
// no cluster; the replay bar plays, seeks back and reaches the end.
#include <QSignalSpy>
#include <QSlider>
#include <QtTest>
#include <filesystem>
#include <random>

#include "cluster/recording.hpp"
#include "main_window.hpp"
#include "models/event_log_model.hpp"
#include "models/node_table_model.hpp"
#include "session/cluster_controller.hpp"
#include "session/replay_driver.hpp"
#include "studio_theme.hpp"
#include "views/replay_bar.hpp"
#include "views/tree/tree_panel.hpp"

using rt::gui::ClusterController;
using rt::gui::MainWindow;
using rt::gui::NodeStatus;

namespace {

namespace fs = std::filesystem;

rt::NodeId id_of(std::uint8_t fill) {
  rt::NodeId::Bytes b{};
  b.fill(fill);
  return rt::NodeId(b);
}

rt::wire::EventRecord event(std::uint64_t seq, rt::Micros t, rt::wire::EventKind kind,
                            rt::NodeId peer, std::uint32_t bytes = 0) {
  rt::wire::EventRecord e;
  e.seq = seq;
  e.time_us = t;
  e.kind = kind;
  e.msg_id = rt::MessageId{42};
  e.peer = peer;
  e.bytes = bytes;
  return e;
}

// Four nodes over two seconds: rank 1 broadcasts to 2, 3 and 4 at 0.1 s; rank 4 is killed at
// 1 s; a last frame at 2 s.
fs::path write_recording() {
  std::random_device rd;
  const fs::path file = fs::temp_directory_path() / ("rt-gui-replay-" + std::to_string(rd()));
  std::string error;
  const rt::cluster::RecordingHeader header{
      "random", "gui", 0, {{1, id_of(1)}, {2, id_of(2)}, {3, id_of(3)}, {4, id_of(4)}}};
  auto writer = rt::cluster::RecordingWriter::create(file, header, error);
  using K = rt::wire::EventKind;
  const rt::Micros t0 = 1'700'000'000'000'000;
  std::vector<rt::wire::EventRecord> origin{event(1, t0 + 100'000, K::originate, {}),
                                            event(2, t0 + 100'000, K::deliver, {})};
  for (std::uint8_t to = 2; to <= 4; ++to) {
    origin.push_back(event(origin.size() + 1, t0 + 100'000, K::send, id_of(to), 1100));
  }
  origin.push_back(event(origin.size() + 1, t0 + 2'000'000, K::send, id_of(2), 100));
  writer->add_events(1, origin);
  for (int rank = 2; rank <= 4; ++rank) {
    writer->add_events(rank, {event(1, t0 + 103'000, K::receive, id_of(1), 1100),
                              event(2, t0 + 103'000, K::deliver, {})});
  }
  writer->add_note(t0 + 50'000, {{"broadcast", {{"id", "000000000000002a"}, {"origin_rank", 1}}}});
  writer->add_note(t0 + 1'000'000, {{"fault", "kill"}, {"ranks", {4}}});
  if (!writer->finish(error)) return {};
  return file;
}

bool logged(const rt::gui::EventLogModel& log, const QString& text) {
  for (int row = 0; row < log.rowCount(); ++row) {
    if (log.entry(row).text.contains(text)) return true;
  }
  return false;
}

}  // namespace

class StudioReplayTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { rt::gui::initResources(); }

  void aRecordingPlaysIntoTheSameViewsAndSeeksBack() {
    const fs::path file = write_recording();
    QVERIFY(!file.empty());
    ClusterController controller;
    MainWindow window(&controller);
    window.show();
    controller.replay(QString::fromStdString(file.string()));
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), ClusterController::State::replaying, 10000);
    rt::gui::ReplayDriver* driver = controller.replayDriver();
    QVERIFY(driver);
    QVERIFY(window.replayBar()->isVisible());
    QCOMPARE(window.nodeModel()->rowCount(), 4);
    QCOMPARE(window.treePanel()->nodeItemCount(), 4);

    QSignalSpy finished(driver, &rt::gui::ReplayDriver::finished);
    driver->setSpeed(64);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    QCOMPARE(window.replayBar()->timeline()->value(), static_cast<int>(driver->durationMs()));
    QVERIFY(!driver->isPlaying());
    QVERIFY(window.nodeModel()->statusOf(4) != NodeStatus::alive);
    QCOMPARE(window.nodeModel()->statusOf(2), NodeStatus::alive);
    QVERIFY(logged(*window.logModel(), "broadcast from rank 1"));
    QVERIFY(logged(*window.logModel(), "fault kill 4"));
    QVERIFY(window.treePanel()->trace()->find(rt::MessageId{42}) != nullptr);

    // Back to before the kill: the views start over and rank 4 is alive again.
    driver->seek(500);
    QCOMPARE(driver->positionMs(), 500);
    QTRY_COMPARE(window.nodeModel()->statusOf(4), NodeStatus::alive);
    QVERIFY(window.treePanel()->trace()->find(rt::MessageId{42}) != nullptr);

    // A recording that is not one says so and starts nothing.
    ClusterController other;
    QSignalSpy failed(&other, &ClusterController::failed);
    other.replay(QStringLiteral("/nonexistent/demo.rtrec"));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
    QVERIFY(failed.front().front().toString().contains(QLatin1String("/nonexistent/demo.rtrec")));
    fs::remove(file);
  }
};

QTEST_MAIN(StudioReplayTest)
#include "gui_replay_test.moc"
