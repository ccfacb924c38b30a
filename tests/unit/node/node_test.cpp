// Tests of the real raintree-node executable on loopback.
#include <gtest/gtest.h>

#include <memory>

#include "crypto/node_key.hpp"
#include "unit/node/node_cluster.hpp"

namespace rt::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Runs raintree-node with extra args; returns (exit code, stderr).
std::pair<int, std::string> run_to_exit(const std::vector<std::string>& args) {
  TempDir dir;
  const fs::path err = dir.path() / "stderr.txt";
  Process process(args, err);
  const auto code = process.wait_exit(10s);
  return {code.value_or(-1), read_file(err)};
}

TEST(NodeProcess, BadFlagsExitWithCode2AndAOneLineError) {
  Cluster cluster(2);
  auto with = [&](const std::string& flag, const std::string& value) {
    auto args = cluster.args(1);
    auto it = std::find(args.begin(), args.end(), flag);
    if (it == args.end()) {
      args.push_back(flag);
      args.push_back(value);
    } else {
      *(it + 1) = value;
    }
    return args;
  };
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  auto missing_id = cluster.args(1);
  missing_id.erase(missing_id.begin() + 1, missing_id.begin() + 3);
  TempDir scratch;
  const fs::path bad_book = scratch.path() / "bad.json";
  std::ofstream(bad_book) << R"({"members": [{"id": "xyz"}]})";
  auto secure = cluster.args(1);
  secure.erase(std::find(secure.begin(), secure.end(), "--insecure"));
  std::string why;
  const auto key = crypto::NodeKey::generate(why);
  ASSERT_TRUE(key) << why;
  const fs::path key_file = scratch.path() / "node.key";
  ASSERT_TRUE(key->save(key_file, why)) << why;
  const fs::path not_a_key = scratch.path() / "not.key";
  std::ofstream(not_a_key) << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto with_key = [&](const fs::path& file) {
    auto a = secure;
    a.push_back("--key");
    a.push_back(file.string());
    return a;
  };
  const std::vector<Case> cases = {
      {missing_id, "--insecure without --key needs --id"},
      {secure, "--key FILE is required"},
      {with_key(scratch.path() / "missing.key"), "cannot read the key file"},
      {with_key(not_a_key), "bad key file"},
      {with_key(key_file), "is not the id of the key"},
      {with("--token-file", (scratch.path() / "missing.token").string()), "excludes"},
      {[&] {
         auto a = cluster.args(1);
         const auto token = std::find(a.begin(), a.end(), "--token");
         *token = "--token-file";
         *(token + 1) = (scratch.path() / "missing.token").string();
         return a;
       }(),
       "cannot read the token file"},
      {with("--id", "abc"), "--id must be 64 hex characters"},
      {with("--id", id_hex(7)), "is not in the address book"},
      {with("--listen", "127.0.0.1"), "--listen must be HOST:PORT"},
      {with("--listen", "127.0.0.1:1"), "does not match"},
      {[&] {
         auto a = cluster.args(1);
         a.push_back("--byzantine");
         return a;
       }(),
       "--byzantine needs --mode advert"},
      {[&] {
         auto a = with("--mode", "advert");
         a.push_back("--advert-priority");
         a.push_back("drop_kinds=999");
         return a;
       }(),
       "--advert-priority: drop_kinds: bad value"},
      {with("--control", "0"), "--control must be a port"},
      {with("--metrics", "http"), "--metrics must be a port"},
      {with("--mode", "carrier-pigeon"), "--mode must be"},
      {with("--fanout", "-3"), "--fanout must be"},
      {with("--log-level", "loud"), "--log-level must be"},
      {with("--address-book", "/nonexistent/book.json"), "cannot read the address book"},
      {with("--address-book", bad_book.string()), "bad address book"},
  };
  for (const auto& c : cases) {
    const auto [code, err] = run_to_exit(c.args);
    EXPECT_EQ(code, 2) << c.message << "\n" << err;
    EXPECT_NE(err.find(c.message), std::string::npos) << "stderr: " << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "not one line: " << err;
  }
  const auto [code, out] = run_to_exit({node_binary(), "--help"});
  EXPECT_EQ(code, 0);
}

