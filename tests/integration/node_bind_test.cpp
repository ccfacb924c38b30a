// What a node in a Kubernetes pod relies on, shown on loopback: `raintree-node --bind` (listen
// on one address, be known by another, possibly a DNS name) and `"control_tls": true` (a
// control channel that serves TLS, reached through a loopback forward such as kubectl
// port-forward).
#include <signal.h>

#include "cluster_queries.hpp"
#include "crypto/node_key.hpp"

namespace rt::itest {
namespace {

using std::chrono::seconds;

// Node processes started by hand; killed and reaped when the test ends, however it ends.
class Nodes {
 public:
  ~Nodes() {
    for (const int pid : pids_) {
      ::kill(pid, SIGKILL);
      cluster::wait_gone(pid, milliseconds(5000));
    }
  }
  int start(const std::vector<std::string>& args, const fs::path& log) {
    std::string error;
    const int pid = cluster::spawn_process({bin("raintree-node"), args, log, false}, error);
    EXPECT_GT(pid, 0) << error;
    if (pid > 0) pids_.push_back(pid);
    return pid;
  }

 private:
  std::vector<int> pids_;
};

TEST(NodeBind, AWildcardBindServesTheAdvertisedLoopbackEndpoint) {
  TempDir dir("bind-any");
  cluster::LaunchOptions options;
  options.extra_node_args = {"--bind", "0.0.0.0"};
  std::string error;
  const auto info = launch(dir.path(), 3, "raintree", error, options);
  ClusterGuard guard;
  if (info) guard.reset(*info);
  ASSERT_TRUE(info) << error;
  for (const NodeInfo& n : info->nodes) {
    const auto status = ask(n, {{"cmd", "status"}});
    ASSERT_TRUE(status) << "rank " << n.rank;
    EXPECT_EQ(status->value("listen", ""), n.listen);  // what peers dial, as in the book
    EXPECT_EQ(status->value("bind", ""), "0.0.0.0:" + std::to_string(port_of(n.listen)));
  }
  // Peers reach each node through the endpoint it advertises.
  EXPECT_TRUE(eventually(
      [&] {
        return std::all_of(info->nodes.begin(), info->nodes.end(),
                           [](const NodeInfo& n) { return peers_connected(n) == 2; });
      },
      seconds(10)));
  const std::string id = broadcast(info->nodes[2]);
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return delivered_by(*info, {1, 2, 3}, id); }, seconds(10)));
}

// As in a pod: the address book names hosts (here "localhost"), each node binds an address
// (here 127.0.0.1) and the dialer resolves the name.
TEST(NodeBind, PeersKnownByDnsNamesConnectAndGossip) {
  TempDir dir("bind-dns");
  std::string error;
  const auto ports = cluster::pick_free_ports(6, error);
  ASSERT_EQ(ports.size(), 6u) << error;
  std::vector<crypto::NodeKey> keys;
  json members = json::array();
  for (int i = 0; i < 2; ++i) {
    auto key = crypto::NodeKey::generate(error);
    ASSERT_TRUE(key) << error;
    const std::string stem = (dir.path() / ("node-" + std::to_string(i))).string();
    ASSERT_TRUE(key->save(stem + ".key", error)) << error;
    ASSERT_TRUE(
        crypto::write_secret_file(stem + ".token", "token-" + std::to_string(i) + "\n", error))
        << error;
    members.push_back({{"id", key->id().hex()},
                       {"role", "validator"},
                       {"endpoint", "localhost:" + std::to_string(ports[3 * i])},
                       {"public_key", to_hex(key->public_key())}});
    keys.push_back(std::move(*key));
  }
  const fs::path book = dir.path() / "address-book.json";
  std::ofstream(book) << json{{"members", members}}.dump(2);

  Nodes nodes;
  std::vector<NodeInfo> infos;
  for (int i = 0; i < 2; ++i) {
    const std::string stem = (dir.path() / ("node-" + std::to_string(i))).string();
    nodes.start({"--key", stem + ".key", "--listen", "localhost:" + std::to_string(ports[3 * i]),
                 "--bind", "127.0.0.1", "--address-book", book.string(), "--control",
                 std::to_string(ports[3 * i + 1]), "--token-file", stem + ".token", "--metrics",
                 std::to_string(ports[3 * i + 2]), "--mode", "random"},
                stem + ".log");
    NodeInfo n;
    n.rank = i + 1;
    n.control = "127.0.0.1:" + std::to_string(ports[3 * i + 1]);
    n.token = "token-" + std::to_string(i);
    infos.push_back(n);
  }
  for (int i = 0; i < 2; ++i) {
    const std::string log = (dir.path() / ("node-" + std::to_string(i) + ".log")).string();
    ASSERT_TRUE(eventually([&] { return peers_connected(infos[i]) == 1; }, seconds(10)))
        << "node " << i << ": " << cluster::last_line(log);
    const auto status = ask(infos[i], {{"cmd", "status"}});
    ASSERT_TRUE(status);
    EXPECT_EQ(status->value("listen", ""), "localhost:" + std::to_string(ports[3 * i]));
    EXPECT_EQ(status->value("bind", ""), "127.0.0.1:" + std::to_string(ports[3 * i]));
  }
  const std::string id = broadcast(infos[0]);
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return delivered(infos[1], id); }, seconds(10)));
}

