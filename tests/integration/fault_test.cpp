// FaultController and `raintree-lab fault` / `attach` against real raintree-node processes.
// Every wait is a bounded poll (eventually); every cluster is stopped by a ClusterGuard.
#include <signal.h>

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cluster/control_client.hpp"
#include "cluster/faults.hpp"
#include "cluster_queries.hpp"
#include "helpers.hpp"

namespace rt::itest {
namespace {

using cluster::ClusterInfo;
using cluster::ControlClient;
using cluster::FaultController;
using cluster::NodeCondition;
using cluster::NodeInfo;
using nlohmann::json;

constexpr milliseconds kSettle{10000};
constexpr milliseconds kDeliver{15000};

// A cluster of `nodes` whose every link is up.
#define START_CLUSTER(dir_tag, nodes, mode)                                                  \
  TempDir dir(dir_tag);                                                                      \
  std::string error;                                                                         \
  auto info = launch(dir.path(), nodes, mode, error);                                        \
  ASSERT_TRUE(info) << error;                                                                \
  ClusterGuard guard(*info);                                                                 \
  ASSERT_TRUE(eventually([&] { return connected_counts(*info, full_mesh(*info)); }, kSettle, \
                         milliseconds(50)))

TEST(FaultController, KillEndsTheProcessAndPeersSeeItGo) {
  START_CLUSTER("fault-kill", 5, "random");
  cluster::FaultOptions options;
  options.restart_killed_on_undo = false;  // the guard stops the cluster anyway
  FaultController faults(*info, options);
  const int pid = info->nodes[2].pid;
  std::string message;
  ASSERT_TRUE(faults.kill({3}, message)) << message;
  EXPECT_NE(message.find("killed rank 3"), std::string::npos) << message;
  EXPECT_FALSE(cluster::process_alive(pid));
  EXPECT_EQ(faults.condition(3), NodeCondition::killed);
  EXPECT_TRUE(eventually([&] { return connected_counts(*info, full_mesh(*info, {3})); }, kSettle,
                         milliseconds(50)));
  // A network fault on a killed node says why it cannot be applied.
  EXPECT_FALSE(faults.mute({3}, true, message));
  EXPECT_NE(message.find("restart it first"), std::string::npos) << message;
}

TEST(FaultController, StopThenContinueFreezesAndThawsTheProcess) {
  START_CLUSTER("fault-stop", 5, "random");
  FaultController faults(*info);
  const NodeInfo& node = info->nodes[1];
  std::string message;
  ASSERT_TRUE(faults.stop({2}, message)) << message;
  EXPECT_EQ(cluster::process_state(node.pid), cluster::ProcessState::stopped);
  EXPECT_EQ(faults.condition(2), NodeCondition::stopped);
  EXPECT_FALSE(faults.stop({2}, message));
  EXPECT_NE(message.find("already stopped"), std::string::npos) << message;

  ASSERT_TRUE(faults.resume({2}, message)) << message;
  EXPECT_NE(message.find("continued rank 2"), std::string::npos) << message;
  EXPECT_EQ(cluster::process_state(node.pid), cluster::ProcessState::running);
  EXPECT_EQ(faults.condition(2), NodeCondition::up);
  EXPECT_TRUE(eventually([&] { return peers_connected(node) == 4; }, kSettle));
}

TEST(FaultController, RestartKeepsIdAndEndpointAndTheNodeDeliversAgain) {
  START_CLUSTER("fault-restart", 6, "raintree");
  FaultController faults(*info);
  const NodeInfo before = info->nodes[3];
  std::string message;
  ASSERT_TRUE(faults.kill({4}, message)) << message;
  ASSERT_TRUE(faults.restart({4}, message)) << message;
  EXPECT_NE(message.find("restarted rank 4"), std::string::npos) << message;
  guard.reset(*info);  // the new pid
  const NodeInfo& after = info->nodes[3];
  EXPECT_NE(after.pid, before.pid);
  EXPECT_TRUE(cluster::process_alive(after.pid));
  EXPECT_FALSE(cluster::process_alive(before.pid));
  EXPECT_EQ(faults.condition(4), NodeCondition::up);
  const auto status = ask(after, {{"cmd", "status"}});
  ASSERT_TRUE(status);
  EXPECT_EQ(status->value("id", std::string()), before.id.hex());
  EXPECT_EQ(status->value("listen", std::string()), before.listen);
  EXPECT_EQ(status->value("pid", 0), after.pid);
  // cluster.json follows, so that other processes find the new pid.
  const auto saved = ClusterInfo::load(dir.path() / "cluster.json", error);
  ASSERT_TRUE(saved) << error;
  EXPECT_EQ(saved->nodes[3].pid, after.pid);

  ASSERT_TRUE(eventually([&] { return connected_counts(*info, full_mesh(*info)); }, kSettle,
                         milliseconds(50)));
  const std::string id = broadcast(info->nodes[0]);
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return delivered_by(*info, ranks_but(6, {}), id); }, kDeliver,
                         milliseconds(50)));
  EXPECT_EQ(node_counters(after).value("delivered", 0ull), 1u);
}

