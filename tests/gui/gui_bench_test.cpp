// The studio's --bench: the simulated load is a faithful recording (time order, per-node
// sequence numbers, a note per broadcast, the wanted event rate, everyone delivers), the
// percentiles are right, and a short bench through the real main window takes in every event
// it plays, animates some of them, times paints and reports it all.
#include <QSignalSpy>
#include <QtTest>
#include <map>
#include <sstream>

#include "bench/frame_meter.hpp"
#include "bench/simulated_load.hpp"
#include "bench/studio_bench.hpp"
#include "bench/timed_application.hpp"
#include "main_window.hpp"
#include "session/cluster_controller.hpp"
#include "studio_theme.hpp"
#include "views/tree/tree_panel.hpp"

using rt::gui::ClusterController;
using rt::gui::SimulatedLoad;

namespace {

using Kind = rt::wire::EventKind;

}  // namespace

class BenchTest : public QObject {
  Q_OBJECT

 private slots:
  void simulatedLoadIsARecordingAtTheWantedRate() {
    SimulatedLoad load;
    load.nodes = 30;
    load.events_per_second = 3000;
    load.seconds = 2;
    const rt::gui::SimulatedRecording r = rt::gui::simulate_recording(load);
    QVERIFY(r.broadcasts >= 2);
    QCOMPARE(static_cast<int>(r.header.nodes.size()), 30);
    QVERIFY(r.events >= static_cast<std::uint64_t>(load.seconds * load.events_per_second));

    std::map<int, std::uint64_t> last_seq;
    std::map<int, int> deliveries;
    int notes = 0, originates = 0;
    rt::Micros last = 0, first_origin = 0, last_origin = 0;
    for (const rt::cluster::RecordingEntry& entry : r.entries) {
      const rt::Micros t = rt::cluster::entry_time(entry);
      QVERIFY2(t >= last, "entries in time order");
      last = t;
      if (const auto* e = std::get_if<rt::cluster::RecordedEvent>(&entry)) {
        QCOMPARE(e->event.seq, last_seq[e->rank] + 1);
        last_seq[e->rank] = e->event.seq;
        if (e->event.kind == Kind::deliver) ++deliveries[e->rank];
        if (e->event.kind == Kind::originate) {
          if (originates++ == 0) first_origin = t;
          last_origin = t;
        }
      } else {
        const auto& note = std::get<rt::cluster::RecordedNote>(entry).note;
        QVERIFY(note.contains("broadcast"));
        ++notes;
      }
    }
    QCOMPARE(notes, r.broadcasts);
    QCOMPARE(originates, r.broadcasts);
    QCOMPARE(static_cast<int>(deliveries.size()), load.nodes);
    for (const auto& [rank, count] : deliveries) QCOMPARE(count, r.broadcasts);
    // Broadcasts start one period apart, a period being one broadcast's events at the rate.
    const double period_s = r.events_per_broadcast / load.events_per_second;
    const double span_s = static_cast<double>(last_origin - first_origin) / 1e6;
    QVERIFY2(std::abs(span_s - period_s * (r.broadcasts - 1)) < 0.001,
             qPrintable(QString("span %1 s for %2 broadcasts").arg(span_s).arg(r.broadcasts)));
  }

  void anImpossibleLoadSaysWhy() {
    SimulatedLoad load;
    load.nodes = 0;
    std::string error;
    QVERIFY(!rt::gui::simulated_player(load, error));
    QVERIFY(!error.empty());
    load.nodes = 10;
    load.mode = "carrier-pigeon";
    error.clear();
    QVERIFY(!rt::gui::simulated_player(load, error));
    QVERIFY(error.find("carrier-pigeon") != std::string::npos);
  }

  void percentilesPickTheRightSample() {
    rt::gui::Distribution d;
    QCOMPARE(d.percentile(50), 0.0);
    for (int i = 100; i >= 1; --i) d.add(i);
    QCOMPARE(d.percentile(50), 50.0);
    QCOMPARE(d.percentile(90), 90.0);
    QCOMPARE(d.percentile(99), 99.0);
    QCOMPARE(d.percentile(100), 100.0);
    QCOMPARE(d.max(), 100.0);
    QVERIFY(d.summary().find("p99 99.00") != std::string::npos);
  }

  void aShortBenchTakesInEveryEventAndReports() {
    ClusterController controller;
    rt::gui::MainWindow window(&controller);
    window.resize(1280, 800);
    window.show();
    SimulatedLoad load;
    load.nodes = 40;
    load.events_per_second = 4000;
    load.seconds = 1.5;
    std::ostringstream out, progress;
    rt::gui::StudioBench bench(&controller, &window, load, out, progress);
    QSignalSpy finished(&bench, &rt::gui::StudioBench::finished);
    std::uint64_t seen = 0;  // what the views were handed while the bench measured
    connect(&controller, &ClusterController::eventsArrived, this,
            [&](const std::vector<rt::cluster::RankedEvent>& batch) {
              if (bench.running()) seen += batch.size();
            });
    bench.start();
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.at(0).at(0).toInt(), 0);
    const std::string report = out.str();
    QVERIFY2(
        report.find("event ingest:     " + std::to_string(seen) + " events") != std::string::npos,
        report.c_str());
    QVERIFY(seen > 0);
    QCOMPARE(window.treePanel()->nodeItemCount(), load.nodes);
    QVERIFY(window.treePanel()->animatedCount() > 0);
    QVERIFY2(report.find("paint time:       p50") != std::string::npos, report.c_str());
    QVERIFY2(report.find("(n 0)") == std::string::npos, report.c_str());
    QVERIFY(progress.str().find("simulating 40 raintree nodes") != std::string::npos);
  }
};

// The bench times paints through the studio's own application class.
int main(int argc, char** argv) {
  rt::gui::TimedApplication app(argc, argv);
  rt::gui::applyStudioTheme(app);
  BenchTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "gui_bench_test.moc"
