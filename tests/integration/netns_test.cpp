// Clusters whose nodes each have a network namespace of their own (raintree-lab ... --netns):
// real addresses on a private bridge, kernel bandwidth caps and loss, and nothing left behind
// by `down`, Ctrl-C or `cluster cleanup`. Root only: without root (or iproute2/nftables) the
// tests skip with the reason the lab itself would give.
#include <sys/stat.h>

#include <set>

#include "cluster/netns.hpp"
#include "cluster_queries.hpp"

namespace rt::itest {
namespace {

using std::chrono::seconds;

bool namespace_exists(const std::string& name) {
  std::error_code ec;
  return fs::exists(cluster::Network::netns_path(name), ec);
}

bool link_exists(const std::string& name) {
  return cluster::run_command({"ip", "link", "show", "dev", name}).exit_code == 0;
}

// Nothing of the network is left: no namespace, no link in this namespace.
bool network_gone(const cluster::Network& net) {
  if (link_exists(net.host_link) || namespace_exists(net.hub)) return false;
  for (const std::string& ns : net.namespaces) {
    if (namespace_exists(ns)) return false;
  }
  return true;
}

// A command's JSON output (ip -j, tc -j, nft -j) inside a namespace; null when it fails.
json json_in(const std::string& ns, const std::vector<std::string>& argv) {
  const auto result = cluster::run_command(argv, {}, cluster::Network::netns_path(ns));
  if (result.exit_code != 0) return json();
  return json::parse(result.output, nullptr, false);
}

ino_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::string host_of(const std::string& endpoint) {
  return endpoint.substr(0, endpoint.rfind(':'));
}

// The root qdisc of a device in a namespace (tc -j qdisc show): {} when none is found.
json root_qdisc(const std::string& ns, const std::string& device, bool stats = false) {
  std::vector<std::string> argv = {"tc", "-j"};
  if (stats) argv.push_back("-s");
  for (const char* a : {"qdisc", "show", "dev"}) argv.push_back(a);
  argv.push_back(device);
  const json list = json_in(ns, argv);
  if (!list.is_array()) return json::object();
  for (const json& q : list) {
    if (q.value("root", false)) return q;
  }
  return json::object();
}

class NetnsCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = cluster::netns_unavailable(true);
    if (!why.empty()) GTEST_SKIP() << why;
  }

  std::optional<ClusterInfo> launch_netns(int nodes, std::vector<cluster::LinkShaping> shaping,
                                          std::string& error) {
    cluster::LaunchOptions options;
    options.netns.enabled = true;
    options.netns.shaping = std::move(shaping);
    options.ready_timeout = milliseconds(20000);
    auto info = launch(dir_.path(), nodes, "raintree", error, options);
    if (info) guard_.reset(*info);
    return info;
  }

  TempDir dir_{"netns"};
  ClusterGuard guard_;
};