TEST(FaultController, MutedNodeDeliversButSendsNoGossipAndTheRestStillDeliver) {
  START_CLUSTER("fault-mute", 7, "raintree");
  FaultController faults(*info);
  const NodeInfo& muted = info->nodes[2];
  std::string message;
  ASSERT_TRUE(faults.mute({3}, true, message)) << message;
  EXPECT_EQ(faults.condition(3), NodeCondition::muted);
  EXPECT_TRUE(faults_of(muted).mute);
  const std::uint64_t payload_out = node_counters(muted).value("payload_frames_out", 0ull);

  const std::string id = broadcast(info->nodes[0]);
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return delivered_by(*info, ranks_but(7, {}), id); }, kDeliver,
                         milliseconds(50)));
  // It received and delivered, but what its engine tried to send (at least the ACK) was
  // suppressed, and no payload left it.
  const json counters = node_counters(muted);
  EXPECT_EQ(counters.value("payload_frames_out", 0ull), payload_out) << counters.dump();
  EXPECT_GT(counters.value("drops_by_reason", json::object()).value("muted", 0ull), 0u)
      << counters.dump();
  EXPECT_EQ(message_entry(muted, id).value("writes", -1), 0);
}

TEST(FaultController, FullLossOnOneNodeDropsItsFramesUntilHealed) {
  START_CLUSTER("fault-loss", 6, "raintree");
  FaultController faults(*info);
  const NodeInfo& lossy = info->nodes[4];
  const std::uint64_t lost_before = dropped_for(lossy, "loss");
  std::string message;
  ASSERT_TRUE(faults.loss({5}, 100, message)) << message;
  EXPECT_DOUBLE_EQ(faults_of(lossy).loss_percent, 100.0);

  // Every frame to or from rank 5 is lost (heartbeats aside): the rest deliver, it cannot.
  const std::string during = broadcast(info->nodes[0]);
  ASSERT_FALSE(during.empty());
  EXPECT_TRUE(eventually([&] { return delivered_by(*info, ranks_but(6, {5}), during); }, kDeliver,
                         milliseconds(50)));
  EXPECT_TRUE(eventually([&] { return dropped_for(lossy, "loss") > lost_before; }, kDeliver));
  EXPECT_FALSE(delivered(lossy, during));
  // Heartbeats pass: its links stay up.
  EXPECT_EQ(peers_connected(lossy), 5);

  ASSERT_TRUE(faults.heal(message)) << message;
  EXPECT_TRUE(faults_of(lossy).clean());
  const std::string after = broadcast(info->nodes[0]);
  ASSERT_FALSE(after.empty());
  EXPECT_TRUE(eventually([&] { return delivered(lossy, after); }, kDeliver, milliseconds(50)));
}

TEST(FaultController, LinkDelayHoldsABroadcastOverThatLink) {
  START_CLUSTER("fault-delay", 5, "raintree");
  FaultController faults(*info);
  constexpr int kDelayMs = 500;
  // Every link into rank 2 is slowed, so whichever path reaches it crosses a delayed link;
  // each call keeps the link faults the earlier ones set.
  std::string message;
  for (int other : {1, 3, 4, 5}) {
    ASSERT_TRUE(faults.link_delay(2, other, kDelayMs, message)) << message;
  }
  EXPECT_EQ(faults_of(info->nodes[1]).links.size(), 4u);
  EXPECT_EQ(faults_of(info->nodes[0]).links.size(), 1u);

  const std::string id = broadcast(info->nodes[0]);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return delivered_by(*info, ranks_but(5, {}), id); }, kDeliver,
                         milliseconds(50)));
  const json origin = message_entry(info->nodes[0], id);
  const Micros sent = origin.value("origin_time_us", Micros{0});
  ASSERT_GT(sent, 0) << origin.dump();
  const auto took_us = [&](int rank) {
    return message_entry(info->nodes[rank - 1], id).value("delivered_us", Micros{0}) - sent;
  };
  EXPECT_GE(took_us(2), Micros{kDelayMs} * 1000) << "rank 2 delivered too early";
  // The origin's other target is reached directly, without the delay.
  EXPECT_LT(std::min({took_us(3), took_us(4), took_us(5)}), Micros{kDelayMs} * 1000);
}

