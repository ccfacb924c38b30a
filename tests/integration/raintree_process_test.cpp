// Modes `raintree` and `pocket` with real raintree-node processes on 127.0.0.1, driven by
// run_cluster (issue 3 item 7): raintree with killed and stopped nodes, and pocket's per-node
// reads/writes derived by hand (the same numbers as tests/unit/sim/pocket_sim_test.cpp).
#include <iostream>
#include <set>

#include "cluster/run.hpp"
#include "helpers.hpp"

namespace rt::itest {
namespace {

using telemetry::Report;

// Runs a cluster through run_cluster in `dir`; every progress line is kept for failure output.
struct RunResult {
  std::optional<Report> report;
  std::string error;
  std::string log;
};

RunResult run_nodes(cluster::RunOptions o, const fs::path& dir) {
  RunResult r;
  o.dir = dir;
  o.node_binary = bin("raintree-node");
  o.progress = [&r](const std::string& line) { r.log += line + "\n"; };
  r.report = cluster::run_cluster(o, r.error);
  return r;
}

// run_cluster stops every node it started, stopped ones included.
void expect_nothing_left(const fs::path& dir) {
  EXPECT_TRUE(
      eventually([&] { return processes_mentioning(dir.string()).empty(); }, milliseconds(5000)))
      << processes_mentioning(dir.string()).size() << " processes left in " << dir;
}

void print_totals(const std::string& name, const Report& report) {
  const auto& t = report.totals;
  std::cout << "[measured] " << name << ": coverage " << t.coverage << ", copies/node "
            << t.payload_copies_per_node << ", mean/max hops " << t.mean_hops << "/" << t.max_hops
            << ", last_delivery_ms " << t.last_delivery_ms << ", reads " << t.reads << ", writes "
            << t.writes << "\n";
}

TEST(RaintreeProcess, TwentySevenNodesThreeBroadcastsOneCopyEach) {
  TempDir dir("rt27");
  cluster::RunOptions o;
  o.nodes = 27;
  o.mode = "raintree";
  o.broadcasts = 3;
  const RunResult r = run_nodes(o, dir.path());
  ASSERT_TRUE(r.report) << r.error << "\n" << r.log;
  const Report& report = *r.report;
  print_totals("raintree N=27, 3 broadcasts, no faults", report);

  ASSERT_EQ(report.nodes.size(), 27u);
  ASSERT_EQ(report.broadcasts.size(), 3u);
  EXPECT_EQ(report.totals.broadcasts, 3);
  EXPECT_DOUBLE_EQ(report.totals.coverage, 1.0) << r.log;
  for (const auto& n : report.nodes) {
    EXPECT_TRUE(n.alive) << "rank " << n.rank;
    EXPECT_EQ(n.delivered, 3u) << "rank " << n.rank;
  }
  for (const auto& b : report.broadcasts) {
    EXPECT_EQ(b.members, 27);
    EXPECT_EQ(b.delivered, 27);
    EXPECT_TRUE(b.missed_ranks.empty());
  }
  // The slices are an exact partition: one payload copy per node (a little slack for a copy
  // the cleanup chain may send on a slow machine).
  EXPECT_GE(report.totals.payload_copies_per_node, 1.0);
  EXPECT_LE(report.totals.payload_copies_per_node, 1.1);
  // 27 = 3^3: every path is at most L = 3 hops.
  EXPECT_LE(report.totals.max_hops, 3);
  EXPECT_GE(report.totals.max_hops, 1);
  expect_nothing_left(dir.path());
}

TEST(RaintreeProcess, TwentySevenNodesWithKilledAndStoppedNodesReachEveryAliveNode) {
  TempDir dir("rt27faults");
  const std::set<int> killed = {3, 9, 20};
  const std::set<int> stopped = {5, 14};
  cluster::RunOptions o;
  o.nodes = 27;
  o.mode = "raintree";
  o.broadcasts = 2;
  o.kill.assign(killed.begin(), killed.end());
  o.stop.assign(stopped.begin(), stopped.end());
  const RunResult r = run_nodes(o, dir.path());
  ASSERT_TRUE(r.report) << r.error << "\n" << r.log;
  const Report& report = *r.report;
  print_totals("raintree N=27, kill 3,9,20, stop 5,14, 2 broadcasts", report);

  ASSERT_EQ(report.nodes.size(), 27u);
  EXPECT_DOUBLE_EQ(report.totals.coverage, 1.0) << r.log;
  for (const auto& n : report.nodes) {
    const bool faulted = killed.count(n.rank) || stopped.count(n.rank);
    EXPECT_EQ(n.alive, !faulted) << "rank " << n.rank;
    if (!faulted) EXPECT_EQ(n.delivered, 2u) << "rank " << n.rank;
  }
  for (const auto& b : report.broadcasts) {
    EXPECT_EQ(b.members, 22);  // alive members only
    EXPECT_EQ(b.delivered, 22);
    EXPECT_DOUBLE_EQ(b.coverage, 1.0);
    EXPECT_TRUE(b.missed_ranks.empty());
  }
  expect_nothing_left(dir.path());
}

// N = 8, L = 2, origin rank 1 (derivation in pocket_sim_test.cpp): rank 1 -> ranks 3, 6
// (level 2), ranks 2, 4 (level 1); rank 3 -> ranks 4, 6; rank 6 -> ranks 7, 1. Ranks 5 and 8
// are never sent a copy.
TEST(RaintreeProcess, PocketEightNodesMatchesTheHandDerivationAndMissesFiveAndEight) {
  TempDir dir("pocket8");
  cluster::RunOptions o;
  o.nodes = 8;
  o.mode = "pocket";
  o.origin_rank = 1;
  // Two nodes never deliver, so the broadcast ends at this deadline rather than when every
  // node has delivered; the 12 payload frames land within milliseconds.
  o.timeout = milliseconds(3000);
  const RunResult r = run_nodes(o, dir.path());
  ASSERT_TRUE(r.report) << r.error << "\n" << r.log;
  const Report& report = *r.report;
  print_totals("pocket N=8", report);

  const std::vector<std::uint64_t> reads = {1, 1, 1, 2, 0, 2, 1, 0};
  const std::vector<std::uint64_t> writes = {4, 0, 2, 0, 0, 2, 0, 0};
  const std::vector<std::uint64_t> duplicates = {1, 0, 0, 1, 0, 1, 0, 0};
  ASSERT_EQ(report.nodes.size(), 8u);
  for (int i = 0; i < 8; ++i) {
    const auto& n = report.nodes[i];
    EXPECT_EQ(n.rank, i + 1);
    EXPECT_EQ(n.reads, reads[i]) << "rank " << i + 1;
    EXPECT_EQ(n.writes, writes[i]) << "rank " << i + 1;
    EXPECT_EQ(n.duplicates, duplicates[i]) << "rank " << i + 1;
    const bool missed = i + 1 == 5 || i + 1 == 8;
    EXPECT_EQ(n.delivered, missed ? 0u : 1u) << "rank " << i + 1;
  }
  ASSERT_EQ(report.broadcasts.size(), 1u);
  EXPECT_EQ(report.broadcasts[0].missed_ranks, (std::vector<int>{5, 8}));
  EXPECT_DOUBLE_EQ(report.broadcasts[0].coverage, 6.0 / 8.0);
  EXPECT_EQ(report.totals.reads, 8u);
  EXPECT_EQ(report.totals.writes, 8u);
  expect_nothing_left(dir.path());
}

// N = 9 = 3^2: rank 1 -> ranks 4, 7 (level 2), ranks 3, 5 (level 1); rank 4 -> ranks 6, 8;
// rank 7 -> ranks 9, 2. Exactly one copy each.
TEST(RaintreeProcess, PocketNineNodesOneCopyEach) {
  TempDir dir("pocket9");
  cluster::RunOptions o;
  o.nodes = 9;
  o.mode = "pocket";
  o.origin_rank = 1;
  const RunResult r = run_nodes(o, dir.path());
  ASSERT_TRUE(r.report) << r.error << "\n" << r.log;
  const Report& report = *r.report;
  print_totals("pocket N=9", report);

  const std::vector<std::uint64_t> writes = {4, 0, 0, 2, 0, 0, 2, 0, 0};
  ASSERT_EQ(report.nodes.size(), 9u);
  for (int i = 0; i < 9; ++i) {
    const auto& n = report.nodes[i];
    EXPECT_EQ(n.reads, i == 0 ? 0u : 1u) << "rank " << i + 1;
    EXPECT_EQ(n.writes, writes[i]) << "rank " << i + 1;
    EXPECT_EQ(n.duplicates, 0u) << "rank " << i + 1;
    EXPECT_EQ(n.delivered, 1u) << "rank " << i + 1;
  }
  EXPECT_DOUBLE_EQ(report.totals.coverage, 1.0);
  EXPECT_DOUBLE_EQ(report.totals.payload_copies_per_node, 1.0);
  EXPECT_EQ(report.totals.reads, 8u);
  EXPECT_EQ(report.totals.max_hops, 2);
  expect_nothing_left(dir.path());
}

}  // namespace
}  // namespace rt::itest