TEST_F(NetnsCluster, EachNodeRunsInItsOwnNamespaceAtItsOwnAddress) {
  std::string error;
  const auto info = launch_netns(4, {}, error);
  ASSERT_TRUE(info) << error;
  ASSERT_TRUE(info->network);
  const cluster::Network& net = *info->network;
  std::set<std::string> hosts;
  for (const NodeInfo& n : info->nodes) {
    SCOPED_TRACE("rank " + std::to_string(n.rank));
    ASSERT_EQ(n.netns, net.namespaces[n.rank - 1]);
    EXPECT_TRUE(namespace_exists(n.netns));
    // The process is inside that namespace, not in the launcher's.
    const ino_t node_ns = inode_of("/proc/" + std::to_string(n.pid) + "/ns/net");
    EXPECT_EQ(node_ns, inode_of(cluster::Network::netns_path(n.netns)));
    EXPECT_NE(node_ns, inode_of("/proc/self/ns/net"));
    // Peer, control and metrics endpoints are the node's own address, not loopback.
    EXPECT_EQ(host_of(n.listen), net.addresses[n.rank - 1]);
    EXPECT_EQ(host_of(n.control), net.addresses[n.rank - 1]);
    EXPECT_EQ(host_of(n.metrics), net.addresses[n.rank - 1]);
    EXPECT_EQ(n.listen.rfind("127.", 0), std::string::npos) << n.listen;
    hosts.insert(host_of(n.listen));
    // Reached from here across the bridge, over TLS with the pinned key.
    const auto status = ask(n, {{"cmd", "status"}});
    ASSERT_TRUE(status);
    EXPECT_EQ(status->value("links", ""), "tls1.3");
    // No way out: a namespace without a default route sends nothing off the bridge.
    const json routes = json_in(n.netns, {"ip", "-j", "route", "show", "default"});
    EXPECT_TRUE(routes.is_array() && routes.empty()) << routes.dump();
  }
  EXPECT_EQ(hosts.size(), 4u);
  EXPECT_TRUE(eventually([&] { return connected_counts(*info, full_mesh(*info)); }, seconds(10)));

  const std::string id = broadcast(info->nodes[0]);
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return delivered_by(*info, {1, 2, 3, 4}, id); }, seconds(10)));
  // The gossip crossed real interfaces: every node's bridge port carried traffic both ways.
  for (int rank = 1; rank <= 4; ++rank) {
    const json link =
        json_in(net.hub, {"ip", "-j", "-s", "link", "show", "dev", "n" + std::to_string(rank)});
    ASSERT_TRUE(link.is_array() && !link.empty()) << link.dump();
    const json stats = link[0].value("stats64", json::object());
    EXPECT_GT(stats.value("rx", json::object()).value("bytes", 0ull), 0u) << "rank " << rank;
    EXPECT_GT(stats.value("tx", json::object()).value("bytes", 0ull), 0u) << "rank " << rank;
  }
}

TEST_F(NetnsCluster, TheKernelCapsEveryLinkAndDropsWhereAsked) {
  std::string error;
  std::vector<cluster::LinkShaping> shaping(3, {"10mbit", 0});
  shaping[2].loss_percent = 3;
  const auto info = launch_netns(3, shaping, error);
  ASSERT_TRUE(info) << error;
  const cluster::Network& net = *info->network;
  for (int rank = 1; rank <= 3; ++rank) {
    SCOPED_TRACE("rank " + std::to_string(rank));
    // Upload: tbf on the node's eth0; download: tbf on its bridge port. 10 Mbit/s = 1.25 MB/s.
    for (const auto& [ns, device] : {std::pair{net.namespaces[rank - 1], std::string("eth0")},
                                     std::pair{net.hub, "n" + std::to_string(rank)}}) {
      const json qdisc = root_qdisc(ns, device);
      EXPECT_EQ(qdisc.value("kind", ""), "tbf") << ns << " " << device << ": " << qdisc.dump();
      EXPECT_EQ(qdisc.value("options", json::object()).value("rate", 0ull), 1250000u);
    }
    const json rules = json_in(net.namespaces[rank - 1], {"nft", "-j", "list", "ruleset"});
    const bool has_loss = rules.dump().find("numgen") != std::string::npos;
    EXPECT_EQ(has_loss, rank == 3) << rules.dump();
  }
  EXPECT_TRUE(eventually([&] { return connected_counts(*info, full_mesh(*info)); }, seconds(10)));

  // 2 MB to two peers takes over 3 s at 10 Mbit/s: the cap holds packets back, and the frame
  // still arrives everywhere (TCP recovers the packets rank 3's rule drops).
  const auto answer = ask(info->nodes[0], {{"cmd", "broadcast"}, {"size", 2000000}});
  ASSERT_TRUE(answer);
  const std::string id = answer->value("id", "");
  EXPECT_TRUE(eventually([&] { return delivered_by(*info, {1, 2, 3}, id); }, seconds(60)));
  const json stats = root_qdisc(net.namespaces[0], "eth0", true);
  EXPECT_GT(stats.value("overlimits", 0ull), 0u) << stats.dump();
  EXPECT_GE(stats.value("bytes", 0ull), 2000000u) << stats.dump();
}

