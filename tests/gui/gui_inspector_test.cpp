// The inspector's models (peers, advert queues, deep-queue search) under
// QAbstractItemModelTester, the node table's fault statuses, the partition dialog's validation
// and when each node action is offered, all with synthetic data.
#include <QAbstractItemModelTester>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QtTest>

#include "gui_test_support.hpp"
#include "models/node_table_model.hpp"
#include "views/fault_dialogs.hpp"
#include "views/inspector/advert_queue_model.hpp"
#include "views/inspector/deep_queue_model.hpp"
#include "views/inspector/peer_table_model.hpp"
#include "views/node_actions.hpp"

using namespace rt::gui;
using rt::cluster::FaultKind;
using rt::cluster::NodeCondition;
using rt::cluster::NodeSample;
using rt::cluster::PeerSample;
using Tester = QAbstractItemModelTester;
using rt::gui::test::saveShot;

namespace {

rt::NodeId idOf(int rank) {
  rt::NodeId::Bytes bytes{};
  bytes[0] = static_cast<std::uint8_t>(rank * 16);
  bytes[31] = static_cast<std::uint8_t>(rank);
  return rt::NodeId(bytes);
}

rt::cluster::ClusterInfo makeCluster(int nodes) {
  rt::cluster::ClusterInfo cluster;
  cluster.mode = "advert";
  for (int rank = 1; rank <= nodes; ++rank) {
    rt::cluster::NodeInfo node;
    node.rank = rank;
    node.id = idOf(rank);
    node.pid = 1000 + rank;
    cluster.nodes.push_back(node);
  }
  return cluster;
}

PeerSample peer(int rank, std::uint64_t queue, std::uint64_t frames_in = 10) {
  PeerSample p;
  p.peer = idOf(rank);
  p.connected = true;
  p.frames_in = frames_in;
  p.frames_out = 12;
  p.bytes_in = 2048;
  p.queue_frames = queue;
  p.queue_bytes = queue * 100;
  p.queue_high_water_frames = queue + 1;
  p.last_heard_us = 8'500'000;
  return p;
}

NodeSample sampleOf(int rank, std::vector<PeerSample> peers) {
  NodeSample s;
  s.rank = rank;
  s.pid = 1000 + rank;
  s.time_us = 10'000'000;
  s.answering = true;
  s.process_alive = true;
  s.peers = std::move(peers);
  return s;
}

QString text(const QAbstractItemModel& model, int row, int column) {
  return model.index(row, column).data().toString();
}

}  // namespace

class InspectorModelsTest : public QObject {
  Q_OBJECT

 private slots:
  void peerModelUpdatesInPlaceWithOneSignalPerSample() {
    const auto cluster = makeCluster(5);
    PeerTableModel model(makeRankIndex(cluster));
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(PeerTableModel::SortRole);
    Tester proxy_tester(&proxy, Tester::FailureReportingMode::QtTest);
    proxy.sort(PeerTableModel::QueueFramesColumn, Qt::DescendingOrder);

    model.applySample(sampleOf(1, {peer(2, 0), peer(3, 7), peer(4, 1)}));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(text(model, 1, PeerTableModel::PeerColumn), QStringLiteral("3"));
    QCOMPARE(text(model, 1, PeerTableModel::IdColumn), QString::fromStdString(idOf(3).short_hex()));
    QCOMPARE(text(model, 1, PeerTableModel::LastHeardColumn), QStringLiteral("1.5 s ago"));
    QCOMPARE(text(proxy, 0, PeerTableModel::PeerColumn), QStringLiteral("3"));  // deepest

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    // Peer 2 leaves, 3 and 4 change, 5 arrives, and one never heard.
    PeerSample never = peer(5, 0);
    never.last_heard_us = 0;
    never.connected = false;
    model.applySample(sampleOf(1, {peer(3, 9), peer(4, 1, 11), never}));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(text(model, 2, PeerTableModel::LastHeardColumn), QStringLiteral("never"));
    QCOMPARE(text(model, 2, PeerTableModel::ConnectedColumn), QStringLiteral("down"));

    // The same sample again changes nothing; a node not answering keeps the rows.
    changed.clear();
    model.applySample(sampleOf(1, {peer(3, 9), peer(4, 1, 11), never}));
    NodeSample silent = sampleOf(1, {});
    silent.answering = false;
    model.applySample(silent);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(model.rowCount(), 3);
    // A peer outside the cluster has no rank.
    PeerSample stranger = peer(9, 0);
    model.applySample(sampleOf(1, {stranger}));
    QCOMPARE(text(model, 0, PeerTableModel::PeerColumn), QStringLiteral("?"));
  }