TEST(FaultController, PartitionCutsTheMinorityOffUntilHeal) {
  START_CLUSTER("fault-partition", 6, "raintree");
  FaultController faults(*info);
  std::string message;
  ASSERT_TRUE(faults.partition({{5, 6}}, message)) << message;
  EXPECT_EQ(faults.condition(5), NodeCondition::partitioned);
  EXPECT_EQ(faults.partition_group(5), 0);
  EXPECT_EQ(faults.partition_group(1), 1);  // the unlisted ranks
  EXPECT_TRUE(eventually(
      [&] {
        return connected_counts(*info, {{1, 3}, {2, 3}, {3, 3}, {4, 3}, {5, 1}, {6, 1}});
      },
      kSettle, milliseconds(50)));

  const std::string during = broadcast(info->nodes[0]);
  ASSERT_FALSE(during.empty());
  EXPECT_TRUE(eventually(
      [&] {
        return delivered_by(*info, {1, 2, 3, 4}, during);
      },
      kDeliver, milliseconds(50)));
  // Blocked links carry nothing, so the minority cannot have it.
  EXPECT_FALSE(delivered(info->nodes[4], during));
  EXPECT_FALSE(delivered(info->nodes[5], during));

  ASSERT_TRUE(faults.heal(message)) << message;
  EXPECT_FALSE(faults.partition_group(5));
  EXPECT_TRUE(eventually([&] { return connected_counts(*info, full_mesh(*info)); }, kSettle,
                         milliseconds(50)));
  const std::string after = broadcast(info->nodes[0]);
  ASSERT_FALSE(after.empty());
  EXPECT_TRUE(eventually([&] { return delivered_by(*info, ranks_but(6, {}), after); }, kDeliver,
                         milliseconds(50)));
}

TEST(FaultController, DestructionUndoesStopAndMute) {
  START_CLUSTER("fault-undo", 5, "random");
  {
    FaultController faults(*info);
    std::string message;
    ASSERT_TRUE(faults.stop({2}, message)) << message;
    ASSERT_TRUE(faults.mute({3}, true, message)) << message;
    ASSERT_EQ(cluster::process_state(info->nodes[1].pid), cluster::ProcessState::stopped);
    ASSERT_TRUE(faults_of(info->nodes[2]).mute);
  }
  EXPECT_EQ(cluster::process_state(info->nodes[1].pid), cluster::ProcessState::running);
  EXPECT_TRUE(ask(info->nodes[1], {{"cmd", "status"}}));
  EXPECT_TRUE(faults_of(info->nodes[2]).clean());
}

// ---- raintree-lab fault and attach ----

// The line of `attach status` for a rank ("   2  5c1929b1 ...").
std::string status_line(const std::string& output, int rank) {
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (first == std::to_string(rank)) return line;
  }
  return {};
}