TEST(NodeProcess, ControlChannelRefusesAWrongTokenAndServesCommands) {
  Cluster cluster(3);
  ASSERT_TRUE(cluster.start());
  ASSERT_TRUE(cluster.wait_mesh(1));

  {
    Control wrong(cluster.control_port(1), "not-the-token");
    ASSERT_TRUE(wrong.hello());
    EXPECT_EQ((*wrong.hello())["ok"], false);
    EXPECT_EQ((*wrong.hello())["error"], "wrong token");
    EXPECT_TRUE(wrong.socket().closed_by_peer());
  }
  EXPECT_NE(read_file(cluster.log(1)).find("wrong token"), std::string::npos);

  Control control(cluster.control_port(1), cluster.token(1));
  ASSERT_TRUE(control.hello());
  EXPECT_EQ((*control.hello())["ok"], true);
  EXPECT_EQ((*control.hello())["id"], id_hex(1));
  EXPECT_EQ((*control.hello())["mode"], "random");

  const auto status = control.request({{"cmd", "status"}});
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["ok"], true);
  EXPECT_EQ((*status)["pid"], cluster.node(1).pid());
  EXPECT_EQ((*status)["listen"], cluster.listen(1));
  EXPECT_EQ((*status)["members"], 3);
  EXPECT_EQ((*status)["peers_connected"], 2);
  for (const char* key : {"control", "metrics", "roles", "uptime_ms", "time_us"}) {
    EXPECT_TRUE(status->contains(key)) << key;
  }

  const auto unknown = control.request({{"cmd", "fly"}});
  EXPECT_EQ((*unknown)["ok"], false);
  EXPECT_EQ((*control.request({{"cmd", "broadcast"}, {"size", -5}}))["ok"], false);
  EXPECT_EQ((*control.request({{"cmd", "broadcast"}, {"size", 17u << 20}}))["ok"], false);
  EXPECT_EQ((*control.request({{"cmd", "broadcast"}, {"payload_hex", "zz"}}))["ok"], false);

  const auto subscribed = control.request({{"cmd", "subscribe"}});
  ASSERT_TRUE(subscribed && (*subscribed)["ok"] == true);
  const auto broadcast = control.request({{"cmd", "broadcast"}, {"size", 3000}});
  ASSERT_TRUE(broadcast);
  ASSERT_EQ((*broadcast)["ok"], true) << broadcast->dump();
  const std::string id = (*broadcast)["id"];
  EXPECT_EQ(id.size(), 16u);

  // Every node delivers it once.
  for (int i = 1; i <= 3; ++i) {
    Control c(cluster.control_port(i), cluster.token(i));
    const auto deadline = Clock::now() + 10s;
    std::uint64_t delivered = 0;
    while (Clock::now() < deadline && delivered == 0) {
      delivered = (*c.request({{"cmd", "counters"}}))["node"]["delivered"].get<std::uint64_t>();
      if (delivered == 0) std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(delivered, 1u) << "node " << i;
    const auto messages = c.request({{"cmd", "messages"}});
    ASSERT_TRUE(messages);
    ASSERT_EQ((*messages)["messages"].size(), 1u);
    EXPECT_EQ((*messages)["messages"][0]["id"], id);
    EXPECT_FALSE((*messages)["messages"][0]["delivered_us"].is_null());
  }

  const auto counters = control.request({{"cmd", "counters"}});
  ASSERT_TRUE(counters);
  EXPECT_EQ((*counters)["node"]["originated"], 1);
  EXPECT_GE((*counters)["node"]["payload_frames_out"].get<int>(), 1);
  EXPECT_GE((*counters)["types"]["gossip"]["frames_out"].get<int>(), 1);
  ASSERT_EQ((*counters)["peers"].size(), 2u);
  for (const auto& peer : (*counters)["peers"]) {
    EXPECT_EQ(peer["connected"], true);
    for (const char* key :
         {"id", "frames_in", "frames_out", "bytes_in", "bytes_out", "duplicates", "drops",
          "queue_frames", "queue_bytes", "queue_high_water_frames", "queue_high_water_bytes",
          "queue_limit_frames", "queue_limit_bytes", "last_heard_us"}) {
      EXPECT_TRUE(peer.contains(key)) << key;
    }
  }
  const auto queues = control.request({{"cmd", "queues"}});
  EXPECT_EQ((*queues)["peers"].size(), 2u);

  // The subscription streams the originate and deliver events of the broadcast.
  bool originate = false, deliver = false;
  for (int batches = 0; batches < 50 && !(originate && deliver); ++batches) {
    const auto batch = control.next_batch();
    ASSERT_TRUE(batch);
    for (const auto& e : batch->events) {
      if (to_string(e.msg_id) != id) continue;
      originate |= e.kind == wire::EventKind::originate;
      deliver |= e.kind == wire::EventKind::deliver;
    }
  }
  EXPECT_TRUE(originate);
  EXPECT_TRUE(deliver);

  // shutdown answers, then the process exits 0.
  const auto bye = control.request({{"cmd", "shutdown"}});
  ASSERT_TRUE(bye);
  EXPECT_EQ((*bye)["ok"], true);
  EXPECT_EQ(cluster.node(1).wait_exit(10s), 0);
}