  void advertModelReadsTheInspectAnswerAndSurvivesBadOnes() {
    const auto cluster = makeCluster(4);
    AdvertQueueModel model(makeRankIndex(cluster));
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    const nlohmann::json engine = {
        {"mode", "advert"},
        {"tracked_artifacts", 2},
        {"peers",
         {{{"peer", idOf(2).hex()},
           {"down", false},
           {"misbehaving", 0},
           {"queue",
            {{"fetch_now", {{"count", 1}, {"first", {"00000000000000a1"}}}},
             {"fetch", {{"count", 2}, {"first", nlohmann::json::array()}}},
             {"later", {{"count", 0}, {"first", nlohmann::json::array()}}},
             {"stash", {{"count", 3}, {"first", nlohmann::json::array()}}}}},
           {"queued", 6},
           {"queue_limit", 4096},
           {"requested", {{{"id", "00000000000000a2"}, {"requested_at_us", 1}}}},
           {"requested_limit", 20},
           {"unvalidated", {{"count", 1}, {"bytes", 1048576}}}},
          {{"peer", idOf(3).hex()}, {"down", true}, {"misbehaving", 2}}}},
        {"pool",
         {{"validated", {{"count", 5}, {"bytes", 5120}, {"count_limit", 16384}}},
          {"unvalidated", {{"count", 1}, {"bytes", 1048576}}}}},
        {"drops", {{"queue_full", 3}, {"timeout", 1}}}};
    QVERIFY(model.applyInspect(engine));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(text(model, 0, AdvertQueueModel::PeerColumn), QStringLiteral("2"));
    QCOMPARE(text(model, 0, AdvertQueueModel::FetchNowColumn), QStringLiteral("1"));
    QCOMPARE(text(model, 0, AdvertQueueModel::StashColumn), QStringLiteral("3"));
    QCOMPARE(text(model, 0, AdvertQueueModel::QueuedColumn), QStringLiteral("6 / 4096"));
    QCOMPARE(text(model, 0, AdvertQueueModel::RequestedColumn), QStringLiteral("1 / 20"));
    QVERIFY(model.index(0, AdvertQueueModel::RequestedColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("00000000000000a2")));
    QCOMPARE(text(model, 1, AdvertQueueModel::DownColumn), QStringLiteral("down"));
    const QString pool = advertPoolSummary(engine);
    QVERIFY2(pool.contains(QStringLiteral("validated 5 / 16384")), qPrintable(pool));
    QVERIFY2(pool.contains(QStringLiteral("engine drops 4")), qPrintable(pool));

    // Not advert, or mangled: no throw, rows kept or fields read as zero.
    QVERIFY(!model.applyInspect(nlohmann::json{{"mode", "raintree"}}));
    QVERIFY(!model.applyInspect(nlohmann::json::array()));
    QCOMPARE(model.rowCount(), 2);
    QVERIFY(model.applyInspect(
        {{"mode", "advert"},
         {"peers",
          {{{"peer", idOf(4).hex()}, {"queue", 5}, {"requested", "x"}}, {{"peer", 7}}, "junk"}}}));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(text(model, 0, AdvertQueueModel::FetchColumn), QStringLiteral("0"));
    advertPoolSummary(nlohmann::json{{"pool", 1}, {"drops", "x"}});
  }