TEST_F(NetnsCluster, StoppingTheClusterRemovesEveryNamespaceAndLink) {
  std::string error;
  const auto info = launch_netns(3, {{"10mbit", 1}}, error);
  ASSERT_TRUE(info) << error;
  const cluster::Network net = *info->network;
  EXPECT_TRUE(link_exists(net.host_link));
  EXPECT_FALSE(network_gone(net));
  ASSERT_TRUE(guard_.stop());
  EXPECT_TRUE(network_gone(net));
  for (const NodeInfo& n : info->nodes) EXPECT_FALSE(cluster::process_alive(n.pid));
}

// The lab died and left its nodes running: `cluster cleanup --dir` stops them and removes the
// namespaces, from another process that only has cluster.json.
TEST_F(NetnsCluster, CleanupRemovesWhatACrashedLabLeftBehind) {
  const fs::path dir = dir_.path() / "cluster";
  const auto up = lab({"cluster", "up", "--nodes", "3", "--mode", "raintree", "--dir", dir.string(),
                       "--netns", "--node-binary", bin("raintree-node").string()});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  std::string error;
  const auto info = ClusterInfo::load(dir / "cluster.json", error);
  ASSERT_TRUE(info && info->network) << error;
  guard_.reset(*info);  // stops them should the cleanup fail

  const auto cleanup = lab({"cluster", "cleanup", "--dir", dir.string()});
  EXPECT_EQ(cleanup.exit_code, 0) << cleanup.output;
  EXPECT_NE(cleanup.output.find("network removed"), std::string::npos) << cleanup.output;
  EXPECT_TRUE(network_gone(*info->network));
  for (const NodeInfo& n : info->nodes) EXPECT_FALSE(cluster::process_alive(n.pid));
}

// A launcher killed after it built the namespaces but before it wrote cluster.json leaves a
// network no file names: `cluster cleanup --abandoned` finds it, and leaves running ones be.
TEST_F(NetnsCluster, CleanupAbandonedRemovesNetworksWithNothingInThem) {
  std::string error;
  const auto running = launch_netns(2, {}, error);
  ASSERT_TRUE(running) << error;
  auto orphan = cluster::create_network(2, {}, nullptr, error);
  ASSERT_TRUE(orphan) << error;
  orphan->setup_lock.reset();  // as if its launcher had died

  const auto cleanup = lab({"cluster", "cleanup", "--abandoned"});
  EXPECT_EQ(cleanup.exit_code, 0) << cleanup.output;
  EXPECT_NE(cleanup.output.find("rtlab" + std::to_string(orphan->slot)), std::string::npos)
      << cleanup.output;
  EXPECT_TRUE(network_gone(*orphan));
  if (!network_gone(*orphan)) cluster::remove_network(*orphan, error);
  // The running cluster was not touched.
  EXPECT_FALSE(network_gone(*running->network));
  for (const NodeInfo& n : running->nodes) EXPECT_TRUE(ask(n, {{"cmd", "status"}}));
}

