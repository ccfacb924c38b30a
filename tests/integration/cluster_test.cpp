// The cluster launcher, control client and monitor against real raintree-node processes.
#include <signal.h>

#include <condition_variable>
#include <map>
#include <set>

#include "cluster/control_client.hpp"
#include "cluster/monitor.hpp"
#include "helpers.hpp"
#include "protocol/membership.hpp"

namespace rt::itest {
namespace {

using cluster::ClusterInfo;
using cluster::ControlClient;
using nlohmann::json;

std::optional<ClusterInfo> launch(const fs::path& dir, int nodes, std::string mode,
                                  std::string& error) {
  cluster::LaunchOptions o;
  o.nodes = nodes;
  o.mode = std::move(mode);
  o.dir = dir;
  o.node_binary = bin("raintree-node");
  return cluster::launch_cluster(o, error);
}

// One control client per node, by rank; null entries for nodes that are gone.
struct Clients {
  std::vector<std::unique_ptr<ControlClient>> by_rank;

  explicit Clients(const ClusterInfo& info) {
    for (const auto& n : info.nodes) {
      std::string error;
      by_rank.push_back(ControlClient::connect(n, milliseconds(3000), error));
      EXPECT_TRUE(by_rank.back()) << "rank " << n.rank << ": " << error;
    }
  }
  json ask(int rank, const json& cmd) {
    std::string error;
    auto answer = by_rank[rank - 1]->request(cmd, milliseconds(3000), error);
    EXPECT_TRUE(answer) << "rank " << rank << ": " << error;
    if (!answer) return json::object();
    EXPECT_TRUE(answer->value("ok", false)) << answer->dump();
    return *answer;
  }
  json node_counters(int rank) {
    return ask(rank, {{"cmd", "counters"}}).value("node", json::object());
  }
};

// Every alive rank sees exactly the alive ranks connected.
bool mesh_settled(Clients& c, const ClusterInfo& info, const std::set<int>& dead) {
  for (const auto& n : info.nodes) {
    if (dead.count(n.rank)) continue;
    const json answer = c.ask(n.rank, {{"cmd", "counters"}});
    for (const json& p : answer.value("peers", json::array())) {
      const auto id = NodeId::from_hex(p.value("id", std::string()));
      bool want = true;
      for (int r : dead) want = want && !(id && info.nodes[r - 1].id == *id);
      if (p.value("connected", false) != want) return false;
    }
  }
  return true;
}

std::string broadcast(Clients& c, int origin) {
  const json answer = c.ask(origin, {{"cmd", "broadcast"}, {"size", 1024}});
  return answer.value("id", std::string());
}

bool delivered_everywhere(Clients& c, const ClusterInfo& info, const std::set<int>& dead,
                          const std::vector<std::string>& ids) {
  for (const auto& n : info.nodes) {
    if (dead.count(n.rank)) continue;
    std::set<std::string> got;
    for (const json& m : c.ask(n.rank, {{"cmd", "messages"}}).value("messages", json::array())) {
      if (!m.value("delivered_us", json()).is_null()) got.insert(m.value("id", std::string()));
    }
    for (const auto& id : ids) {
      if (!got.count(id)) return false;
    }
  }
  return true;
}

// Payload frames stop moving for `quiet` (every copy in flight has landed).
bool wait_quiet(Clients& c, const ClusterInfo& info, const std::set<int>& dead,
                milliseconds quiet = milliseconds(300)) {
  std::uint64_t last = ~0ull;
  auto changed = std::chrono::steady_clock::now();
  return eventually(
      [&] {
        std::uint64_t sum = 0;
        for (const auto& n : info.nodes) {
          if (dead.count(n.rank)) continue;
          const json node = c.node_counters(n.rank);
          sum += node.value("payload_frames_in", 0ull) + node.value("payload_frames_out", 0ull);
        }
        if (sum != last) {
          last = sum;
          changed = std::chrono::steady_clock::now();
        }
        return std::chrono::steady_clock::now() - changed >= quiet;
      },
      milliseconds(15000), milliseconds(50));
}

TEST(Cluster, SixteenNodesDeliverEveryBroadcastOnceThenSurviveThreeKills) {
  TempDir dir("sixteen");
  std::string error;
  auto info = launch(dir.path(), 16, "random", error);
  ASSERT_TRUE(info) << error;
  ClusterGuard guard(*info);

  // The address book we wrote is the one the node library reads.
  std::ifstream book_file(info->address_book);
  std::stringstream book_text;
  book_text << book_file.rdbuf();
  const auto book = protocol::parse_address_book(book_text.str(), error);
  ASSERT_TRUE(book) << error;
  ASSERT_EQ(book->size(), 16u);
  for (const auto& n : info->nodes) EXPECT_EQ(book->rank_of(n.id), n.rank);

  Clients c(*info);
  std::set<int> dead;
  ASSERT_TRUE(eventually([&] { return mesh_settled(c, *info, dead); }, milliseconds(15000)));

  std::vector<std::string> ids;
  for (int k = 0; k < 10; ++k) ids.push_back(broadcast(c, 1 + (k * 5) % 16));
  ASSERT_TRUE(eventually([&] { return delivered_everywhere(c, *info, dead, ids); },
                         milliseconds(20000), milliseconds(50)));
  ASSERT_TRUE(wait_quiet(c, *info, dead));
  for (const auto& n : info->nodes) {
    EXPECT_EQ(c.node_counters(n.rank).value("delivered", 0), 10) << "rank " << n.rank;
  }

  dead = {3, 8, 13};
  for (int r : dead) {
    const int pid = info->nodes[r - 1].pid;
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    ASSERT_TRUE(cluster::wait_gone(pid, milliseconds(5000)));
    c.by_rank[r - 1].reset();
  }
  ASSERT_TRUE(eventually([&] { return mesh_settled(c, *info, dead); }, milliseconds(15000)));
  const std::string last = broadcast(c, 1);
  ASSERT_TRUE(eventually([&] { return delivered_everywhere(c, *info, dead, {last}); },
                         milliseconds(20000), milliseconds(50)));
  ASSERT_TRUE(wait_quiet(c, *info, dead));
  for (const auto& n : info->nodes) {
    if (dead.count(n.rank)) continue;
    EXPECT_EQ(c.node_counters(n.rank).value("delivered", 0), 11) << "rank " << n.rank;
  }
  EXPECT_TRUE(guard.stop());
  for (const auto& n : info->nodes) {
    EXPECT_FALSE(cluster::process_alive(n.pid)) << "rank " << n.rank;
    for (const auto* e : {&n.listen, &n.control, &n.metrics}) {
      EXPECT_FALSE(cluster::port_listening(port_of(*e))) << *e;
    }
  }
}

TEST(Cluster, ANodeRefusingItsFlagsIsReportedAndNothingIsLeft) {
  TempDir dir("refuse");
  std::string error;
  auto info = launch(dir.path(), 3, "no-such-mode", error);
  ASSERT_FALSE(info);
  EXPECT_NE(error.find("exited before answering (exit code 2)"), std::string::npos) << error;
  EXPECT_NE(error.find("--mode"), std::string::npos) << error;
  EXPECT_TRUE(processes_mentioning(dir.path().string()).empty());
}

// A node whose port was taken between the reservation and its bind makes the launcher retry
// the whole cluster with fresh ports; a node that keeps failing is reported.
TEST(Cluster, PortClashIsRetriedWithFreshPorts) {
  TempDir dir("clash");
  const fs::path script = dir.path() / "node.sh";
  const fs::path mark = dir.path() / "failed-once";
  std::ofstream(script) << "#!/bin/sh\n"
                        << "if [ ! -e " << mark << " ]; then touch " << mark
                        << "; echo 'raintree-node: cannot listen on 127.0.0.1:1: Address already "
                           "in use'; exit 1; fi\n"
                        << "exec " << bin("raintree-node") << " \"$@\"\n";
  fs::permissions(script, fs::perms::owner_all);
  cluster::LaunchOptions o;
  o.nodes = 3;
  o.dir = dir.path() / "cluster";
  o.node_binary = script;
  std::string error;
  auto info = cluster::launch_cluster(o, error);
  ASSERT_TRUE(info) << error;
  ClusterGuard guard(*info);
  EXPECT_TRUE(fs::exists(mark));
  for (const auto& s : cluster::cluster_status(*info)) EXPECT_TRUE(s.answering) << s.rank;

  std::ofstream(script, std::ios::trunc)
      << "#!/bin/sh\necho 'raintree-node: cannot listen on 127.0.0.1:1: Address already in use'"
      << "\nexit 1\n";
  o.dir = dir.path() / "never";
  EXPECT_FALSE(cluster::launch_cluster(o, error));
  EXPECT_NE(error.find("Address already in use"), std::string::npos) << error;
  EXPECT_NE(error.find("exit code 1"), std::string::npos) << error;
}

// Collects monitor batches through the wake callback, as the studio does.
struct Watcher {
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  std::vector<cluster::RankedEvent> events;
  std::map<int, cluster::NodeSample> latest;

