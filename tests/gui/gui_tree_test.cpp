// The tree panel without a cluster: a scripted 27-node raintree broadcast (tree levels, ACKs,
// a dead target with readjust around it, a lost copy closed by IGYM ask / yes / cleanup, an
// IGYM no) fed as the monitor would feed it. Time is a fake clock moved by the test, so the
// animation is driven explicitly: ticks, steps, pause, run-until, filters, skip-ahead.
#include <QAction>
#include <QGraphicsScene>
#include <QLabel>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <set>
#include <tuple>

#include "studio_theme.hpp"
#include "views/tree/tree_items.hpp"
#include "views/tree/tree_layout.hpp"
#include "views/tree/tree_panel.hpp"

using rt::MessageId;
using rt::Micros;
using rt::cluster::RankedEvent;
using rt::gui::NodeCondition;
using rt::gui::TreePanel;
using rt::gui::TreeView;
using rt::telemetry::EdgeKind;
using rt::wire::EventKind;
using rt::wire::GossipKind;
using rt::wire::MessageType;

namespace {

constexpr int kNodes = 27;
constexpr int kDead = 16;  // a level-2 target of rank 10: readjust goes to 17 and 18
constexpr int kLost = 27;  // its tree copy from 25 is lost; 26's IGYM brings it

rt::NodeId idOf(int rank) {
  rt::NodeId::Bytes bytes{};
  bytes[0] = static_cast<std::uint8_t>(rank);
  return rt::NodeId(bytes);
}

rt::cluster::ClusterInfo cluster(int nodes) {
  rt::cluster::ClusterInfo info;
  info.mode = "raintree";
  for (int rank = 1; rank <= nodes; ++rank) {
    rt::cluster::NodeInfo node;
    node.rank = rank;
    node.id = idOf(rank);
    info.nodes.push_back(node);
  }
  return info;
}

int levelsOf(int size) {
  int levels = 0;
  for (int reach = 1; reach < size; reach *= 3) ++levels;
  return levels;
}

// The events a raintree broadcast leaves in the nodes' streams, in time order.
struct Script {
  int n = kNodes;
  int origin = 1;
  MessageId id{0x5eed};
  Micros t0 = 1'000'000;
  std::set<int> dead{kDead};
  std::set<int> lost{kLost};
  std::vector<RankedEvent> events;
  std::vector<char> delivered = std::vector<char>(kNodes + 1, 0);

  int rankAt(int index) const { return (origin - 1 + index) % n + 1; }

  void push(int rank, EventKind kind, Micros t, MessageType type = MessageType::gossip,
            int peer = 0, int level = 0, int detail = 0) {
    rt::wire::EventRecord e;
    e.kind = kind;
    e.time_us = t;
    e.msg_type = type;
    e.msg_id = id;
    if (peer > 0) e.peer = idOf(peer);
    e.level = static_cast<rt::Level>(level);
    e.detail = static_cast<std::uint8_t>(detail);
    e.bytes = 1100;
    events.push_back({rank, e});
  }

  void deliver(int rank, Micros t, int hops) {
    if (delivered[static_cast<std::size_t>(rank)]) {
      return;
    }
    delivered[static_cast<std::size_t>(rank)] = 1;
    push(rank, EventKind::deliver, t, MessageType::gossip, 0, 0, hops);
  }

  // One payload copy with its ACK; false when it never arrived.
  bool payload(int from, int to, Micros t, int level, GossipKind kind, int hops) {
    push(from, EventKind::send, t, MessageType::gossip, to, level, static_cast<int>(kind));
    if (dead.count(to) || lost.count(to)) return false;
    push(to, EventKind::receive, t + 300, MessageType::gossip, from, level, static_cast<int>(kind));
    deliver(to, t + 310, hops);
    push(to, EventKind::send, t + 320, MessageType::ack, from, level);
    push(from, EventKind::receive, t + 600, MessageType::ack, to, level);
    return true;
  }