// Ctrl-C while `run --netns` is broadcasting: the lab stops its nodes and removes the network.
TEST_F(NetnsCluster, InterruptingARunRemovesItsNetwork) {
  const fs::path dir = dir_.path() / "run";
  const fs::path log = dir_.path() / "run.log";
  std::string error;
  const int pid = cluster::spawn_process(
      {bin("raintree-lab"),
       {"run", "--nodes", "3", "--mode", "raintree", "--broadcasts", "4096", "--netns", "--dir",
        dir.string(), "--node-binary", bin("raintree-node").string()},
       log,
       false},
      error);
  ASSERT_GT(pid, 0) << error;
  // Broadcasting has begun once every node has delivered something.
  std::optional<ClusterInfo> info;
  const bool broadcasting = eventually(
      [&] {
        if (!info) info = ClusterInfo::load(dir / "cluster.json", error);
        if (!info) return false;
        for (const NodeInfo& n : info->nodes) {
          if (node_counters(n).value("delivered", 0ull) == 0) return false;
        }
        return true;
      },
      seconds(30));
  ::kill(pid, SIGINT);
  std::optional<int> status;
  EXPECT_TRUE(
      eventually([&] { return (status = cluster::reap_child(pid)).has_value(); }, seconds(30)));
  if (!status) {
    ::kill(pid, SIGKILL);
    cluster::wait_gone(pid, seconds(5));
  }
  ASSERT_TRUE(info) << error;
  guard_.reset(*info);  // whatever the lab left is stopped at the end
  EXPECT_TRUE(broadcasting);
  EXPECT_TRUE(network_gone(*info->network));
  for (const NodeInfo& n : info->nodes) EXPECT_FALSE(cluster::process_alive(n.pid));
}

// The goal: 27 nodes in namespaces of their own, every link capped at 10 Mbit/s, the
// recovery scenario (kills, stops, a partition, restarts) with every broadcast reaching every
// node it should.
TEST_F(NetnsCluster, RecoveryScenarioOnTwentySevenCappedNamespacesReachesEveryNode) {
  const fs::path file = fs::path(RT_SOURCE_DIR) / "resources" / "scenarios" / "recovery-27.yaml";
  const fs::path out = dir_.path() / "report.json";
  const auto r = lab(
      {"scenario", file.string(), "--netns", "--link-rate", "10mbit", "--json", out.string(),
       "--dir", (dir_.path() / "cluster").string(), "--node-binary", bin("raintree-node").string()},
      milliseconds(180000));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(out);
  const json report = json::parse(in, nullptr, false);
  ASSERT_TRUE(report.is_object());
  EXPECT_DOUBLE_EQ(report.at("totals").value("coverage", 0.0), 1.0) << r.output;
  for (const json& b : report.at("broadcasts")) {
    EXPECT_TRUE(b.value("missed", json::array()).empty()) << b.dump();
  }
  std::string error;
  const auto info = ClusterInfo::load(dir_.path() / "cluster" / "cluster.json", error);
  ASSERT_TRUE(info && info->network) << error;
  EXPECT_EQ(info->network->shaping[26].rate, "10mbit");
  EXPECT_TRUE(network_gone(*info->network));
}

// What needs no root: shaping without --netns, and bad rates, are refused before anything
// starts; without root --netns says so.
TEST(NetnsCli, ShapingNeedsNetnsAndAValidRate) {
  auto r = lab({"run", "--nodes", "3", "--mode", "raintree", "--link-rate", "10mbit"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("need --netns"), std::string::npos) << r.output;
  r = lab({"run", "--nodes", "3", "--mode", "raintree", "--netns", "--link-rate", "10mbps"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("is not a rate"), std::string::npos) << r.output;
  r = lab({"run", "--nodes", "3", "--mode", "raintree", "--netns", "--link-loss", "20@4"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("outside 1..3"), std::string::npos) << r.output;
}

TEST(NetnsCli, WithoutRootNetnsIsRefusedWithAReason) {
  if (::geteuid() != 0) {
    const auto r = lab({"run", "--nodes", "3", "--mode", "raintree", "--netns"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("--netns needs root"), std::string::npos) << r.output;
    return;
  }
  // As root: drop to nobody for the one command (setpriv, util-linux).
  if (cluster::run_command({"setpriv", "--version"}).exit_code != 0) {
    GTEST_SKIP() << "setpriv (util-linux) is not available to drop root";
  }
  const auto r =
      run_command("/usr/bin/setpriv",
                  {"--reuid=65534", "--regid=65534", "--clear-groups", bin("raintree-lab").string(),
                   "run", "--nodes", "3", "--mode", "raintree", "--netns"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("--netns needs root"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace rt::itest
