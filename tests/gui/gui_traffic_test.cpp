// The traffic plot's ring buffer and per-second series, and the plot's replot and export
// behaviour, with synthetic samples and a synthetic clock.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <stdexcept>

#include "plots/ring_buffer.hpp"
#include "plots/traffic_plot.hpp"
#include "plots/traffic_series.hpp"
#include "studio_theme.hpp"

using rt::gui::RingBuffer;
using rt::gui::TrafficPlot;
using rt::gui::TrafficSeries;

namespace {
constexpr rt::Micros kSecond = 1'000'000;
constexpr rt::Micros kT0 = 1'700'000'000 * kSecond;  // a whole second

rt::cluster::NodeSample sample(int rank, rt::Micros time_us, std::uint64_t in, std::uint64_t out) {
  rt::cluster::NodeSample s;
  s.rank = rank;
  s.time_us = time_us;
  s.answering = true;
  s.process_alive = true;
  s.bytes_in = in;
  s.bytes_out = out;
  return s;
}
}  // namespace

class TrafficTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { rt::gui::initResources(); }

  void ringBufferKeepsTheNewest() {
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, RingBuffer<int>(0));
    RingBuffer<int> ring(3);
    QVERIFY(ring.empty());
    ring.push(1);
    ring.push(2);
    QCOMPARE(ring.size(), std::size_t(2));
    QCOMPARE(ring.front(), 1);
    QCOMPARE(ring.back(), 2);
    ring.push(3);
    QVERIFY(ring.full());
    ring.push(4);
    ring.push(5);
    QCOMPARE(ring.size(), std::size_t(3));
    QCOMPARE(ring[0], 3);
    QCOMPARE(ring[1], 4);
    QCOMPARE(ring[2], 5);
    ring[0] = 30;
    QCOMPARE(ring.front(), 30);
    ring.clear();
    QVERIFY(ring.empty());
    ring.push(7);
    QCOMPARE(ring.front(), 7);
    QCOMPARE(ring.capacity(), std::size_t(3));
  }

  void seriesSumsNodesPerSecond() {
    TrafficSeries series(120, 500'000);
    // Baselines: nothing counted yet.
    series.addSample(1, kT0, 1000, 500);
    series.addSample(2, kT0, 7000, 100);
    QVERIFY(!series.advance(kT0 + kSecond / 2));
    // Within second 0: node 1 +300 in, node 2 +200 in / +50 out.
    series.addSample(1, kT0 + 400'000, 1300, 500);
    series.addSample(2, kT0 + 900'000, 7200, 150);
    QVERIFY(!series.advance(kT0 + kSecond + 400'000));  // still within the grace period
    QVERIFY(series.advance(kT0 + kSecond + 500'000));
    QCOMPARE(series.points().size(), std::size_t(1));
    QCOMPARE(series.points()[0].second, kT0 / kSecond);
    QCOMPARE(series.points()[0].bytes_in_per_s, 500.0);
    QCOMPARE(series.points()[0].bytes_out_per_s, 50.0);
    QCOMPARE(series.nodes(), std::size_t(2));
  }

  void seriesSpreadsLongIntervalsAndFillsSilence() {
    TrafficSeries series(120, 0);
    series.addSample(1, kT0, 0, 0);
    // 4000 bytes over four seconds: 1000 per second.
    series.addSample(1, kT0 + 4 * kSecond, 4000, 8000);
    QVERIFY(series.advance(kT0 + 6 * kSecond));
    QCOMPARE(series.points().size(), std::size_t(6));
    for (int i = 0; i < 4; ++i) {
      QCOMPARE(series.points()[i].bytes_in_per_s, 1000.0);
      QCOMPARE(series.points()[i].bytes_out_per_s, 2000.0);
    }
    QCOMPARE(series.points()[4].bytes_in_per_s, 0.0);  // silent seconds are zeros
    QCOMPARE(series.points()[5].bytes_in_per_s, 0.0);
    QVERIFY(!series.advance(kT0 + 6 * kSecond));  // nothing new closed
  }

  void seriesHandlesRestartsAndLateSamples() {
    TrafficSeries series(120, 0);
    series.addSample(1, kT0, 5000, 5000);
    series.addSample(1, kT0 + 500'000, 100, 50);  // restarted: counts from zero
    QVERIFY(series.advance(kT0 + 2 * kSecond));
    QCOMPARE(series.points()[0].bytes_in_per_s, 100.0);
    QCOMPARE(series.points()[0].bytes_out_per_s, 50.0);
    // A sample stamped in an already closed second lands in the oldest open one.
    series.addSample(2, kT0, 0, 0);
    series.addSample(2, kT0 + 600'000, 70, 70);
    QVERIFY(series.advance(kT0 + 3 * kSecond));
    QCOMPARE(series.points().back().second, kT0 / kSecond + 2);
    QCOMPARE(series.points().back().bytes_in_per_s, 70.0);
  }

  void seriesIsBoundedAcrossLongGaps() {
    TrafficSeries series(10, 0);
    series.addSample(1, kT0, 0, 0);
    series.addSample(1, kT0 + 500'000, 10, 10);
    QVERIFY(series.advance(kT0 + 1000 * kSecond));
    QCOMPARE(series.points().size(), std::size_t(10));
    QCOMPARE(series.points().back().second, kT0 / kSecond + 999);
    series.clear();
    QVERIFY(series.points().empty());
    QVERIFY(!series.advance(kT0 + 2000 * kSecond));
  }

  void plotReplotsOnlyWhenDataChanged() {
    TrafficPlot plot(nullptr, 120);
    plot.setRefreshRate(20);
    plot.resize(900, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    const int before = plot.replotCount();
    plot.addSamples({sample(1, kT0, 0, 0), sample(2, kT0, 0, 0)});
    plot.addSamples({sample(1, kT0 + 500'000, 2048, 1024), sample(2, kT0 + 500'000, 2048, 1024)});
    plot.tick(kT0 + 500'000);  // the second is not over yet
    QCOMPARE(plot.replotCount(), before);
    QSignalSpy added(&plot, &TrafficPlot::pointsAdded);
    plot.tick(kT0 + 3 * kSecond);
    QCOMPARE(added.count(), 1);
    QCOMPARE(plot.replotCount(), before + 1);
    QCOMPARE(plot.series().points()[0].bytes_in_per_s, 4096.0);
    plot.tick(kT0 + 3 * kSecond);  // nothing new: no replot
    QCOMPARE(plot.replotCount(), before + 1);

    // Hidden plots do not replot; they catch up when shown again.
    plot.hide();
    plot.addSamples({sample(1, kT0 + 3 * kSecond, 4096, 2048)});
    plot.tick(kT0 + 5 * kSecond);
    QCOMPARE(plot.replotCount(), before + 1);
    QCOMPARE(added.count(), 2);  // the series moves on while hidden
    plot.show();
    QCOMPARE(plot.replotCount(), before + 2);
  }

  void plotExportsEveryFormat() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TrafficPlot plot(nullptr, 120);
    plot.resize(900, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.addSamples({sample(1, kT0, 0, 0)});
    plot.addSamples({sample(1, kT0 + 2 * kSecond, 3000, 1000)});
    plot.tick(kT0 + 4 * kSecond);
    QString error;
    QVERIFY2(plot.exportPng(dir.filePath("p.png"), &error), qPrintable(error));
    QVERIFY2(plot.exportSvg(dir.filePath("p.svg"), &error), qPrintable(error));
    QVERIFY2(plot.exportPdf(dir.filePath("p.pdf"), &error), qPrintable(error));
    QVERIFY2(plot.exportCsv(dir.filePath("p.csv"), &error), qPrintable(error));
    QImage image(dir.filePath("p.png"));
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 200 && image.height() >= 150);
    QFile svg(dir.filePath("p.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains("<svg"));
    QFile pdf(dir.filePath("p.pdf"));
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(4) == "%PDF");
    QFile csv(dir.filePath("p.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + 3);  // header + three closed seconds
    QCOMPARE(lines[0], QString("unix_time_s,local_time,bytes_in_per_s,bytes_out_per_s"));
    QVERIFY(lines[1].endsWith(",1500.0,500.0"));
    QVERIFY(!plot.exportCsv("/nonexistent-dir/p.csv", &error));
    QVERIFY(!error.isEmpty());
  }
};

QTEST_MAIN(TrafficTest)
#include "gui_traffic_test.moc"
