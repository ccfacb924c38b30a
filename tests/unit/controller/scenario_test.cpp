#include <gtest/gtest.h>

#include <filesystem>

#include "cluster/scenario.hpp"

namespace rt::cluster {
namespace {

std::string parse_error(const std::string& yaml) {
  std::string error;
  EXPECT_FALSE(parse_scenario(yaml, error)) << "accepted:\n" << yaml;
  return error;
}

TEST(Scenario, ParsesAFullTimelineInTimeOrder) {
  std::string error;
  const auto s = parse_scenario(R"(
name: demo
nodes: 27
mode: raintree
roles: [validator, servicer]
seed: 9
settle: 1500ms
timeline:
  - at: 2s
    kill: [3, 7]
  - at: 0s
    broadcast: {count: 4, every: 250ms, size: 2048, origin: rotate, group: validators}
  - at: 3s
    partition: [[1, 2], [5]]
  - at: 3.5s
    loss: {link: [4, 9], percent: 12.5}
  - at: 3.5s
    delay: {ranks: [8], ms: 40}
  - at: 5s
    heal: all
  - at: 6s
    restart: 3
)",
                                error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->name, "demo");
  EXPECT_EQ(s->nodes, 27);
  EXPECT_EQ(s->role_of(1), "validator");
  EXPECT_EQ(s->role_of(4), "servicer");
  EXPECT_EQ(s->settle_us, 1'500'000);
  ASSERT_EQ(s->timeline.size(), 7u);
  const auto& first = std::get<BroadcastPlan>(s->timeline[0].action);
  EXPECT_EQ(first.count, 4);
  EXPECT_EQ(first.every_us, 250'000);
  EXPECT_EQ(first.origin, 0);
  EXPECT_EQ(first.group, "validators");
  EXPECT_EQ(s->timeline[0].line, 11);  // "- at: 0s" (line 1 is the empty first line)
  const auto& kill = std::get<FaultStep>(s->timeline[1].action);
  EXPECT_EQ(kill.kind, FaultKind::kill);
  EXPECT_EQ(kill.ranks, (std::vector<int>{3, 7}));
  const auto& partition = std::get<FaultStep>(s->timeline[2].action);
  EXPECT_EQ(partition.groups.size(), 2u);
  const auto& loss = std::get<FaultStep>(s->timeline[3].action);
  ASSERT_TRUE(loss.link);
  EXPECT_EQ(loss.link->second, 9);
  EXPECT_DOUBLE_EQ(loss.percent, 12.5);
  EXPECT_EQ(std::get<FaultStep>(s->timeline[4].action).delay_ms, 40);
  EXPECT_EQ(std::get<FaultStep>(s->timeline[6].action).ranks, std::vector<int>{3});
  EXPECT_EQ(s->total_broadcasts(), 4);
  EXPECT_EQ(s->duration_us(), 6'000'000);
}

TEST(Scenario, ErrorsNameTheLineAndTheField) {
  EXPECT_EQ(parse_error("nodes: 5\ntimeline:\n  - at: 1s\n    kill: [9]\n"),
            "line 4: timeline[0].kill[0]: 9 is outside 1..5");
  EXPECT_EQ(parse_error("nodes: 5\nmode: flood\ntimeline:\n  - at: 1s\n    broadcast:\n"),
            "line 2: mode: 'flood' is not one of pocket, raintree, random, advert");
  EXPECT_EQ(parse_error("nodes: 5\ncolour: red\ntimeline:\n  - at: 0s\n    broadcast:\n"),
            "line 2: colour: unknown key");
  EXPECT_EQ(parse_error("nodes: 5\ntimeline:\n  - at: soon\n    broadcast:\n"),
            "line 3: timeline[0].at: expected a duration such as 500ms, 2s or 1.5s");
  EXPECT_EQ(parse_error("nodes: 5\ntimeline:\n  - at: 1s\n    explode: [1]\n"),
            "line 4: timeline[0].explode: unknown action");
  EXPECT_EQ(parse_error("nodes: 5\ntimeline:\n  - at: 1s\n    kill: [1]\n    stop: [2]\n"),
            "line 3: timeline[0]: expected exactly one action besides 'at'");
  EXPECT_EQ(parse_error("nodes: 5\ntimeline:\n  - at: 1s\n    partition: [[1, 2], [2]]\n"),
            "line 4: timeline[0].partition[1]: rank 2 is in two groups");
  EXPECT_EQ(parse_error("nodes: 5\ntimeline:\n  - at: 1s\n    loss: {ranks: [1]}\n"),
            "line 4: timeline[0].loss: needs percent");
  EXPECT_EQ(parse_error("timeline:\n  - at: 1s\n    kill: [1]\n"),
            "line 1: nodes: missing (how many node processes to start)");
  EXPECT_EQ(parse_error("nodes: 5\ntimeline: []\n"),
            "line 2: timeline: expected a non-empty list of steps");
  // Broken YAML reports the parser's position.
  EXPECT_EQ(parse_error("nodes: [5\n").rfind("line ", 0), 0u);
}

TEST(Scenario, AdvertSectionBecomesTheNodesPriorityFlagAndKindsReachTheBroadcasts) {
  std::string error;
  const auto s = parse_scenario(
      "nodes: 6\nmode: advert\nadvert:\n  byzantine: [2, 3]\n  priority:\n"
      "    later_ahead: 1s\n    drop_kinds: [3, 4]\n    fetch_now_kinds: []\n"
      "timeline:\n  - at: 0s\n    broadcast: {kind: 3}\n",
      error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->advert_priority, "later_ahead_ms=1000,drop_kinds=3/4,fetch_now_kinds=none");
  EXPECT_EQ(s->byzantine, (std::vector<int>{2, 3}));
  EXPECT_EQ(std::get<BroadcastPlan>(s->timeline[0].action).kind, 3);

  EXPECT_EQ(parse_error("nodes: 5\nadvert:\n  byzantine: [2]\ntimeline:\n  - at: 0s\n"
                        "    broadcast:\n"),
            "line 3: advert: applies only to mode advert");
  EXPECT_EQ(parse_error("nodes: 5\nmode: advert\nadvert:\n  priority: {drop_kinds: [300]}\n"
                        "timeline:\n  - at: 0s\n    broadcast:\n"),
            "line 4: advert.priority.drop_kinds[0]: 300 is outside 0..255");
  EXPECT_EQ(parse_error("nodes: 5\nmode: advert\nadvert:\n  priority: {soon: 1s}\n"
                        "timeline:\n  - at: 0s\n    broadcast:\n"),
            "line 4: advert.priority.soon: unknown key");
}

TEST(Scenario, DurationsTakeUnits) {
  EXPECT_EQ(parse_duration("250ms"), 250'000);
  EXPECT_EQ(parse_duration("2s"), 2'000'000);
  EXPECT_EQ(parse_duration("1.5s"), 1'500'000);
  EXPECT_EQ(parse_duration("800us"), 800);
  EXPECT_EQ(parse_duration("3"), 3'000'000);
  EXPECT_EQ(parse_duration("1m"), 60'000'000);
  EXPECT_FALSE(parse_duration("ms"));
  EXPECT_FALSE(parse_duration("fast"));
  EXPECT_FALSE(parse_duration(""));
  // Beyond what Micros holds: refused, not an unspecified llround() result.
  EXPECT_FALSE(parse_duration("1e300"));
  EXPECT_FALSE(parse_duration("-1e300s"));
}

// Found by fuzz_scenario (docs/fuzzing.md; corpus/scenario/regress-every-overflow.yaml): a long
// `every` overflowed a step's end, at + every * (count - 1), in duration_us() (signed overflow),
// and an advert window beyond a year gave the nodes a priority flag they refuse.
TEST(Scenario, DurationsLongerThanAYearAreRefused) {
  EXPECT_EQ(parse_error("nodes: 3\ntimeline:\n  - at: 0s\n"
                        "    broadcast: {count: 20, every: 1001099511627776ms}\n"),
            "line 4: timeline[0].broadcast.every: longer than a year");
  EXPECT_EQ(parse_error("nodes: 3\nmode: advert\nadvert: {priority: {finalized_lag: 99999999}}\n"
                        "timeline:\n  - at: 0s\n    kill: 1\n"),
            "line 3: advert.priority.finalized_lag: longer than a year");
  // A year is allowed, and the longest timeline it allows still fits.
  constexpr Micros kYear = 365LL * 24 * 3600 * 1'000'000;
  std::string error;
  const auto s = parse_scenario(
      "nodes: 3\ntimeline:\n  - at: 525600m\n    broadcast: {count: 100000, every: 525600m}\n",
      error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->duration_us(), kYear * 100'000);
}

TEST(Scenario, ShippedExamplesAllParse) {
  const std::filesystem::path dir = std::filesystem::path(RT_SOURCE_DIR) / "resources/scenarios";
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    std::string error;
    EXPECT_TRUE(load_scenario(entry.path(), error)) << error;
    ++parsed;
  }
  EXPECT_GE(parsed, 2);
}

TEST(Scenario, MissingFileSaysSo) {
  std::string error;
  EXPECT_FALSE(load_scenario("/nonexistent/x.yaml", error));
  EXPECT_EQ(error, "cannot read scenario file /nonexistent/x.yaml");
}

}  // namespace
}  // namespace rt::cluster
