// ClusterMonitor::fault() and inspect() against real raintree-node processes: the samples carry
// each node's condition, a restart is followed, and stopping the monitor leaves an attached
// cluster as it was found. Every wait is a bounded poll on the monitor's batches.
#include <condition_variable>
#include <map>
#include <mutex>

#include "cluster/control_client.hpp"
#include "cluster/monitor.hpp"
#include "helpers.hpp"

namespace rt::itest {
namespace {

using cluster::FaultKind;
using cluster::FaultStep;
using cluster::NodeCondition;
using nlohmann::json;

// Collects batches through the wake callback, as the studio does.
struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  std::map<int, cluster::NodeSample> latest;
  std::vector<cluster::FaultOutcome> faults;
  std::map<int, cluster::InspectAnswer> inspections;

  void wake() {
    std::lock_guard lock(mu);
    woken = true;
    cv.notify_all();
  }
  bool until(cluster::ClusterMonitor& m, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(15000);
    for (;;) {
      {
        std::unique_lock lock(mu);
        cv.wait_until(lock, deadline, [&] { return woken; });
        woken = false;
      }
      auto batch = m.take();
      for (auto& s : batch.samples) latest[s.rank] = s;
      for (auto& f : batch.faults) faults.push_back(f);
      for (auto& i : batch.inspections) inspections[i.rank] = i;
      if (done()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
    }
  }
  // Applies `step` and waits for its outcome; true when it succeeded.
  bool apply(cluster::ClusterMonitor& m, FaultStep step) {
    const std::size_t before = faults.size();
    m.fault(std::move(step));
    return until(m, [&] { return faults.size() > before; }) && faults.back().ok;
  }
};

bool muted(const cluster::NodeInfo& n) {
  std::string error;
  auto client = cluster::ControlClient::connect(n, milliseconds(2000), error);
  const auto status =
      client ? client->request({{"cmd", "status"}}, milliseconds(3000), error) : std::nullopt;
  return status && status->value("faults", json::object()).value("mute", false);
}

TEST(MonitorFaults, ConditionsFollowFaultsAndStopLeavesTheClusterAsFound) {
  TempDir dir("monitor-faults");
  std::string error;
  cluster::LaunchOptions o;
  o.nodes = 4;
  o.mode = "random";
  o.dir = dir.path();
  o.node_binary = bin("raintree-node");
  auto info = cluster::launch_cluster(o, error);
  ASSERT_TRUE(info) << error;
  ClusterGuard guard(*info);

  cluster::MonitorOptions options;
  options.poll_interval = milliseconds(100);
  options.restart_killed_on_stop = true;  // as when attached
  cluster::ClusterMonitor monitor(*info, options);
  Collector c;
  monitor.start([&] { c.wake(); });
  const auto condition = [&](int rank) { return c.latest[rank].condition; };
  ASSERT_TRUE(c.until(monitor, [&] {
    if (c.latest.size() != 4) return false;
    for (auto& [rank, s] : c.latest) {
      if (!s.answering || s.condition != NodeCondition::up) return false;
    }
    return true;
  }));

  // The batch carrying a fault's outcome already shows its effect.
  ASSERT_TRUE(c.apply(monitor, {FaultKind::mute, {2}}));
  EXPECT_EQ(condition(2), NodeCondition::muted);
  ASSERT_TRUE(c.apply(monitor, {FaultKind::partition, {}, {}, 0, 0, {{1}}}));
  EXPECT_EQ(condition(1), NodeCondition::partitioned);
  EXPECT_EQ(condition(3), NodeCondition::partitioned);
  ASSERT_TRUE(c.apply(monitor, {FaultKind::heal}));
  EXPECT_EQ(condition(1), NodeCondition::up);
  EXPECT_EQ(condition(2), NodeCondition::muted);  // heal keeps mute

  // Kill, then restart: the new process is followed under its new pid.
  const int old_pid = c.latest[3].pid;
  ASSERT_TRUE(c.apply(monitor, {FaultKind::kill, {3}}));
  EXPECT_EQ(condition(3), NodeCondition::killed);
  EXPECT_FALSE(c.latest[3].process_alive);
  EXPECT_FALSE(c.apply(monitor, {FaultKind::kill, {3}}));  // already gone: a clear failure
  EXPECT_NE(c.faults.back().message.find("rank 3"), std::string::npos) << c.faults.back().message;
  ASSERT_TRUE(c.apply(monitor, {FaultKind::restart, {3}})) << c.faults.back().message;
  ASSERT_TRUE(c.until(monitor, [&] { return c.latest[3].answering; }));
  EXPECT_NE(c.latest[3].pid, old_pid);
  EXPECT_EQ(condition(3), NodeCondition::up);

  // Inspect answers with the engine's snapshot; a second request while one is queued is
  // coalesced into it.
  monitor.inspect(1);
  monitor.inspect(1);
  ASSERT_TRUE(c.until(monitor, [&] { return c.inspections.count(1) != 0; }));
  EXPECT_TRUE(c.inspections[1].ok) << c.inspections[1].error;
  EXPECT_TRUE(c.inspections[1].engine.is_object());
  monitor.inspect(99);
  ASSERT_TRUE(c.until(monitor, [&] { return c.inspections.count(99) != 0; }));
  EXPECT_FALSE(c.inspections[99].ok);

  // Stop 4 and kill 3 again: stopping the monitor continues 4, restarts 3 and unmutes 2.
  ASSERT_TRUE(c.apply(monitor, {FaultKind::stop, {4}}));
  EXPECT_EQ(condition(4), NodeCondition::stopped);
  ASSERT_TRUE(c.apply(monitor, {FaultKind::kill, {3}}));
  monitor.stop();
  // The restart wrote the new pid to cluster.json.
  const auto now = cluster::ClusterInfo::load(dir.path() / "cluster.json", error);
  ASSERT_TRUE(now) << error;
  EXPECT_NE(now->nodes[2].pid, info->nodes[2].pid);
  const auto statuses = cluster::cluster_status(*now);
  for (const auto& s : statuses) EXPECT_TRUE(s.answering) << "rank " << s.rank;
  EXPECT_FALSE(muted(info->nodes[1]));
}

}  // namespace
}  // namespace rt::itest