TEST(FaultCli, StopShowsInAttachStatusThenContinueAndAttachDrivesTheCluster) {
  START_CLUSTER("fault-cli", 5, "random");
  const std::string d = dir.path().string();
  const std::string file = (dir.path() / "cluster.json").string();

  auto r = lab({"fault", "stop", "2", "--dir", d});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("stopped rank 2"), std::string::npos) << r.output;
  EXPECT_EQ(cluster::process_state(info->nodes[1].pid), cluster::ProcessState::stopped);
  r = lab({"attach", file, "status"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(status_line(r.output, 2).find("stopped"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("4 of 5 nodes answering"), std::string::npos) << r.output;

  r = lab({"fault", "continue", "2", "--cluster", file});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(cluster::process_state(info->nodes[1].pid), cluster::ProcessState::running);

  // attach's fault takes the same grammar and leaves the fault in force.
  r = lab({"attach", file, "fault", "mute", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("muted rank 3"), std::string::npos) << r.output;
  EXPECT_TRUE(faults_of(info->nodes[2]).mute);
  r = lab({"fault", "loss", "--link", "1,4", "--percent", "50", "--dir", d});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_DOUBLE_EQ(faults_of(info->nodes[0]).links.at(info->nodes[3].id.hex()).loss_percent, 50);
  ASSERT_TRUE(eventually([&] { return connected_counts(*info, full_mesh(*info)); }, kSettle,
                         milliseconds(50)));
  r = lab({"attach", file, "status"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(status_line(r.output, 3).find("muted"), std::string::npos) << r.output;
  EXPECT_NE(status_line(r.output, 1).find("link->4 loss 50%"), std::string::npos) << r.output;
  EXPECT_NE(status_line(r.output, 2).find("4/4"), std::string::npos) << r.output;

  r = lab({"attach", file, "broadcast", "--origin", "2", "--count", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream ids(r.output);
  std::string first, second;
  ids >> first >> second;
  EXPECT_EQ(first.size(), 16u) << r.output;
  EXPECT_EQ(second.size(), 16u) << r.output;
  EXPECT_TRUE(eventually([&] { return delivered(info->nodes[1], second); }, kDeliver));

  r = lab({"attach", file, "watch", "--seconds", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2s  events/s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("answering 5/5"), std::string::npos) << r.output;

  r = lab({"fault", "heal", "--dir", d});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(faults_of(info->nodes[0]).links.empty());
}

TEST(FaultCli, BadArgumentsExitTwoNameTheProblemAndChangeNothing) {
  START_CLUSTER("fault-cli-bad", 5, "random");
  const std::string d = dir.path().string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"fault", "stop", "9", "--dir", d}, "rank 9 is outside 1..5"},
      {{"fault", "explode", "1", "--dir", d}, "unknown fault \"explode\""},
      {{"fault", "loss", "2", "--dir", d}, "needs --percent"},
      {{"fault", "partition", "1,2/2,3", "--dir", d}, "rank 2 is in two partition groups"},
      {{"fault", "delay", "2", "--ms", "100", "--percent", "5", "--dir", d}, "--percent"},
      {{"fault", "stop", "2"}, "--dir DIR or --cluster FILE"},
      {{"attach", (dir.path() / "cluster.json").string(), "fault", "kill", "0"}, "rank"},
  };
  for (const auto& [args, expected] : cases) {
    const auto r = lab(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << " " << args[2] << ": " << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
  }
  for (const auto& n : info->nodes) {
    EXPECT_EQ(cluster::process_state(n.pid), cluster::ProcessState::running) << n.rank;
    EXPECT_TRUE(faults_of(n).clean()) << n.rank;
  }
}

TEST(FaultCli, ProcessFaultsOnANodeWhoseProcessIsNotHereSaySo) {
  START_CLUSTER("fault-cli-remote", 5, "random");
  // As seen from another machine: rank 2 answers on its control channel, but the pid on
  // record belongs to an unrelated process here (this test), which must not be signalled.
  ClusterInfo remote = *info;
  remote.nodes[1].pid = ::getpid();
  const fs::path file = dir.path() / "remote.json";
  ASSERT_TRUE(remote.save(file, error)) << error;
  for (const char* action : {"stop", "kill"}) {
    const auto r = lab({"fault", action, "2", "--cluster", file.string()});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("need the node's process on this machine"), std::string::npos)
        << r.output;
  }
  auto r = lab({"fault", "restart", "2", "--cluster", file.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("its process is not on this machine"), std::string::npos) << r.output;
  EXPECT_EQ(cluster::process_state(info->nodes[1].pid), cluster::ProcessState::running);
  // Network faults need only the control channel.
  r = lab({"attach", file.string(), "fault", "delay", "2", "--ms", "50"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(faults_of(info->nodes[1]).delay_ms, 50);
  r = lab({"attach", file.string(), "status"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string line = status_line(r.output, 2);
  EXPECT_NE(line.find(" no "), std::string::npos) << r.output;  // here: no
  EXPECT_NE(line.find("delay 50ms"), std::string::npos) << r.output;
}

TEST(FaultCli, AttachOrFaultOnAMissingClusterFileSaysSo) {
  TempDir dir("fault-cli-missing");
  const std::string missing = (dir.path() / "nope" / "cluster.json").string();
  auto r = lab({"attach", missing, "status"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(missing + " does not exist"), std::string::npos) << r.output;
  r = lab({"fault", "heal", "--dir", (dir.path() / "nope").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("does not exist"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace rt::itest
