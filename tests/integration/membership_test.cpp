// Join and leave through the control channel, on real node processes: a member that every
// other node was told has left receives nothing; told that it joined again, every node
// converges on the same member list and it delivers again.
#include <set>

#include "cluster/control_client.hpp"
#include "cluster/launcher.hpp"
#include "helpers.hpp"

namespace rt::itest {
namespace {

using cluster::ControlClient;
using nlohmann::json;

class Nodes {
 public:
  explicit Nodes(const cluster::ClusterInfo& info) : info_(info) {
    for (const auto& n : info.nodes) {
      std::string error;
      clients_.push_back(ControlClient::connect(n, milliseconds(3000), error));
      EXPECT_TRUE(clients_.back()) << "rank " << n.rank << ": " << error;
    }
  }

  json ask(int rank, const json& command) {
    std::string error;
    auto answer = clients_.at(rank - 1)->request(command, milliseconds(3000), error);
    EXPECT_TRUE(answer) << "rank " << rank << ": " << error;
    return answer ? *answer : json::object();
  }

  int connected(int rank) { return ask(rank, {{"cmd", "status"}}).value("peers_connected", -1); }
  int delivered(int rank) {
    return ask(rank, {{"cmd", "counters"}})["node"].value("delivered", -1);
  }
  bool all(const std::set<int>& ranks, const std::function<bool(int)>& check) {
    for (int r : ranks) {
      if (!check(r)) return false;
    }
    return true;
  }

 private:
  const cluster::ClusterInfo& info_;
  std::vector<std::unique_ptr<ControlClient>> clients_;
};

TEST(Membership, LeaveAndJoinThroughTheControlChannel) {
  TempDir dir("members");
  cluster::LaunchOptions o;
  o.nodes = 5;
  o.mode = "random";
  o.dir = dir.path();
  o.node_binary = bin("raintree-node");
  std::string error;
  auto info = cluster::launch_cluster(o, error);
  ASSERT_TRUE(info) << error;
  ClusterGuard guard(*info);
  Nodes nodes(*info);
  const std::set<int> everyone{1, 2, 3, 4, 5};
  const std::set<int> stayers{1, 2, 3, 4};
  const auto& leaver = info->nodes[4];
  ASSERT_TRUE(eventually(
      [&] { return nodes.all(everyone, [&](int r) { return nodes.connected(r) == 4; }); },
      milliseconds(15000)));

  // Bad requests change nothing.
  EXPECT_FALSE(nodes.ask(1, {{"cmd", "leave"}, {"id", info->nodes[0].id.hex()}}).value("ok", true));
  EXPECT_FALSE(nodes.ask(1, {{"cmd", "leave"}, {"id", std::string(64, '0')}}).value("ok", true));
  EXPECT_FALSE(
      nodes.ask(1, {{"cmd", "join"}, {"id", std::string(64, '0')}, {"endpoint", "nowhere"}})
          .value("ok", true));
  EXPECT_FALSE(nodes.ask(1, {{"cmd", "join"}, {"id", leaver.id.hex()}, {"endpoint", leaver.listen}})
                   .value("ok", true));  // already a member
  // TLS links: a member needs the key its id derives from.
  const json keyless =
      nodes.ask(1, {{"cmd", "join"}, {"id", std::string(64, 'a')}, {"endpoint", "127.0.0.1:9"}});
  EXPECT_FALSE(keyless.value("ok", true));
  EXPECT_NE(keyless.value("error", "").find("public_key"), std::string::npos) << keyless.dump();
  const json wrong_key = nodes.ask(1, {{"cmd", "join"},
                                       {"id", std::string(64, 'a')},
                                       {"endpoint", "127.0.0.1:9"},
                                       {"public_key", to_hex(*leaver.public_key)}});
  EXPECT_FALSE(wrong_key.value("ok", true));
  EXPECT_NE(wrong_key.value("error", "").find("derives id"), std::string::npos) << wrong_key.dump();

  for (int r : stayers) {
    const json answer = nodes.ask(r, {{"cmd", "leave"}, {"id", leaver.id.hex()}});
    ASSERT_TRUE(answer.value("ok", false)) << answer.dump();
    EXPECT_EQ(answer.value("members", 0), 4);
  }
  ASSERT_TRUE(
      eventually([&] { return nodes.all(stayers, [&](int r) { return nodes.connected(r) == 3; }); },
                 milliseconds(15000)));
  ASSERT_TRUE(nodes.ask(1, {{"cmd", "broadcast"}, {"size", 256}}).value("ok", false));
  ASSERT_TRUE(
      eventually([&] { return nodes.all(stayers, [&](int r) { return nodes.delivered(r) == 1; }); },
                 milliseconds(10000)));
  EXPECT_EQ(nodes.delivered(5), 0) << "a node that left still got the broadcast";

  for (int r : stayers) {
    const json answer = nodes.ask(r, {{"cmd", "join"},
                                      {"id", leaver.id.hex()},
                                      {"role", leaver.role},
                                      {"endpoint", leaver.listen},
                                      {"public_key", to_hex(*leaver.public_key)}});
    ASSERT_TRUE(answer.value("ok", false)) << answer.dump();
  }
  ASSERT_TRUE(eventually(
      [&] { return nodes.all(everyone, [&](int r) { return nodes.connected(r) == 4; }); },
      milliseconds(15000)));
  const json list = nodes.ask(1, {{"cmd", "members"}})["members"];
  EXPECT_EQ(list.size(), 5u);
  for (int r : everyone)
    EXPECT_EQ(nodes.ask(r, {{"cmd", "members"}})["members"], list) << "rank " << r;

  ASSERT_TRUE(nodes.ask(2, {{"cmd", "broadcast"}, {"size", 256}}).value("ok", false));
  ASSERT_TRUE(eventually([&] { return nodes.delivered(5) == 1; }, milliseconds(10000)));
  EXPECT_TRUE(
      eventually([&] { return nodes.all(stayers, [&](int r) { return nodes.delivered(r) == 2; }); },
                 milliseconds(10000)));
  EXPECT_TRUE(guard.stop());
}

}  // namespace
}  // namespace rt::itest