  bool until(cluster::ClusterMonitor& m, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(15000);
    for (;;) {
      {
        std::unique_lock lock(mu);
        cv.wait_until(lock, deadline, [&] { return woken; });
        woken = false;
      }
      auto batch = m.take();
      for (auto& e : batch.events) events.push_back(e);
      for (auto& s : batch.samples) latest[s.rank] = s;
      if (done()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
    }
  }
};

TEST(Cluster, MonitorFollowsEventsAndFaults) {
  TempDir dir("monitor");
  std::string error;
  auto info = launch(dir.path(), 4, "random", error);
  ASSERT_TRUE(info) << error;
  ClusterGuard guard(*info);
  cluster::ClusterMonitor monitor(*info, {milliseconds(100), 100000});
  Watcher w;
  monitor.start([&] {
    std::lock_guard lock(w.mu);
    w.woken = true;
    w.cv.notify_all();
  });
  auto all_answering = [&] {
    if (w.latest.size() != 4) return false;
    for (auto& [rank, s] : w.latest) {
      if (!s.answering || s.peers_connected != 3) return false;
    }
    return true;
  };
  ASSERT_TRUE(w.until(monitor, all_answering));

  monitor.broadcast(2, 512);
  ASSERT_TRUE(w.until(monitor, [&] {
    std::set<int> delivered;
    for (const auto& e : w.events) {
      if (e.event.kind == wire::EventKind::deliver) delivered.insert(e.rank);
    }
    return delivered.size() == 4;
  }));

  monitor.pause(3);
  ASSERT_TRUE(w.until(monitor, [&] { return w.latest[3].stopped && !w.latest[3].answering; }));
  monitor.resume(3);
  ASSERT_TRUE(w.until(monitor, [&] { return !w.latest[3].stopped && w.latest[3].answering; }));
  monitor.kill(4);
  ASSERT_TRUE(w.until(monitor, [&] { return !w.latest[4].process_alive; }));
  // The others keep being watched.
  ASSERT_TRUE(w.until(monitor, [&] { return w.latest[1].answering && w.latest[2].answering; }));
  monitor.stop();
}

}  // namespace
}  // namespace rt::itest
