// raintree-lab scenario and replay with real processes: a scenario with faults runs from one
// command, its report shows every returning node catching up, the recording replays to the
// same report, and broken files start nothing.
#include <set>

#include <nlohmann/json.hpp>

#include "helpers.hpp"

namespace rt::itest {
namespace {

using nlohmann::json;

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in, nullptr, false);
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream(file) << text;
}

// Ranks that delivered broadcast `b` through catch-up after being unreachable when it was sent.
std::set<int> caught_up_ranks(const json& b) {
  std::set<int> ranks;
  for (const json& c : b.value("caught_up", json::array())) ranks.insert(c.value("rank", 0));
  return ranks;
}

TEST(ScenarioCli, KilledAndRestartedNodeCatchesUpAndTheRecordingReplaysToTheSameReport) {
  TempDir dir("scenario-restart");
  ASSERT_FALSE(dir.path().empty());
  const fs::path file = dir.path() / "restart.yaml";
  write_text(file,
             "name: restart-9\n"
             "nodes: 9\n"
             "mode: raintree\n"
             "settle: 1500ms\n"
             "timeline:\n"
             "  - at: 0s\n"
             "    broadcast: {count: 10, every: 150ms, size: 512, origin: 1}\n"
             "  - at: 200ms\n"
             "    kill: [5]\n"
             "  - at: 900ms\n"
             "    restart: [5]\n");
  const fs::path live = dir.path() / "live.json";
  const fs::path replayed = dir.path() / "replayed.json";
  const fs::path recording = dir.path() / "run.rtrec";
  const fs::path csv = dir.path() / "csv";
  const auto r =
      lab({"scenario", file.string(), "--json", live.string(), "--record", recording.string(),
           "--csv", csv.string(), "--dir", (dir.path() / "cluster").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("kill 5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("restart 5"), std::string::npos) << r.output;

  const json report = read_json(live);
  ASSERT_TRUE(report.is_object()) << read_text(live);
  EXPECT_EQ(report.value("mode", ""), "raintree");
  ASSERT_EQ(report.at("broadcasts").size(), 10u);
  // Rank 5 is back at the end, so it is expected to have every broadcast.
  EXPECT_DOUBLE_EQ(report.at("totals").value("coverage", 0.0), 1.0) << report.dump(2);
  int caught_up_by_5 = 0;
  for (const json& b : report.at("broadcasts")) {
    EXPECT_TRUE(b.value("missed", json::array()).empty()) << b.dump();
    if (caught_up_ranks(b).count(5)) ++caught_up_by_5;
  }
  // Broadcasts go out every 150 ms and rank 5 is down from 0.2 s to 0.9 s.
  EXPECT_GE(caught_up_by_5, 2) << report.dump(2);
  for (const char* table : {"broadcasts.csv", "nodes.csv", "peers.csv", "types.csv"}) {
    EXPECT_GT(fs::file_size(csv / table), 20u) << table;
  }

  const auto replay = lab({"replay", recording.string(), "--json", replayed.string()});
  ASSERT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_EQ(read_text(replayed), read_text(live));
}

// `origin: rotate` skips a muted node, also while a partition is in force (when the fault
// controller calls every node partitioned).
TEST(ScenarioCli, RotatingOriginsSkipAMutedNodeDuringAPartition) {
  TempDir dir("scenario-rotate");
  const fs::path file = dir.path() / "rotate.yaml";
  write_text(file,
             "name: rotate-6\n"
             "nodes: 6\n"
             "mode: raintree\n"
             "settle: 1s\n"
             "timeline:\n"
             "  - at: 0s\n"
             "    mute: [2]\n"
             "  - at: 0s\n"
             "    partition: [[5]]\n"
             "  - at: 100ms\n"
             "    broadcast: {count: 12, every: 100ms, origin: rotate}\n"
             "  - at: 1500ms\n"
             "    heal: all\n"
             "  - at: 1500ms\n"
             "    unmute: [2]\n");
  const fs::path out = dir.path() / "report.json";
  const auto r = lab({"scenario", file.string(), "--json", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json report = read_json(out);
  ASSERT_EQ(report.at("broadcasts").size(), 12u) << r.output;
  std::set<int> origins;
  for (const json& b : report.at("broadcasts")) origins.insert(b.value("origin_rank", 0));
  EXPECT_FALSE(origins.count(2)) << "the muted rank originated a broadcast\n" << r.output;
  EXPECT_EQ(origins.size(), 5u) << r.output;
}

// The issue's demo: 27 nodes; kill 3, stop 2, partition 4 and heal, restart the killed ones,
// broadcasting throughout (resources/scenarios/recovery-27.yaml).
TEST(ScenarioCli, RecoveryDemoOfTwentySevenNodesReachesEveryNodeAndEveryReturnCatchesUp) {
  TempDir dir("scenario-recovery");
  const fs::path file = fs::path(RT_SOURCE_DIR) / "resources" / "scenarios" / "recovery-27.yaml";
  const fs::path out = dir.path() / "report.json";
  const auto r = lab({"scenario", file.string(), "--json", out.string()}, milliseconds(180000));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json report = read_json(out);
  ASSERT_TRUE(report.is_object());
  EXPECT_DOUBLE_EQ(report.at("totals").value("coverage", 0.0), 1.0) << r.output;
  std::set<int> returned;
  for (const json& b : report.at("broadcasts")) {
    EXPECT_TRUE(b.value("missed", json::array()).empty()) << b.dump();
    for (int rank : caught_up_ranks(b)) returned.insert(rank);
  }
  // Killed and restarted (3, 11, 19), stopped and continued (6, 14), partitioned (21..24).
  for (int rank : {3, 11, 19, 6, 14, 21, 22, 23, 24}) {
    EXPECT_TRUE(returned.count(rank)) << "rank " << rank << " never caught up\n" << r.output;
  }
}

TEST(ScenarioCli, BrokenFilesAreRefusedWithLineAndFieldAndStartNothing) {
  TempDir dir("scenario-bad");
  const fs::path cluster_dir = dir.path() / "cluster";
  struct Case {
    std::string text, expected;
  };
  const std::vector<Case> cases = {
      {"nodes: 5\ntimeline:\n  - at: 0s\n    kill: [9]\n", "line 4"},
      {"nodes: 5\nmode: flood\ntimeline: []\n", "mode"},
      {"nodes: 5\ntimeline:\n  - at: soon\n    kill: [1]\n", "at"},
      {"nodes: 5\ntimeline:\n  - at: 1s\n    explode: [1]\n", "explode"},
      {"nodes: [5\n", "line"},
  };
  for (const Case& c : cases) {
    const fs::path file = dir.path() / "bad.yaml";
    write_text(file, c.text);
    const auto r = lab({"scenario", file.string(), "--dir", cluster_dir.string()});
    EXPECT_EQ(r.exit_code, 2) << c.text << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << c.text << r.output;
    EXPECT_FALSE(fs::exists(cluster_dir / "cluster.json")) << c.text;
    EXPECT_TRUE(processes_mentioning(cluster_dir.string()).empty()) << c.text;
  }
  const auto missing = lab({"scenario", (dir.path() / "missing.yaml").string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("missing.yaml"), std::string::npos) << missing.output;
}

TEST(ScenarioCli, CheckPrintsThePlanOfAJsonScenarioWithoutStartingNodes) {
  TempDir dir("scenario-check");
  const fs::path file = dir.path() / "plan.json";
  write_text(file, R"({"name": "plan", "nodes": 4, "mode": "random", "timeline": [)"
                   R"({"at": "0s", "broadcast": {"count": 3, "every": "100ms"}},)"
                   R"({"at": "1s", "stop": [2]}]})");
  const auto r = lab({"scenario", file.string(), "--check"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("4 nodes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 broadcasts"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace rt::itest
