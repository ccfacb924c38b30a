#include "cluster/run_report.hpp"

#include <gtest/gtest.h>

namespace rt::cluster {
namespace {

using nlohmann::json;

NodeId id_of(int rank) {
  NodeId::Bytes b{};
  b[0] = static_cast<std::uint8_t>(rank);
  return NodeId(b);
}

json message(const std::string& id, int reads, int writes, int dups, std::optional<Micros> at,
             int hops) {
  json m = {{"id", id},
            {"origin", id_of(1).hex()},
            {"group", "all"},
            {"origin_time_us", 1'000'000},
            {"reads", reads},
            {"writes", writes},
            {"duplicates", dups},
            {"payload_bytes_in", reads * 1100},
            {"payload_bytes_out", writes * 1100},
            {"control_bytes_in", 0},
            {"control_bytes_out", 40 * writes},
            {"hops", hops}};
  m["delivered_us"] = at ? json(*at) : json(nullptr);
  return m;
}

// Four nodes, two broadcasts from rank 1; rank 4 was killed before broadcasting.
std::vector<NodeRunData> four_nodes() {
  const std::string a = "00000000000000aa", b = "00000000000000bb";
  std::vector<NodeRunData> nodes(4);
  for (int r = 1; r <= 4; ++r) {
    nodes[r - 1].rank = r;
    nodes[r - 1].id = id_of(r);
  }
  nodes[0].messages =
      json::array({message(a, 0, 2, 0, 1'000'000, 0), message(b, 0, 2, 0, 2'000'000, 0)});
  nodes[1].messages =
      json::array({message(a, 1, 1, 0, 1'002'000, 1), message(b, 1, 1, 0, 2'001'000, 1)});
  nodes[2].messages =
      json::array({message(a, 2, 0, 1, 1'003'500, 2), message(b, 1, 0, 0, std::nullopt, 0)});
  nodes[3].alive = false;
  nodes[3].down_reason = "killed";
  for (int r = 0; r < 3; ++r) {
    nodes[r].counters_before = {{"bytes_in", 100}, {"bytes_out", 200}};
    nodes[r].counters_after = {{"bytes_in", 1100 + r}, {"bytes_out", 2200}};
  }
  return nodes;
}

std::vector<BroadcastRecord> two_broadcasts() {
  return {{MessageId{0xaa}, 1, "all", 1'000'000}, {MessageId{0xbb}, 1, "all", 2'000'000}};
}

TEST(RunReport, BuildsRowsAndTotalsFromNodeMeasurements) {
  const auto report = build_run_report("random", two_broadcasts(), four_nodes());
  EXPECT_EQ(report.mode, "random");
  ASSERT_EQ(report.nodes.size(), 4u);
  EXPECT_EQ(report.nodes[0].writes, 4u);
  EXPECT_EQ(report.nodes[0].delivered, 2u);
  EXPECT_EQ(report.nodes[1].reads, 2u);
  EXPECT_EQ(report.nodes[2].reads, 3u);
  EXPECT_EQ(report.nodes[2].duplicates, 1u);
  EXPECT_EQ(report.nodes[2].delivered, 1u);
  EXPECT_FALSE(report.nodes[3].alive);
  EXPECT_EQ(report.nodes[3].delivered, 0u);
  EXPECT_EQ(report.nodes[2].bytes_in, 1002u);
  EXPECT_EQ(report.nodes[2].bytes_out, 2000u);
  EXPECT_EQ(report.nodes[3].bytes_in, 0u);

  ASSERT_EQ(report.broadcasts.size(), 2u);
  const auto& first = report.broadcasts[0];
  EXPECT_EQ(first.members, 3);  // the killed node is not counted
  EXPECT_EQ(first.delivered, 3);
  EXPECT_DOUBLE_EQ(first.last_delivery_ms, 3.5);
  EXPECT_EQ(first.max_hops, 2);
  EXPECT_DOUBLE_EQ(first.copies_per_node, 3.0 / 2.0);
  const auto& second = report.broadcasts[1];
  EXPECT_EQ(second.delivered, 2);
  ASSERT_EQ(second.missed_ranks, std::vector<int>{3});
  EXPECT_EQ(second.missed_reasons[0], "received, not delivered");

  EXPECT_DOUBLE_EQ(report.totals.coverage, 5.0 / 6.0);
  EXPECT_EQ(report.totals.reads, 5u);
  EXPECT_EQ(report.totals.writes, 6u);
  EXPECT_EQ(report.totals.payload_bytes, 6u * 1100);
  EXPECT_EQ(report.totals.control_bytes, 6u * 40);
  EXPECT_DOUBLE_EQ(report.totals.last_delivery_ms, 3.5);
}

TEST(RunReport, OriginatorCountsAsDeliveredAndMissingNodesGetAReason) {
  auto nodes = four_nodes();
  nodes[0].messages = json::array();  // the origin kept no record
  nodes[2].messages = nullptr;        // never collected
  const auto report = build_run_report("random", two_broadcasts(), nodes);
  EXPECT_EQ(report.nodes[0].delivered, 2u);
  const auto& b = report.broadcasts[0];
  ASSERT_EQ(b.missed_ranks, std::vector<int>{3});
  EXPECT_EQ(b.missed_reasons[0], "never received");
}

TEST(RunReport, GroupsSelectRanksByRole) {
  auto nodes = four_nodes();
  nodes[1].role = "servicer";
  EXPECT_EQ(group_ranks("all", nodes), std::vector<int>{});
  EXPECT_EQ(group_ranks("validators", nodes), (std::vector<int>{1, 3, 4}));
  EXPECT_EQ(group_ranks("servicer", nodes), std::vector<int>{2});
  EXPECT_EQ(group_ranks("servicer,all", nodes), std::vector<int>{});
  EXPECT_EQ(counter(json{{"x", -4}}, "x"), 0u);
  EXPECT_EQ(counter(json{{"x", 5}}, "x"), 5u);
  EXPECT_EQ(counter(json{{"x", "5"}}, "x"), 0u);
  EXPECT_EQ(counter(json(nullptr), "x"), 0u);
}

}  // namespace
}  // namespace rt::cluster
