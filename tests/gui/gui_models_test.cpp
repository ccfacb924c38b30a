// NodeTableModel and EventLogModel under QAbstractItemModelTester, fed with synthetic data.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QtTest>

#include "models/event_log_model.hpp"
#include "models/node_table_model.hpp"

using rt::gui::EventLogModel;
using rt::gui::LogEntry;
using rt::gui::LogLevel;
using rt::gui::NodeStatus;
using rt::gui::NodeTableModel;

namespace {

std::vector<rt::cluster::NodeInfo> makeNodes(int count) {
  std::vector<rt::cluster::NodeInfo> nodes;
  for (int rank = 1; rank <= count; ++rank) {
    rt::NodeId::Bytes bytes{};
    bytes[0] = static_cast<std::uint8_t>(rank * 7);
    bytes[1] = static_cast<std::uint8_t>(rank);
    rt::cluster::NodeInfo node;
    node.rank = rank;
    node.id = rt::NodeId(bytes);
    node.role = rank % 3 == 0 ? "servicer" : "validator";
    node.pid = 1000 + rank;
    nodes.push_back(node);
  }
  return nodes;
}

rt::cluster::NodeSample sample(int rank, std::uint64_t delivered, std::uint64_t bytes = 0) {
  rt::cluster::NodeSample s;
  s.rank = rank;
  s.time_us = 1'000'000;
  s.answering = true;
  s.process_alive = true;
  s.delivered = delivered;
  s.bytes_in = bytes;
  s.bytes_out = bytes / 2;
  s.peers_connected = 3;
  s.peers.resize(4);
  s.peers[0].queue_frames = 2;
  s.peers[1].queue_frames = 5;
  return s;
}

QModelIndex cell(const QAbstractItemModel& model, int rank, int column) {
  for (int row = 0; row < model.rowCount(); ++row) {
    if (model.index(row, 0).data(NodeTableModel::RankRole).toInt() == rank) {
      return model.index(row, column);
    }
  }
  return {};
}

}  // namespace

class ModelsTest : public QObject {
  Q_OBJECT

 private slots:
  void nodeTablePassesModelTester() {
    NodeTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(NodeTableModel::SortRole);
    proxy.sort(NodeTableModel::DeliveredColumn, Qt::DescendingOrder);
    QAbstractItemModelTester proxy_tester(&proxy,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);

    model.setNodes(makeNodes(8));
    QCOMPARE(model.rowCount(), 8);
    QCOMPARE(model.columnCount(), int(NodeTableModel::ColumnCount));
    QCOMPARE(model.statusOf(3), NodeStatus::starting);

    std::vector<rt::cluster::NodeSample> samples;
    for (int rank = 1; rank <= 8; ++rank) samples.push_back(sample(rank, rank * 10u, rank * 4096u));
    model.applySamples(samples);
    QCOMPARE(model.answeringCount(), 8);
    // Sorted by delivered, descending: rank 8 first.
    QCOMPARE(proxy.index(0, 0).data(NodeTableModel::RankRole).toInt(), 8);
    samples[0].delivered = 1000;
    model.applySamples(samples);
    QCOMPARE(proxy.index(0, 0).data(NodeTableModel::RankRole).toInt(), 1);

    model.setNodes(makeNodes(3));
    QCOMPARE(proxy.rowCount(), 3);
    model.clear();
    QCOMPARE(proxy.rowCount(), 0);
  }

  void cellsShowSampleValues() {
    NodeTableModel model;
    model.setNodes(makeNodes(4));
    model.applySamples({sample(2, 42, 3 * 1024 * 1024)});
    const int row = model.rowOfRank(2);
    QCOMPARE(model.index(row, NodeTableModel::DeliveredColumn).data().toULongLong(), 42ull);
    QCOMPARE(model.index(row, NodeTableModel::QueueColumn).data().toULongLong(), 7ull);
    QCOMPARE(model.index(row, NodeTableModel::PeersColumn).data().toString(), QString("3 / 4"));
    QCOMPARE(model.index(row, NodeTableModel::BytesInColumn).data().toString(),
             QString("3.00 MiB"));
    QCOMPARE(model.index(row, NodeTableModel::BytesInColumn)
                 .data(NodeTableModel::SortRole)
                 .toULongLong(),
             3ull * 1024 * 1024);
    QCOMPARE(model.index(row, NodeTableModel::StatusColumn).data().toString(), QString("alive"));
    QCOMPARE(model.index(row, NodeTableModel::IdColumn).data().toString().size(), 8);
    QCOMPARE(model.index(row, NodeTableModel::IdColumn).data(Qt::ToolTipRole).toString().size(),
             64);
    QCOMPARE(model.index(row, NodeTableModel::RoleColumn).data().toString(), QString("validator"));
    QCOMPARE(model.index(row, NodeTableModel::PidColumn).data().toInt(), 1002);
    // Unknown ranks are ignored.
    model.applySamples({sample(99, 1)});
    QCOMPARE(model.rowCount(), 4);
  }

