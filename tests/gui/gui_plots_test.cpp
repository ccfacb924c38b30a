// The session plots (bandwidth, duplicates, coverage, mode comparison) with synthetic samples,
// events and files, offscreen and without a cluster: the data each plot holds, the redraw
// policy and the exports. With RT_PLOTS_DIR set, the PNGs are also written there to look at.
#include <qcustomplot.h>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "plots/bandwidth_plot.hpp"
#include "plots/bandwidth_series.hpp"
#include "plots/compare_data.hpp"
#include "plots/compare_plot.hpp"
#include "plots/coverage_plot.hpp"
#include "plots/coverage_series.hpp"
#include "plots/duplicate_counts.hpp"
#include "plots/duplicates_plot.hpp"
#include "studio_theme.hpp"

using namespace rt::gui;
using rt::Micros;
using rt::cluster::NodeSample;
using rt::cluster::PeerSample;
using rt::cluster::RankedEvent;

namespace {
constexpr Micros kSecond = 1'000'000;
constexpr Micros kT0 = 1'700'000'000 * kSecond;

rt::NodeId nodeId(int rank) {
  rt::NodeId::Bytes bytes{};
  bytes[0] = static_cast<std::uint8_t>(rank);
  return rt::NodeId(bytes);
}

std::vector<rt::NodeId> ids(int nodes) {
  std::vector<rt::NodeId> out;
  for (int rank = 1; rank <= nodes; ++rank) out.push_back(nodeId(rank));
  return out;
}

// Node `rank` at time `t` after `seconds` of sending `rate(peer)` bytes per second to each
// peer (and receiving half of that back); node totals are the peer sums.
NodeSample sampleAt(int rank, int peers, Micros t, double seconds,
                    const std::function<double(int)>& rate) {
  NodeSample s;
  s.rank = rank;
  s.time_us = t;
  s.answering = s.process_alive = true;
  for (int peer = 1; peer <= peers + 1; ++peer) {
    if (peer == rank) continue;
    PeerSample p;
    p.peer = nodeId(peer);
    p.connected = true;
    p.bytes_out = static_cast<std::uint64_t>(rate(peer) * seconds);
    p.bytes_in = p.bytes_out / 2;
    s.bytes_out += p.bytes_out;
    s.bytes_in += p.bytes_in;
    s.peers.push_back(p);
  }
  return s;
}

RankedEvent rankedEvent(int rank, rt::wire::EventKind kind, std::uint64_t id, Micros t) {
  RankedEvent e;
  e.rank = rank;
  e.event.kind = kind;
  e.event.msg_id = rt::MessageId{id};
  e.event.time_us = t;
  return e;
}

QStringList readLines(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) return {};
  return QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
}

const char* kCompareJson = R"({
  "broadcasts": 2, "dead_fraction": 0.0, "nodes": 27, "seed": 1,
  "rows": [
    {"control_bytes": 0, "coverage": 1.0, "last_delivery_ms": 1.9, "max_hops": 3,
     "mean_hops": 2.07, "missed": 0, "mode": "pocket", "payload_bytes": 8000,
     "payload_copies_per_node": 1.0, "size": 256},
    {"control_bytes": 2000, "coverage": 1.0, "last_delivery_ms": 2.0, "max_hops": 3,
     "mean_hops": 2.07, "missed": 0, "mode": "raintree", "payload_bytes": 8000,
     "payload_copies_per_node": 1.0, "size": 256},
    {"control_bytes": 0, "coverage": 0.5, "last_delivery_ms": 52.0, "max_hops": 3,
     "mean_hops": 2.07, "missed": 13, "mode": "pocket", "payload_bytes": 27000000,
     "payload_copies_per_node": 1.0, "size": 1048576},
    {"control_bytes": 2010, "coverage": 1.0, "last_delivery_ms": 60.0, "max_hops": 3,
     "mean_hops": 2.07, "missed": 0, "mode": "raintree", "payload_bytes": 27000000,
     "payload_copies_per_node": 1.25, "size": 1048576}
  ],
  "verdict": {}
})";
}  // namespace

class PlotsTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

  // Writes PNG, SVG and CSV of `plot` and checks them; also to $RT_PLOTS_DIR when set.
  void checkExports(PlotPanel& plot, const QString& name, const QString& header) {
    QString error;
    const QString png = dir_.filePath(name + ".png");
    QVERIFY2(plot.exportPng(png, &error), qPrintable(error));
    QVERIFY(QFileInfo(png).size() > 1000);
    QVERIFY(!QImage(png).isNull());
    QVERIFY2(plot.exportSvg(dir_.filePath(name + ".svg"), &error), qPrintable(error));
    QFile svg(dir_.filePath(name + ".svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains("<svg"));
    QVERIFY2(plot.exportCsv(dir_.filePath(name + ".csv"), &error), qPrintable(error));
    const QStringList lines = readLines(dir_.filePath(name + ".csv"));
    QVERIFY(lines.size() >= 2);
    QCOMPARE(lines[0], header);
    QCOMPARE(static_cast<std::size_t>(lines.size()), plot.csvRows().size());
    QVERIFY(!plot.exportCsv("/nonexistent-dir/x.csv", &error));
    QVERIFY(error.contains("/nonexistent-dir/x.csv"));
    const QByteArray out = qgetenv("RT_PLOTS_DIR");
    if (!out.isEmpty()) {
      const QDir dir(QString::fromLocal8Bit(out));
      QVERIFY(plot.exportPng(dir.filePath("plot-" + name + ".png")));
      // At the size of the studio's bottom dock, to check that it stays legible there.
      const QSize size = plot.size();
      plot.resize(880, 300);
      QVERIFY(plot.exportPng(dir.filePath("plot-" + name + "-dock.png")));
      plot.resize(size);
    }
  }

 private slots:
  void initTestCase() {
    rt::gui::initResources();
    QVERIFY(dir_.isValid());
  }

  void bandwidthSeriesPicksTopKAndSumsTheRest() {
    BandwidthSeries series(120, 0);
    series.setRanks(ids(8));
    // Node 1 sends 100·peer bytes per second to peers 2..8: 7 peers, top 5 are 8..4.
    const auto rate = [](int peer) { return 100.0 * peer; };
    series.addSamples({sampleAt(1, 7, kT0, 0, rate)});
    series.addSamples({sampleAt(1, 7, kT0 + 2 * kSecond, 2, rate)});
    QVERIFY(series.advance(kT0 + 2 * kSecond));
    const auto lines = series.top(BandwidthSeries::Mode::peers, 1, 5);
    QCOMPARE(lines.size(), std::size_t(6));
    for (int i = 0; i < 5; ++i) {
      QCOMPARE(lines[i].rank, 8 - i);
      QVERIFY(!lines[i].other);
      QCOMPARE(lines[i].points.size(), std::size_t(2));
      QCOMPARE(lines[i].points.back().bytes_out_per_s, 100.0 * (8 - i));
      QCOMPARE(lines[i].points.back().bytes_in_per_s, 50.0 * (8 - i));
    }
    QVERIFY(lines[5].other);
    QCOMPARE(lines[5].summed, 2);  // peers 2 and 3
    QCOMPARE(lines[5].points.back().bytes_out_per_s, 500.0);
    QCOMPARE(lines[5].points.back().bytes_in_per_s, 250.0);
    QCOMPARE(lines[5].current, 750.0);
    // Fewer lines than k: no "other".
    QCOMPARE(series.top(BandwidthSeries::Mode::peers, 1, 9).size(), std::size_t(7));
    // Nodes mode ranks nodes by their totals; an unknown node has no peers.
    series.addSamples({sampleAt(2, 1, kT0, 0, rate), sampleAt(2, 1, kT0 + 2 * kSecond, 2, rate)});
    series.advance(kT0 + 3 * kSecond);
    const auto nodes = series.top(BandwidthSeries::Mode::nodes, 0, 1);
    QCOMPARE(nodes.size(), std::size_t(2));
    QCOMPARE(nodes[0].rank, 1);
    QVERIFY(nodes[1].other);
    QVERIFY(series.top(BandwidthSeries::Mode::peers, 5, 5).empty());
  }

  void bandwidthSeriesBoundsPeerLines() {
    BandwidthSeries series(10, 0, 4);
    const auto rate = [](int) { return 10.0; };
    series.addSamples({sampleAt(1, 3, kT0, 0, rate), sampleAt(2, 3, kT0, 0, rate)});
    QCOMPARE(series.peerLines(), std::size_t(4));  // node 2's peers did not fit
    series.keepPeersOf(2);
    series.addSamples({sampleAt(2, 3, kT0 + kSecond, 1, rate)});
    QCOMPARE(series.peerLines(), std::size_t(6));  // the selected node always gets its peers
    series.keepPeersOf(3);  // over the bound: only the new selection keeps history
    QCOMPARE(series.peerLines(), std::size_t(0));
  }

  void bandwidthPlotShowsSelectedPeersAndExports() {
    BandwidthPlot plot;
    plot.setRefreshRate(0);
    plot.resize(900, 500);
    plot.setNodes(ids(8));
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    const auto rate = [](int peer) { return 1000.0 * peer; };
    for (int s = 0; s <= 3; ++s) {
      plot.addSamples({sampleAt(1, 7, kT0 + s * kSecond, s, rate),
                       sampleAt(3, 7, kT0 + s * kSecond, s, [](int) { return 10.0; })});
    }
    const int before = plot.replotCount();
    plot.tick(kT0 + 5 * kSecond);
    QCOMPARE(plot.replotCount(), before + 1);
    plot.tick(kT0 + 5 * kSecond);  // nothing new
    QCOMPARE(plot.replotCount(), before + 1);
    QCOMPARE(plot.shownRank(), 1);  // nothing selected: node 1
    auto lines = plot.lines();
    QCOMPARE(lines.size(), std::size_t(6));
    QCOMPARE(plot.label(lines[0]), QString("node 8"));
    QCOMPARE(plot.label(lines[5]), QString("other (2 peers)"));
    // The plot holds the same lines in KiB/s, in rate order.
    QCPGraph* top = plot.plot()->graph(0);
    QCOMPARE(top->name(), QString("node 8"));
    QCOMPARE(top->data()->at(top->data()->size() - 2)->value, 4000.0 / 1024);  // received
    QCPGraph* sent = plot.plot()->graph(BandwidthPlot::kMaxTop + 1);           // the lower rect
    QCOMPARE(sent->name(), QString("node 8"));
    QCOMPARE(sent->data()->at(sent->data()->size() - 2)->value, 8000.0 / 1024);
    QVERIFY(plot.summary().contains("select a node"));

    plot.setSelectedRank(3);
    QCOMPARE(plot.lines()[0].points.back().bytes_out_per_s, 0.0);  // all silent after second 3
    QCOMPARE(plot.lines()[0].rank, 1);  // equal rates: by window, then lowest rank
    plot.setMode(BandwidthSeries::Mode::nodes);
    plot.setTopCount(1);
    lines = plot.lines();
    QCOMPARE(lines.size(), std::size_t(2));
    QCOMPARE(lines[0].rank, 1);
    QCOMPARE(plot.label(lines[1]), QString("other (1 node)"));
    checkExports(plot, "bandwidth", "unix_time_s,series,bytes_in_per_s,bytes_out_per_s");
    const QStringList csv = readLines(dir_.filePath("bandwidth.csv"));
    QVERIFY(csv.contains(QString("%1,node 1,17500.0,35000.0").arg(kT0 / kSecond + 1)));

    // Hidden: no replot, whatever arrives; caught up when shown.
    plot.setMode(BandwidthSeries::Mode::peers);
    plot.setTopCount(5);
    plot.setSelectedRank(1);
    plot.hide();
    const int hidden = plot.replotCount();
    plot.addSamples({sampleAt(1, 7, kT0 + 6 * kSecond, 6, rate)});
    plot.tick(kT0 + 8 * kSecond);
    QCOMPARE(plot.replotCount(), hidden);
    plot.show();
    QCOMPARE(plot.replotCount(), hidden + 1);
  }

  void duplicatesHoldOneBarPerRank() {
    DuplicateCounts counts;
    counts.setNodeCount(4);
    NodeSample a;
    a.rank = 2;
    a.answering = true;
    a.duplicates = 7;
    a.delivered = 3;
    QVERIFY(counts.addSamples({a}));
    QVERIFY(!counts.addSamples({a}));  // unchanged
    a.answering = false;
    a.duplicates = 99;
    QVERIFY(!counts.addSamples({a}));  // a silent node reports nothing
    QCOMPARE(counts.bars().size(), std::size_t(4));
    QCOMPARE(counts.bars()[1].duplicates, std::uint64_t(7));
    QVERIFY(!counts.bars()[0].reported);

    DuplicatesPlot plot;
    plot.setRefreshRate(0);
    plot.resize(800, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.setNodeCount(5);
    std::vector<NodeSample> samples;
    for (int rank = 1; rank <= 5; ++rank) {
      NodeSample s;
      s.rank = rank;
      s.answering = true;
      s.duplicates = static_cast<std::uint64_t>(rank * 10);
      s.delivered = 4;
      samples.push_back(s);
    }
    plot.addSamples(samples);
    const int before = plot.replotCount();
    plot.tick(kT0);
    QCOMPARE(plot.replotCount(), before + 1);
    QCPBarsDataContainer& bars = *plot.duplicateBars()->data();
    QCOMPARE(bars.size(), 5);
    for (int i = 0; i < 5; ++i) {
      QCOMPARE(bars.at(i)->key, double(i + 1));
      QCOMPARE(bars.at(i)->value, double((i + 1) * 10));
    }
    QVERIFY(plot.summary().contains("<b>150</b> duplicate copies over 5 nodes"));
    QVERIFY(plot.summary().contains("most at node 5 (50)"));
    QVERIFY(plot.deliveredBars()->visible());  // by default
    plot.setShowDelivered(false);
    QVERIFY(!plot.deliveredBars()->visible());
    QCOMPARE(plot.duplicateBars()->data()->size(), 5);
    plot.setShowDelivered(true);
    QVERIFY(plot.deliveredBars()->visible());
    QCOMPARE(plot.deliveredBars()->data()->at(2)->value, 4.0);
    plot.tick(kT0);
    const int after = plot.replotCount();
    plot.addSamples(samples);  // the same counts: nothing to redraw
    plot.tick(kT0);
    QCOMPARE(plot.replotCount(), after);
    checkExports(plot, "duplicates", "rank,duplicates,delivered,reported");
    QCOMPARE(readLines(dir_.filePath("duplicates.csv"))[3], QString("3,30,4,true"));
  }

  void coverageReachesOneAtTheLastDelivery() {
    using rt::wire::EventKind;
    CoverageSeries series(8);
    series.setNodeCount(4);
    // Out of order: two deliveries arrive before the originate event.
    QVERIFY(series.add({rankedEvent(2, EventKind::deliver, 7, kT0 + 3000),
                        rankedEvent(3, EventKind::deliver, 7, kT0 + 5000)}));
    QCOMPARE(series.curves()[0].start_us, kT0 + 3000);  // provisional start
    QVERIFY(series.add({rankedEvent(1, EventKind::originate, 7, kT0),
                        rankedEvent(1, EventKind::deliver, 7, kT0 + 100),
                        rankedEvent(4, EventKind::send, 7, kT0 + 8000)}));
    QVERIFY(
        !series.add(2, rankedEvent(2, EventKind::deliver, 7, kT0 + 9000).event));  // once per node
    auto curve = series.curves().at(0);
    QCOMPARE(curve.origin, 1);
    QCOMPARE(curve.delivered, 3);
    QCOMPARE(curve.fraction(), 0.75);
    QVERIFY(series.add(4, rankedEvent(4, EventKind::deliver, 7, kT0 + 12000).event));
    curve = series.curves().at(0);
    QCOMPARE(curve.points.size(), std::size_t(5));
    QCOMPARE(curve.points[0].ms, 0.0);
    QCOMPARE(curve.points[0].fraction, 0.0);
    QCOMPARE(curve.points[1].ms, 0.1);
    QCOMPARE(curve.points[2].fraction, 0.5);
    QCOMPARE(curve.points.back().ms, 12.0);
    QCOMPARE(curve.points.back().fraction, 1.0);
    for (std::size_t i = 1; i + 1 < curve.points.size(); ++i) {
      QVERIFY(curve.points[i].fraction < 1.0);  // 1.0 exactly at the last delivery
    }

    // Bounded: the ninth broadcast evicts the first, and its stragglers stay out.
    for (std::uint64_t id = 100; id < 108; ++id) {
      series.add(1, rankedEvent(1, EventKind::originate, id, kT0 + static_cast<Micros>(id)).event);
    }
    QCOMPARE(series.size(), std::size_t(8));
    QCOMPARE(series.curves().front().id.value, std::uint64_t(100));
    QVERIFY(!series.add(3, rankedEvent(3, EventKind::deliver, 7, kT0 + 20000).event));
    QCOMPARE(series.size(), std::size_t(8));
  }

  void coveragePlotDrawsOneLinePerBroadcast() {
    using rt::wire::EventKind;
    CoveragePlot plot;
    plot.setRefreshRate(0);
    plot.resize(800, 450);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.setNodeCount(10);
    const std::uint64_t ids[] = {0x3fa2c1d07b9e4410, 0x9b07e5a1c4d23f88, 0xd41c8e2f60a9b175};
    for (std::uint64_t b = 0; b < 3; ++b) {
      const Micros start = kT0 + static_cast<Micros>(b) * kSecond;
      std::vector<RankedEvent> events{rankedEvent(1, EventKind::originate, ids[b], start)};
      for (int rank = 1; rank <= 10; ++rank) {
        // Broadcast b reaches rank r after r·(b+1) ms; the last misses node 10.
        if (b == 2 && rank == 10) continue;
        events.push_back(rankedEvent(rank, EventKind::deliver, ids[b],
                                     start + rank * static_cast<Micros>(b + 1) * 1000));
      }
      plot.addEvents(events);
    }
    plot.tick(kT0);
    QCOMPARE(plot.series().size(), std::size_t(3));
    QCPGraph* first = plot.graph(0);
    QVERIFY(first->visible());
    QCOMPARE(first->data()->size(), 11);
    QCOMPARE((first->data()->constEnd() - 1)->key, 10.0);
    QCOMPARE((first->data()->constEnd() - 1)->value, 1.0);
    QCPGraph* last = plot.graph(2);
    QCOMPARE((last->data()->constEnd() - 1)->value, 0.9);
    QVERIFY(last->name().contains("90%"));
    QVERIFY(!plot.graph(3)->visible());
    QVERIFY(plot.summary().contains("<b>9</b> nodes delivered"));
    checkExports(plot, "coverage",
                 "broadcast_id,origin_rank,ms_since_origination,fraction_delivered");
    QVERIFY(readLines(dir_.filePath("coverage.csv"))
                .contains(QString("3fa2c1d07b9e4410,1,10.000,1.0000")));
  }

  void compareParsesTheLabOutput() {
    QString error;
    auto data = CompareData::parse(kCompareJson, &error);
    QVERIFY2(data, qPrintable(error));
    QCOMPARE(data->modes(), QStringList({"pocket", "raintree"}));
    QCOMPARE(data->sizes(), (std::vector<qint64>{256, 1048576}));
    QCOMPARE(data->nodes, 27);
    const CompareRow* row = data->row("raintree", 256);
    QVERIFY(row);
    QCOMPARE(data->value(*row, CompareMetric::wire_bytes), 5000.0);  // per broadcast
    QCOMPARE(data->value(*data->row("pocket", 1048576), CompareMetric::coverage), 0.5);
    QCOMPARE(formatSize(1048576), QString("1 MiB"));
    QCOMPARE(formatSize(1536), QString("1.5 KiB"));
  }

  void compareRejectsBrokenFilesClearly_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");
    QTest::newRow("truncated") << QByteArray(kCompareJson).left(120) << "not valid JSON";
    QTest::newRow("array") << QByteArray("[1,2]") << "top level is not an object";
    QTest::newRow("report") << QByteArray(R"({"mode":"raintree","nodes":[]})")
                            << "no \"rows\" array; expected the output of `raintree-lab compare";
    QTest::newRow("empty") << QByteArray(R"({"rows":[]})") << "\"rows\" is empty";
    QTest::newRow("field") << QByteArray(R"({"rows":[{"mode":"x","size":1,"coverage":1,
        "payload_copies_per_node":1,"control_bytes":0,"last_delivery_ms":1}]})")
                           << "rows[0].payload_bytes is missing or not a non-negative number";
    QTest::newRow("coverage") << QByteArray(R"({"rows":[{"mode":"x","size":1,"coverage":3,
        "payload_copies_per_node":1,"control_bytes":0,"payload_bytes":1,"last_delivery_ms":1}]})")
                              << "rows[0].coverage is 3, above 1";
  }

  void compareRejectsBrokenFilesClearly() {
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    QString error;
    QVERIFY(!CompareData::parse(json, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
  }

  void comparePlotLoadsAndKeepsDataOnABadFile() {
    const QString good = dir_.filePath("cmp.json");
    const QString bad = dir_.filePath("broken.json");
    {
      QFile file(good);
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write(kCompareJson);
      QFile broken(bad);
      QVERIFY(broken.open(QIODevice::WriteOnly));
      broken.write("{\"rows\": [ {\"mode\": ");
    }
    ComparePlot plot;
    plot.setRefreshRate(0);
    plot.resize(1000, 650);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    QString error;
    QVERIFY2(plot.load(good, &error), qPrintable(error));
    QCPBars* copies = plot.bars(CompareMetric::copies_per_node, "raintree");
    QVERIFY(copies);
    QCOMPARE(copies->data()->size(), 2);
    QCOMPARE(copies->data()->at(1)->key, 2.0);  // the second size
    QCOMPARE(copies->data()->at(1)->value, 1.25);
    QCOMPARE(plot.bars(CompareMetric::last_delivery_ms, "pocket")->data()->at(1)->value, 52.0);
    QVERIFY(!plot.bars(CompareMetric::coverage, "advert"));
    QVERIFY(plot.summary().contains("cmp.json"));

    QVERIFY(!plot.load(bad, &error));
    QVERIFY2(error.startsWith("broken.json: not valid JSON"), qPrintable(error));
    QCOMPARE(plot.errorText(), error);
    QVERIFY(plot.summary().contains("not valid JSON"));
    QVERIFY(plot.data());  // the previous comparison stays
    QVERIFY(!plot.load(dir_.filePath("missing.json"), &error));
    QVERIFY(error.startsWith("Cannot open"));
    checkExports(plot, "compare",
                 "size,mode,payload_copies_per_node,wire_bytes_per_broadcast,last_delivery_ms,"
                 "coverage,missed");
    QCOMPARE(readLines(dir_.filePath("compare.csv"))[4],
             QString("1048576,raintree,1.25,13501005,60,1,0"));
  }
};

QTEST_MAIN(PlotsTest)
#include "gui_plots_test.moc"