  // `from` sends the children of the slice (head, size), level by level, keeping the first
  // third each time (a demote); the receivers serve their own parts.
  void serve(int from, int head, int size, int hops, Micros t, GossipKind kind) {
    while (size > 1) {
      const int first = (size + 2) / 3;
      const int second = first + (size - first + 1) / 2;
      const int level = levelsOf(size);
      for (const auto& [offset, part] :
           {std::pair{first, second - first}, {second, size - second}}) {
        if (part <= 0) continue;
        const int target = rankAt(head + offset);
        if (payload(from, target, t, level, kind, hops + 1)) {
          serve(target, head + offset, part, hops + 1, t + 700, GossipKind::tree);
        } else if (dead.count(target)) {
          // No ACK: after the timeout the dead target's children get it directly.
          push(from, EventKind::timeout, t + 5000, MessageType::ack, target, level);
          serve(from, head + offset, part, hops, t + 5000, GossipKind::readjust);
        }
        t += 40;
      }
      size = first;
      t += 20;
    }
  }

  void igym(int from, int to, Micros t, bool yes) {
    push(from, EventKind::send, t, MessageType::igym, to, 0, 1);
    push(to, EventKind::receive, t + 200, MessageType::igym, from, 0, 1);
    push(to, EventKind::send, t + 250, MessageType::igym_reply, from, 0, yes ? 1 : 0);
    push(from, EventKind::receive, t + 450, MessageType::igym_reply, to, 0, yes ? 1 : 0);
    if (!yes) return;
    const auto cleanup = static_cast<int>(GossipKind::cleanup);
    push(from, EventKind::send, t + 500, MessageType::gossip, to, 0, cleanup);
    push(to, EventKind::receive, t + 800, MessageType::gossip, from, 0, cleanup);
    deliver(to, t + 810, 5);
  }

  std::vector<RankedEvent> build() {
    push(origin, EventKind::originate, t0);
    deliver(origin, t0 + 1, 0);
    serve(origin, 0, n, 0, t0 + 10, GossipKind::tree);
    const int before = origin == 1 ? kLost - 1 : rankAt(n - 2);
    igym(before, rankAt(n - 1), t0 + 20000, !delivered[static_cast<std::size_t>(rankAt(n - 1))]);
    igym(12, 13, t0 + 20100, false);
    std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
      return a.event.time_us < b.event.time_us;
    });
    return events;
  }

  // Distinct (from, to, kind) of the sends: what the view draws once each.
  int distinct(EdgeKind kind) const {
    std::set<std::pair<int, int>> seen;
    for (const auto& ranked : events) {
      const auto& e = ranked.event;
      if (e.kind != EventKind::send) continue;
      if (rt::telemetry::classify_edge(e.msg_type, e.detail) != kind) continue;
      seen.insert({ranked.rank, static_cast<int>(e.peer.bytes()[0])});
    }
    return static_cast<int>(seen.size());
  }
};

struct Rig {
  double now = 0;
  TreePanel panel;
  Script script;

  explicit Rig(rt::gui::AnimationOptions options = {}) : panel(nullptr, options) {
    panel.setClock([this] { return now; });
    panel.resize(1100, 700);
    panel.setCluster(cluster(kNodes));
  }
  void feed() { panel.addEvents(script.build()); }
  // Moves the fake clock in frame-sized steps until `done`, within a bound.
  template <typename Done>
  bool runUntil(Done done, int max_frames = 4000) {
    for (int i = 0; i < max_frames; ++i) {
      if (done()) return true;
      now += TreePanel::kFrameMs;
      panel.tick();
    }
    return done();
  }
  bool runToEnd() {
    return runUntil([&] { return panel.queue().idle() && panel.view()->settled(); });
  }
};

bool labelShown(const TreePanel& panel, const char* name) {
  auto* label = panel.findChild<QLabel*>(QString::fromLatin1(name));
  return label && !label->isHidden();
}

}  // namespace

class TreeTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { rt::gui::initResources(); }

  void drawsEveryNodeAndEdgeKind() {
    Rig rig;
    QCOMPARE(rig.panel.nodeItemCount(), kNodes);
    rig.feed();
    QCOMPARE(rig.panel.trace()->size(), std::size_t{1});
    QVERIFY(rig.runToEnd());
    TreeView* view = rig.panel.view();
    QCOMPARE(view->shownBroadcast(), rig.script.id);
    for (EdgeKind kind : {EdgeKind::tree, EdgeKind::ack, EdgeKind::readjust, EdgeKind::igym_ask,
                          EdgeKind::igym_yes, EdgeKind::igym_no, EdgeKind::cleanup}) {
      QVERIFY2(rig.script.distinct(kind) > 0,
               rt::telemetry::edge_kind_name(kind).data());  // the script has each kind
      QCOMPARE(view->edgeCount(kind), rig.script.distinct(kind));
    }
    // Every edge flew once; the one to the dead node too (a send without a receive).
    QCOMPARE(rig.panel.animatedCount(),
             static_cast<std::uint64_t>(rig.panel.trace()->latest()->edges.size()));
    for (int rank = 1; rank <= kNodes; ++rank) {
      QCOMPARE(view->reached(rank), rank != kDead);
      QCOMPARE(view->nodeItem(rank)->look().filled, rank != kDead);
    }
    QCOMPARE(view->glyphCount(), 0);
    QCOMPARE(view->nodeItem(1)->look().demotes, 2);  // levels 3, 2, 1
  }

  void ringAndTreeLayouts() {
    Rig rig;
    rig.feed();
    QVERIFY(rig.runToEnd());
    TreeView* view = rig.panel.view();
    QCOMPARE(view->layoutMode(), TreeView::Layout::ring);
    const double radius = rt::gui::ringRadius(kNodes);
    for (int rank = 1; rank <= kNodes; ++rank) {
      const QPointF p = view->nodePosition(rank);
      QVERIFY(std::abs(std::hypot(p.x(), p.y()) - radius) < 1e-6);
    }
    QVERIFY(std::abs(view->nodePosition(1).x()) < 1e-6);  // rank 1 at the top
    QVERIFY(view->nodePosition(1).y() < 0);
    QCOMPARE(view->nodeItem(10)->look().tag, QStringLiteral("1/3"));
    QCOMPARE(view->nodeItem(19)->look().tag, QStringLiteral("2/3"));

    rig.panel.setLayoutMode(TreeView::Layout::tree);
    QCOMPARE(view->layoutMode(), TreeView::Layout::tree);
    const double top = view->nodePosition(1).y();
    for (int rank = 2; rank <= kNodes; ++rank) QVERIFY(view->nodePosition(rank).y() > top);
    // Hop 1 (10 from the origin) above hop 2 (13 from 10), on one row per hop.
    QVERIFY(view->nodePosition(10).y() < view->nodePosition(13).y());
    QCOMPARE(view->nodePosition(10).y(), view->nodePosition(2).y());
    // The drawn edges follow the nodes.
    QVERIFY(view->edgeCount() > 0);
    rig.panel.setLayoutMode(TreeView::Layout::ring);
    QVERIFY(std::abs(view->nodePosition(1).x()) < 1e-6);
  }

  void missedNodesShowOnceSettled() {
    Rig rig;
    rig.feed();
    TreeView* view = rig.panel.view();
    QVERIFY(rig.runUntil([&] { return rig.panel.queue().idle(); }));
    // A late event (a timeout) says the broadcast is still going on.
    Script late;
    late.push(26, EventKind::timeout, late.t0 + 30000, MessageType::igym, 27);
    rig.panel.addEvents(late.events);
    rig.panel.tick();
    QVERIFY(!view->settled());
    QVERIFY(!view->nodeItem(kDead)->look().missed);
    rig.now += TreePanel::kSettleMs + 1;
    rig.panel.tick();
    QVERIFY(view->settled());
    for (int rank = 1; rank <= kNodes; ++rank) {
      QCOMPARE(view->nodeItem(rank)->look().missed, rank == kDead);
    }
    QCOMPARE(view->nodeItem(kDead)->look().tag, QStringLiteral("missed"));
    auto* counters = rig.panel.findChild<QLabel*>(QStringLiteral("treeCounters"));
    QVERIFY(counters->text().contains(QStringLiteral("missed: 16")));
    rig.panel.setNodeCondition(kDead, NodeCondition::killed);
    QCOMPARE(view->nodeItem(kDead)->look().condition, NodeCondition::killed);
    QCOMPARE(view->nodeItem(kDead)->look().tag, QStringLiteral("killed"));
    QVERIFY(counters->text().contains(QStringLiteral("26 / 26 (100 %)")));
  }

  void igymAsksThenAnswersThenSendsThePayload() {
    Rig rig;
    rig.panel.setPaused(true);
    rig.feed();
    std::vector<EdgeKind> chain;  // what flew between 26 and 27, in order
    for (int i = 0; i < 2000 && !rig.panel.queue().idle(); ++i) {
      rig.panel.step();
      for (const auto& flight : rig.panel.queue().started()) {
        const auto& item = flight.item;
        if (std::min(item.from, item.to) == 26 && std::max(item.from, item.to) == 27) {
          chain.push_back(item.kind);
        }
      }
    }
    QVERIFY(rig.panel.queue().idle());
    // 25's tree copy to 27 was lost: 26 asks, 27 answers yes, 26 sends the payload.
    const std::vector<EdgeKind> expected = {EdgeKind::igym_ask, EdgeKind::igym_yes,
                                            EdgeKind::cleanup};
    QString got;
    for (EdgeKind kind : chain) {
      got += QString::fromLatin1(rt::telemetry::edge_kind_name(kind).data()) + ' ';
    }
    QVERIFY2(chain == expected, qPrintable(got));
  }

  void pauseStopsAndStepAdvances() {
    Rig rig;
    rig.feed();
    QVERIFY(rig.runUntil([&] { return rig.panel.animatedCount() >= 5; }));
    rig.panel.setPaused(true);
    const auto animated = rig.panel.animatedCount();
    const double anim_ms = rig.panel.queue().animationMs();
    const int edges = rig.panel.view()->edgeCount();
    for (int i = 0; i < 100; ++i) {
      rig.now += 50;
      rig.panel.tick();
    }
    QCOMPARE(rig.panel.animatedCount(), animated);
    QCOMPARE(rig.panel.queue().animationMs(), anim_ms);
    QCOMPARE(rig.panel.view()->edgeCount(), edges);
    // Paused, a step still moves to the next start or landing.
    rig.panel.step();
    QCOMPARE(rig.panel.queue().started().size() + rig.panel.queue().finished().size(),
             std::size_t{1});
    QVERIFY(rig.panel.queue().animationMs() > anim_ms);
    rig.panel.setPaused(false);
    QVERIFY(rig.runUntil([&] { return rig.panel.animatedCount() > animated + 1; }));
  }

  void filterHidesAKind() {
    Rig rig;
    rig.feed();
    QVERIFY(rig.runToEnd());
    TreeView* view = rig.panel.view();
    const int acks = view->edgeCount(EdgeKind::ack);
    QVERIFY(acks > 0);
    QCOMPARE(view->visibleEdgeCount(), view->edgeCount());
    auto* action = rig.panel.findChild<QAction*>(QStringLiteral("treeFilter_ack"));
    QVERIFY(action);
    action->trigger();  // unchecks
    QVERIFY(!rig.panel.queue().kindVisible(EdgeKind::ack));
    QCOMPARE(view->visibleEdgeCount(), view->edgeCount() - acks);
    // Replayed with ACKs filtered, none flies.
    rig.panel.selectBroadcast(rig.script.id);
    QVERIFY(!rig.panel.following());
    QCOMPARE(view->edgeCount(), 0);
    QVERIFY(rig.runToEnd());
    QCOMPARE(view->edgeCount(EdgeKind::ack), 0);
    QVERIFY(rig.panel.queue().filtered() >= static_cast<std::uint64_t>(acks));
    QCOMPARE(view->edgeCount(EdgeKind::tree), rig.script.distinct(EdgeKind::tree));
    rig.panel.setKindVisible(EdgeKind::ack, true);
    QVERIFY(action->isChecked());
  }

  void runUntilDeliveredFastForwardsThenPauses() {
    Rig rig;
    rig.feed();
    rig.panel.runUntilDelivered();
    QVERIFY(rig.panel.queue().fastForward());
    QVERIFY(rig.runUntil([&] { return !rig.panel.runningUntilDelivered(); }));
    QVERIFY(rig.panel.queue().paused());
    QVERIFY(!rig.panel.queue().fastForward());
    for (int rank = 1; rank <= kNodes; ++rank) {
      if (rank != kDead)
        QVERIFY2(rig.panel.view()->reached(rank), qPrintable(QString::number(rank)));
    }
  }

  void backlogBoundGrowsWithTheCluster() {
    rt::gui::AnimationQueue queue;
    const std::size_t floor = queue.options().max_backlog;
    queue.setClusterSize(9);
    QCOMPARE(queue.maxBacklog(), floor);
    queue.setClusterSize(300);
    QCOMPARE(queue.maxBacklog(), queue.options().backlog_per_node * 300);
    QVERIFY(queue.maxBacklog() > floor);
  }

  void skipAheadShowsANote() {
    rt::gui::AnimationOptions options;
    options.max_backlog = 150;
    options.backlog_per_node = 0;  // the bound stays 150 whatever the cluster size
    Rig rig(options);
    QVERIFY(!labelShown(rig.panel, "treeSkipNote"));
    std::vector<RankedEvent> all;
    for (int b = 0; b < 4; ++b) {
      Script script;
      script.id = MessageId{0x100u + static_cast<unsigned>(b)};
      script.origin = 1 + 5 * b;
      script.t0 = 1'000'000 + b * 30'000;
      const auto events = script.build();
      all.insert(all.end(), events.begin(), events.end());
    }
    rig.panel.addEvents(all);
    QVERIFY(rig.panel.queue().skipped() > 0);
    rig.now += TreePanel::kFrameMs;
    rig.panel.tick();
    QVERIFY(labelShown(rig.panel, "treeSkipNote"));
    auto* note = rig.panel.findChild<QLabel*>(QStringLiteral("treeSkipNote"));
    QVERIFY(note->text().contains(QStringLiteral("skipped")));
    QCOMPARE(rig.panel.trace()->size(), std::size_t{4});
    // The note goes once the skip is old news.
    rig.now += TreePanel::kSkipNoteMs + 1;
    rig.panel.tick();
    QVERIFY(!labelShown(rig.panel, "treeSkipNote"));
  }

  void behindLiveBadge() {
    Rig rig;
    rig.feed();
    rig.panel.setSpeed(0.1);
    QVERIFY(rig.runUntil([&] { return rig.panel.animatedCount() > 0; }));
    QVERIFY(rig.runUntil([&] { return labelShown(rig.panel, "treeBehindBadge"); }));
    QVERIFY(rig.panel.findChild<QLabel*>(QStringLiteral("treeBehindBadge"))
                ->text()
                .startsWith(QStringLiteral("behind live by")));
  }

  void followsTheNewestAndStaysBounded() {
    Rig rig;
    TreeView* view = rig.panel.view();
    int items_after_first = 0;
    for (int b = 0; b < 3; ++b) {
      Script script;
      script.id = MessageId{0x200u + static_cast<unsigned>(b)};
      script.origin = 1 + 9 * b;
      script.t0 = 1'000'000 + b * 200'000;
      rig.panel.addEvents(script.build());
      QVERIFY(rig.runToEnd());
      QCOMPARE(view->shownBroadcast(), script.id);
      QCOMPARE(view->nodeItem(script.origin)->look().origin, true);
      if (b == 0) items_after_first = static_cast<int>(view->scene()->items().size());
    }
    // Edge and glyph items are reused from one broadcast to the next.
    QVERIFY(view->scene()->items().size() <= static_cast<qsizetype>(items_after_first + 40));
    QVERIFY(view->edgeCount() <= static_cast<int>(TreeView::kMaxEdgeItems));
  }

  void exportsPngAndSvg() {
    Rig rig;
    rig.feed();
    QVERIFY(rig.runToEnd());
    QTemporaryDir dir;
    QVERIFY(rig.panel.exportImage(dir.filePath(QStringLiteral("tree.png"))));
    QVERIFY(rig.panel.exportImage(dir.filePath(QStringLiteral("tree.svg"))));
    QImage png(dir.filePath(QStringLiteral("tree.png")));
    QVERIFY(!png.isNull());
    QFile svg(dir.filePath(QStringLiteral("tree.svg")));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains("<svg"));
  }
};

QTEST_MAIN(TreeTest)
#include "gui_tree_test.moc"