TEST(NodeProcess, ABroadcastToAGroupTheNodeIsNotInIsRefused) {
  Cluster cluster(2, "random", {"servicer", "validator"});
  ASSERT_TRUE(cluster.start());
  Control servicer(cluster.control_port(1), cluster.token(1));
  ASSERT_TRUE(servicer.hello());
  const auto refused = servicer.request({{"cmd", "broadcast"}, {"group", "validators"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)["ok"], false);
  EXPECT_NE((*refused)["error"].get<std::string>().find("not in group"), std::string::npos)
      << refused->dump();
  Control validator(cluster.control_port(2), cluster.token(2));
  ASSERT_TRUE(validator.hello());
  const auto accepted = validator.request({{"cmd", "broadcast"}, {"group", "validators"}});
  ASSERT_TRUE(accepted);
  EXPECT_EQ((*accepted)["ok"], true) << accepted->dump();
}

TEST(NodeProcess, GarbageAndOversizeOnThePeerPortCloseOnlyThatConnection) {
  Cluster cluster(2);
  ASSERT_TRUE(cluster.start());
  ASSERT_TRUE(cluster.wait_mesh(2));
  {
    Socket garbage(cluster.peer_port(2));
    ASSERT_TRUE(garbage.send(std::string(100, '\x5a')));
    EXPECT_TRUE(garbage.closed_by_peer());
  }
  {
    Socket oversize(cluster.peer_port(2));
    ASSERT_TRUE(oversize.send(std::vector<std::uint8_t>{0xff, 0xff, 0xff, 0xff, 1, 0x03}));
    EXPECT_TRUE(oversize.closed_by_peer());
  }
  {
    Socket stranger(cluster.peer_port(2));
    wire::Hello hello;
    hello.id = *NodeId::from_hex(id_hex(0));
    ASSERT_TRUE(stranger.send(wire::encode_frame(hello)));
    EXPECT_TRUE(stranger.closed_by_peer());
  }
  const std::string log = read_file(cluster.log(2));
  EXPECT_NE(log.find("refused inbound connection"), std::string::npos) << log;
  EXPECT_NE(log.find("frame body larger than"), std::string::npos) << log;
  EXPECT_NE(log.find("unknown id " + id_hex(0)), std::string::npos) << log;

  // The node keeps serving, and its link to node 1 is untouched.
  Control control(cluster.control_port(2), cluster.token(2));
  const auto counters = control.request({{"cmd", "counters"}});
  ASSERT_TRUE(counters);
  ASSERT_EQ((*counters)["peers"].size(), 1u);
  EXPECT_EQ((*counters)["peers"][0]["connected"], true);
  EXPECT_EQ((*counters)["peers"][0]["connects"], 1);
  EXPECT_EQ((*control.request({{"cmd", "broadcast"}, {"size", 10}}))["ok"], true);
}

TEST(NodeProcess, MetricsAnswersPrometheusTextAndRejectsBadRequests) {
  Cluster cluster(2);
  ASSERT_TRUE(cluster.start());
  ASSERT_TRUE(cluster.wait_mesh(1));
  const std::uint16_t port = cluster.metrics_port(1);

  const std::string ok = http(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  for (const char* line :
       {"# TYPE raintree_frames_total counter", "raintree_frames_total{direction=\"in\"} ",
        "raintree_bytes_total{direction=\"out\"} ", "# TYPE raintree_delivered_total counter",
        "raintree_duplicates_total ", "raintree_drops_total ", "raintree_peers_connected 1\n",
        "# TYPE raintree_outbound_queue_frames gauge"}) {
    EXPECT_NE(ok.find(line), std::string::npos) << line;
  }
  EXPECT_EQ(ok.find(id_hex(2)), std::string::npos) << "no per-peer labels";

  EXPECT_EQ(http(port, "GET /other HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(http(port, "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(http(port, "\x01\x02 garbage\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  // An oversized head is cut off (431, or a reset when the rest was still arriving).
  const std::string big =
      http(port, "GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(big.empty() || big.rfind("HTTP/1.1 431", 0) == 0) << big.substr(0, 100);
  EXPECT_EQ(http(port, "GET /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
}

TEST(NodeProcess, SigtermStopsTheNodeCleanly) {
  Cluster cluster(2);
  ASSERT_TRUE(cluster.start());
  cluster.node(2).signal(SIGTERM);
  EXPECT_EQ(cluster.node(2).wait_exit(10s), 0);
  cluster.node(1).signal(SIGINT);
  EXPECT_EQ(cluster.node(1).wait_exit(10s), 0);
  EXPECT_NE(read_file(cluster.log(2)).find("SIGTERM"), std::string::npos);
}

}  // namespace
}  // namespace rt::test