  void dataChangedIsCoalescedAndRoleSpecific() {
    NodeTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setNodes(makeNodes(16));
    QSignalSpy spy(&model, &QAbstractItemModel::dataChanged);

    std::vector<rt::cluster::NodeSample> samples;
    for (int rank = 1; rank <= 16; ++rank) samples.push_back(sample(rank, 1));
    model.applySamples(samples);
    // Sixteen rows changed counters and status: one signal for each kind, not sixteen.
    QCOMPARE(spy.count(), 2);
    const auto counters = spy.at(0);
    QCOMPARE(counters.at(0).toModelIndex().row(), 0);
    QCOMPARE(counters.at(1).toModelIndex().row(), 15);
    QCOMPARE(counters.at(0).toModelIndex().column(), int(NodeTableModel::PeersColumn));
    QCOMPARE(counters.at(1).toModelIndex().column(), int(NodeTableModel::BytesOutColumn));
    const auto counter_roles = counters.at(2).value<QList<int>>();
    QVERIFY(counter_roles.contains(Qt::DisplayRole));
    QVERIFY(!counter_roles.contains(NodeTableModel::StatusRole));
    const auto status = spy.at(1);
    QCOMPARE(status.at(0).toModelIndex().column(), int(NodeTableModel::StatusColumn));
    QCOMPARE(status.at(1).toModelIndex().column(), int(NodeTableModel::StatusColumn));
    QVERIFY(status.at(2).value<QList<int>>().contains(NodeTableModel::StatusRole));

    // The same values again: nothing to say.
    spy.clear();
    model.applySamples(samples);
    QCOMPARE(spy.count(), 0);

    // One node's counter: one signal, covering only its row.
    spy.clear();
    samples[4].delivered = 2;
    model.applySamples(samples);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toModelIndex().row(), 4);
    QCOMPARE(spy.at(0).at(1).toModelIndex().row(), 4);
  }

  void statusFollowsProcessAndCommands() {
    NodeTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setNodes(makeNodes(5));
    auto s1 = sample(1, 5);
    auto s2 = sample(2, 5);
    auto s3 = sample(3, 5);
    auto s4 = sample(4, 5);
    model.applySamples({s1, s2, s3, s4});
    QCOMPARE(model.statusOf(5), NodeStatus::starting);

    s1.stopped = true;
    s1.answering = false;
    s2.process_alive = false;
    s2.answering = false;
    s3.answering = false;
    s4.process_alive = false;
    s4.answering = false;
    model.noteKilled(2);
    model.applySamples({s1, s2, s3, s4});
    QCOMPARE(model.statusOf(1), NodeStatus::stopped);
    QCOMPARE(model.statusOf(2), NodeStatus::killed);
    QCOMPARE(model.statusOf(3), NodeStatus::not_answering);
    QCOMPARE(model.statusOf(4), NodeStatus::exited);
    QCOMPARE(model.answeringCount(), 0);
    // Counters of a silent node keep their last values.
    QCOMPARE(cell(model, 3, NodeTableModel::DeliveredColumn).data().toULongLong(), 5ull);

    // A kill noted after the process was seen gone still says "killed".
    QSignalSpy spy(&model, &QAbstractItemModel::dataChanged);
    model.noteKilled(4);
    QCOMPARE(model.statusOf(4), NodeStatus::killed);
    QCOMPARE(spy.count(), 1);
  }

  void proxyFiltersByStatusAndRole() {
    NodeTableModel model;
    model.setNodes(makeNodes(6));
    auto s = sample(2, 1);
    s.stopped = true;
    s.answering = false;
    model.applySamples({sample(1, 1), s});
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setFilterKeyColumn(-1);
    proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy.setFilterFixedString("stopped");
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, 0).data(NodeTableModel::RankRole).toInt(), 2);
    proxy.setFilterFixedString("servicer");
    QCOMPARE(proxy.rowCount(), 2);  // ranks 3 and 6
  }

  void eventLogIsBoundedAndPassesModelTester() {
    EventLogModel model(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QDateTime when = QDateTime::fromString("2026-01-02T03:04:05.678", Qt::ISODateWithMs);
    std::vector<LogEntry> entries;
    for (int i = 0; i < 6; ++i)
      entries.push_back({when, LogLevel::info, QString("line %1").arg(i)});
    model.append(entries);
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(model.index(0, EventLogModel::TimeColumn).data().toString(), QString("03:04:05.678"));
    model.append(entries);  // 12 > 10: the two oldest go
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.index(0, EventLogModel::MessageColumn).data().toString(), QString("line 2"));
    QCOMPARE(model.index(9, EventLogModel::MessageColumn).data().toString(), QString("line 5"));
    model.append(LogEntry{when, LogLevel::error, "boom"});
    QCOMPARE(model.index(9, EventLogModel::MessageColumn).data().toString(), QString("boom"));
    QVERIFY(model.index(9, 1).data(Qt::ForegroundRole).isValid());
    // A batch larger than the capacity keeps its newest lines only.
    std::vector<LogEntry> many;
    for (int i = 0; i < 25; ++i) many.push_back({when, LogLevel::info, QString("m%1").arg(i)});
    model.append(many);
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.index(0, 1).data().toString(), QString("m15"));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
  }

  void formatsBytes() {
    QCOMPARE(rt::gui::formatBytes(0), QString("0 B"));
    QCOMPARE(rt::gui::formatBytes(1023), QString("1023 B"));
    QCOMPARE(rt::gui::formatBytes(1536), QString("1.50 KiB"));
    QCOMPARE(rt::gui::formatBytes(20.0 * 1024 * 1024), QString("20.0 MiB"));
  }
};

QTEST_MAIN(ModelsTest)
#include "gui_models_test.moc"