  void deepQueueSearchFiltersSortsBoundsAndRefreshesInPlace() {
    const auto cluster = makeCluster(4);
    const RankIndex ranks = makeRankIndex(cluster);
    std::unordered_map<int, NodeSample> latest;
    latest[1] = sampleOf(1, {peer(2, 40), peer(3, 2)});
    latest[2] = sampleOf(2, {peer(1, 16), peer(4, 100)});
    latest[3] = sampleOf(3, {peer(1, 500)});
    latest[3].answering = false;  // its last counters are stale: not searched
    DeepQueueSearch search = findDeepQueues(latest, 16, ranks);
    QCOMPARE(search.nodes_searched, 2);
    QCOMPARE(search.matched, std::size_t(3));
    QCOMPARE(search.rows.size(), std::size_t(3));
    QCOMPARE(search.rows[0].queue_frames, std::uint64_t(100));
    QCOMPARE(search.rows[0].rank, 2);
    QCOMPARE(search.rows[0].peer_rank, 4);
    QCOMPARE(findDeepQueues(latest, 16, ranks, 1).rows.size(), std::size_t(1));

    DeepQueueModel model;
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    model.setRows(search.rows);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0, DeepQueueModel::PeerColumn).data(DeepQueueModel::RankRole).toInt(), 2);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    latest[2].peers[1].queue_frames = 120;
    latest[1].peers[0].queue_frames = 1;  // no longer deep
    model.setRows(findDeepQueues(latest, 16, ranks).rows);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(changed.count(), 1);
    model.setRows({});
    QCOMPARE(model.rowCount(), 0);
  }

  void nodeTableShowsFaultConditionsAndRestarting() {
    NodeTableModel model;
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    model.setNodes(makeCluster(4).nodes);
    NodeSample muted = sampleOf(1, {});
    muted.condition = NodeCondition::muted;
    NodeSample cut = sampleOf(2, {});
    cut.condition = NodeCondition::partitioned;
    NodeSample gone = sampleOf(3, {});
    gone.process_alive = false;
    gone.answering = false;
    gone.condition = NodeCondition::killed;
    model.applySamples({muted, cut, gone, sampleOf(4, {})});
    QCOMPARE(model.statusOf(1), NodeStatus::muted);
    QCOMPARE(model.statusOf(2), NodeStatus::partitioned);
    QCOMPARE(model.statusOf(3), NodeStatus::exited);  // not killed from the studio
    QCOMPARE(model.statusOf(4), NodeStatus::alive);
    QCOMPARE(model.answeringCount(), 3);

    // A kill's outcome makes the gone node killed; a restart shows until its outcome.
    rt::cluster::FaultOutcome killed{{FaultKind::kill, {3}}, true, "killed rank 3"};
    model.applyFaultOutcomes({killed});
    QCOMPARE(model.statusOf(3), NodeStatus::killed);
    model.noteFaultRequested({FaultKind::restart, {3}});
    QCOMPARE(model.statusOf(3), NodeStatus::restarting);
    model.applySamples({gone});  // taken before the restart finished
    QCOMPARE(model.statusOf(3), NodeStatus::restarting);
    model.applyFaultOutcomes({{{FaultKind::restart, {3}}, true, "restarted rank 3"}});
    NodeSample back = sampleOf(3, {});
    back.pid = 4242;
    model.applySamples({back});
    QCOMPARE(model.statusOf(3), NodeStatus::alive);
    QCOMPARE(model.index(model.rowOfRank(3), NodeTableModel::PidColumn).data().toInt(), 4242);
    // Dying again on its own after the restart is an exit, not the old kill.
    model.applySamples({gone});
    QCOMPARE(model.statusOf(3), NodeStatus::exited);
    // A failed restart leaves the node as its samples show it.
    model.noteFaultRequested({FaultKind::restart, {3}});
    model.applyFaultOutcomes({{{FaultKind::restart, {3}}, false, "no binary"}});
    QCOMPARE(model.statusOf(3), NodeStatus::exited);
    for (NodeStatus status : {NodeStatus::muted, NodeStatus::partitioned, NodeStatus::restarting}) {
      QVERIFY(!statusName(status).isEmpty());
      QVERIFY(statusColor(status) != statusColor(NodeStatus::alive));
    }
  }

  void partitionDialogValidatesWithParseGroups() {
    PartitionDialog dialog(6, {2});
    auto* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    auto* ranks = dialog.findChild<QListWidget*>(QStringLiteral("partitionRanks"));
    QCOMPARE(dialog.groupsText(), QStringLiteral("2"));
    QVERIFY(ok->isEnabled());
    QCOMPARE(dialog.groups(), (std::vector<std::vector<int>>{{2}}));
    QCOMPARE(ranks->item(1)->checkState(), Qt::Checked);

    dialog.setGroupsText(QStringLiteral("1,2/2,3"));  // rank 2 twice
    QVERIFY(!ok->isEnabled());
    QVERIFY(dialog.groups().empty());
    QVERIFY(!dialog.errorText().isEmpty());
    dialog.setGroupsText(QStringLiteral("1,9"));  // out of range
    QVERIFY(!ok->isEnabled());
    dialog.setGroupsText(QStringLiteral("1,2,3,4,5,6"));  // nothing left to cut off
    QVERIFY(!ok->isEnabled());
    dialog.setGroupsText(QStringLiteral("1,2,3/4,5"));
    QVERIFY(ok->isEnabled());
    QCOMPARE(dialog.groups().size(), std::size_t(2));

    // Checking ranks writes them as one group.
    dialog.setGroupsText(QString());
    QVERIFY(!ok->isEnabled());
    ranks->item(4)->setCheckState(Qt::Checked);
    ranks->item(5)->setCheckState(Qt::Checked);
    QCOMPARE(dialog.groupsText(), QStringLiteral("5,6"));
    QVERIFY(ok->isEnabled());
    dialog.show();
    saveShot(dialog, "partition-dialog.png");
  }

  void nodeActionsAreOfferedWhenTheyMakeSense() {
    QVERIFY(nodeActionAllowed(NodeAction::kill, NodeStatus::alive));
    QVERIFY(!nodeActionAllowed(NodeAction::kill, NodeStatus::killed));
    QVERIFY(nodeActionAllowed(NodeAction::restart, NodeStatus::killed));
    QVERIFY(nodeActionAllowed(NodeAction::restart, NodeStatus::exited));
    QVERIFY(!nodeActionAllowed(NodeAction::restart, NodeStatus::alive));
    QVERIFY(!nodeActionAllowed(NodeAction::restart, NodeStatus::restarting));
    QVERIFY(nodeActionAllowed(NodeAction::resume, NodeStatus::stopped));
    QVERIFY(!nodeActionAllowed(NodeAction::stop, NodeStatus::stopped));
    QVERIFY(nodeActionAllowed(NodeAction::mute, NodeStatus::alive));
    QVERIFY(!nodeActionAllowed(NodeAction::mute, NodeStatus::muted));
    QVERIFY(nodeActionAllowed(NodeAction::unmute, NodeStatus::muted));
    QVERIFY(nodeActionAllowed(NodeAction::unmute, NodeStatus::partitioned));
    QVERIFY(!nodeActionAllowed(NodeAction::loss, NodeStatus::stopped));
    QVERIFY(nodeActionAllowed(NodeAction::inspect, NodeStatus::killed));
    QVERIFY(!nodeActionNeedsNode(NodeAction::heal));
    QVERIFY(nodeActionNeedsNode(NodeAction::delay));
    for (const NodeActionEntry& entry : nodeActionLayout()) {
      QVERIFY(!nodeActionText(entry.action).isEmpty());
      QVERIFY(!nodeActionToolTip(entry.action).isEmpty());
    }
  }
};

QTEST_MAIN(InspectorModelsTest)
#include "gui_inspector_test.moc"