TEST(NodeBind, AHostNameWithoutBindAndABadBindAreUsageErrors) {
  TempDir dir("bind-bad");
  std::string error;
  auto key = crypto::NodeKey::generate(error);
  ASSERT_TRUE(key) << error;
  const fs::path key_file = dir.path() / "node.key";
  ASSERT_TRUE(key->save(key_file, error)) << error;
  const fs::path book = dir.path() / "book.json";
  std::ofstream(book) << json{{"members",
                               {{{"id", key->id().hex()},
                                 {"endpoint", "node-0.example.svc:7000"},
                                 {"public_key", to_hex(key->public_key())}}}}}
                             .dump();
  const std::vector<std::string> common = {"--key",          key_file.string(),
                                           "--address-book", book.string(),
                                           "--control",      "1",
                                           "--token",        "t",
                                           "--metrics",      "2",
                                           "--listen",       "node-0.example.svc:7000"};
  auto args = common;
  auto r = run_command(bin("raintree-node"), args);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--listen host \"node-0.example.svc\" is not an IP address: give "
                          "--bind ADDR"),
            std::string::npos)
      << r.output;
  args.insert(args.end(), {"--bind", "everywhere"});
  r = run_command(bin("raintree-node"), args);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--bind must be an IP address, got \"everywhere\""), std::string::npos)
      << r.output;
}

// A control channel off loopback serves TLS; reached through 127.0.0.1 (what kubectl
// port-forward gives), the client must be told to speak TLS: "control_tls": true.
TEST(ControlTlsForward, ATlsControlChannelIsReachedThroughLoopbackWithControlTls) {
  TempDir dir("control-tls-forward");
  cluster::LaunchOptions options;
  options.control_host = "0.0.0.0";  // not loopback: the nodes serve their control over TLS
  std::string error;
  const auto info = launch(dir.path(), 2, "random", error, options);
  ClusterGuard guard;
  if (info) guard.reset(*info);
  ASSERT_TRUE(info) << error;
  NodeInfo forwarded = info->nodes[0];
  forwarded.control = "127.0.0.1:" + std::to_string(port_of(forwarded.control));
  forwarded.control_tls = true;
  const auto status = ask(forwarded, {{"cmd", "status"}});
  ASSERT_TRUE(status);
  EXPECT_EQ(status->value("id", ""), forwarded.id.hex());
  EXPECT_EQ(status->value("control", ""), info->nodes[0].control);
  const std::string id = broadcast(forwarded);
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return delivered_by(*info, {1, 2}, id); }, seconds(10)));

  // As `raintree-lab k8s generate` writes it: every node on 127.0.0.1 with control_tls, no
  // pid on this machine. `raintree-lab attach` drives the cluster through that file.
  cluster::ClusterInfo saved = *info;
  for (NodeInfo& n : saved.nodes) {
    n.control = "127.0.0.1:" + std::to_string(port_of(n.control));
    n.control_tls = true;
    n.pid = 0;
    n.key_file.clear();
  }
  const fs::path file = dir.path() / "forwarded" / "cluster.json";
  fs::create_directories(file.parent_path());
  ASSERT_TRUE(saved.save(file, error)) << error;
  const auto loaded = cluster::ClusterInfo::load(file, error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_TRUE(ask(loaded->nodes[1], {{"cmd", "status"}}));
  const auto status_cli = run_command(bin("raintree-lab"), {"attach", file.string(), "status"});
  EXPECT_EQ(status_cli.exit_code, 0) << status_cli.output;
  EXPECT_NE(status_cli.output.find("2 of 2 nodes answering"), std::string::npos)
      << status_cli.output;
  const auto broadcast_cli = run_command(
      bin("raintree-lab"), {"attach", file.parent_path().string(), "broadcast", "--origin", "2"});
  EXPECT_EQ(broadcast_cli.exit_code, 0) << broadcast_cli.output;
  const std::string cli_id = broadcast_cli.output.substr(0, broadcast_cli.output.find('\n'));
  EXPECT_TRUE(eventually(
      [&] {
        return delivered_by(*info, {1, 2}, cli_id);
      },
      seconds(10)))
      << broadcast_cli.output;

  // Without it the client speaks plaintext to a TLS server: refused, and said so.
  NodeInfo plain = forwarded;
  plain.control_tls.reset();
  EXPECT_FALSE(ControlClient::connect(plain, milliseconds(3000), error));
  EXPECT_NE(error.find("control_tls"), std::string::npos) << error;
  // Another node's key pinned: the TLS handshake completes, the pin refuses it.
  NodeInfo wrong_key = forwarded;
  wrong_key.public_key = info->nodes[1].public_key;
  EXPECT_FALSE(ControlClient::connect(wrong_key, milliseconds(3000), error));
  EXPECT_NE(error.find("not the pinned key"), std::string::npos) << error;
}

}  // namespace
}  // namespace rt::itest
