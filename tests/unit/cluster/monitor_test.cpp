#include "cluster/monitor.hpp"

#include <gtest/gtest.h>

#include <condition_variable>

#include "fake_node.hpp"

namespace rt::cluster {
namespace {

using std::chrono::milliseconds;
using testing::FakeNode;

nlohmann::json fake_answers(const nlohmann::json& cmd) {
  const std::string name = cmd.value("cmd", "");
  if (name == "counters") {
    NodeId::Bytes b{};
    b[0] = 9;
    return {{"ok", true},
            {"time_us", 123},
            {"node", {{"bytes_in", 10}, {"bytes_out", 20}, {"delivered", 3}}},
            {"peers", {{{"id", NodeId(b).hex()}, {"connected", true}, {"queue_frames", 4}}}}};
  }
  if (name == "broadcast") return {{"ok", true}, {"id", "00000000000000ab"}, {"time_us", 5}};
  return {{"ok", false}, {"error", "unknown command"}};
}

NodeInfo node_at(int rank, const std::string& endpoint) {
  NodeInfo n;
  n.rank = rank;
  NodeId::Bytes b{};
  b[0] = static_cast<std::uint8_t>(rank);
  n.id = NodeId(b);
  n.pid = 0;  // attached: no local process
  n.listen = n.control = n.metrics = endpoint;
  n.token = "tok";
  return n;
}

// Collects batches handed over through the wake callback, like the studio's GUI thread.
struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  MonitorBatch all;
  std::size_t largest_take = 0;

  void wake() {
    std::lock_guard lock(mu);
    woken = true;
    cv.notify_all();
  }
  // Takes batches until `done(all)` holds or the deadline passes.
  bool until(ClusterMonitor& m, const std::function<bool(const MonitorBatch&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(10000);
    for (;;) {
      {
        std::unique_lock lock(mu);
        cv.wait_until(lock, deadline, [&] { return woken; });
        woken = false;
      }
      MonitorBatch b = m.take();
      largest_take = std::max(largest_take, b.events.size());
      for (auto& e : b.events) all.events.push_back(e);
      all.dropped_events += b.dropped_events;
      for (auto& s : b.samples) all.samples.push_back(s);
      for (auto& l : b.log) all.log.push_back(l);
      if (done(all)) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
    }
  }
};

TEST(ClusterMonitor, StreamsEventsPollsCountersAndToleratesDeadNodes) {
  FakeNode node("tok", fake_answers);
  node.subscribe_events = {testing::sample_event(1), testing::sample_event(2),
                           testing::sample_event(3)};
  std::string dead_endpoint;
  {
    FakeNode gone("tok", fake_answers);
    dead_endpoint = gone.endpoint();
  }
  ClusterInfo info;
  info.mode = "random";
  info.nodes = {node_at(1, node.endpoint()), node_at(2, dead_endpoint)};

  ClusterMonitor monitor(info, {milliseconds(50), 1000});
  Collector c;
  monitor.start([&] { c.wake(); });
  auto sample_of = [](const MonitorBatch& b, int rank) -> const NodeSample* {
    for (auto it = b.samples.rbegin(); it != b.samples.rend(); ++it) {
      if (it->rank == rank) return &*it;
    }
    return nullptr;
  };
  ASSERT_TRUE(c.until(monitor, [&](const MonitorBatch& b) {
    const NodeSample* s = sample_of(b, 1);
    return b.events.size() >= 3 && s && s->answering && sample_of(b, 2);
  }));
  EXPECT_EQ(c.all.events[0].rank, 1);
  EXPECT_EQ(c.all.events[2].event, testing::sample_event(3));
  const NodeSample* s = sample_of(c.all, 1);
  EXPECT_EQ(s->bytes_out, 20u);
  EXPECT_EQ(s->delivered, 3u);
  EXPECT_EQ(s->peers_connected, 1);
  ASSERT_EQ(s->peers.size(), 1u);
  EXPECT_EQ(s->peers[0].queue_frames, 4u);
  EXPECT_FALSE(sample_of(c.all, 2)->answering);

  monitor.broadcast(1, 1024);
  monitor.broadcast(2, 1024);
  ASSERT_TRUE(c.until(monitor, [](const MonitorBatch& b) {
    int done = 0;
    for (const auto& l : b.log) {
      if (l.find("broadcast from rank") != std::string::npos) ++done;
    }
    return done == 2;
  }));
  bool ok = false, refused = false;
  for (const auto& l : c.all.log) {
    ok = ok || l == "broadcast from rank 1: id 00000000000000ab";
    refused = refused || l == "broadcast from rank 2: node not connected";
  }
  EXPECT_TRUE(ok);
  EXPECT_TRUE(refused);
  monitor.stop();
  monitor.stop();  // idempotent
}

TEST(ClusterMonitor, BoundsPendingEventsAndCountsDrops) {
  FakeNode node("tok", fake_answers);
  for (std::uint64_t i = 1; i <= 10; ++i) node.subscribe_events.push_back(testing::sample_event(i));
  ClusterInfo info;
  info.mode = "random";
  info.nodes = {node_at(1, node.endpoint())};
  ClusterMonitor monitor(info, {milliseconds(1000), 4});
  Collector c;
  // Nobody takes until the stream is in: the bound must hold meanwhile.
  monitor.start([&] { c.wake(); });
  ASSERT_TRUE(c.until(
      monitor, [](const MonitorBatch& b) { return b.events.size() + b.dropped_events >= 10; }));
  EXPECT_LE(c.largest_take, 4u);
  EXPECT_EQ(c.all.events.size() + c.all.dropped_events, 10u);
  EXPECT_EQ(c.all.events.back().event, testing::sample_event(10));
}

}  // namespace
}  // namespace rt::cluster
