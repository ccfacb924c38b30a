// The soak in the suite (docs/soak.md): the real `raintree-lab soak` with 81 nodes for 60 s
// under broadcasts and random faults. Nothing may be lost, leak or crash, and nothing may be
// left running afterwards.
#include <nlohmann/json.hpp>

#include "integration/helpers.hpp"

namespace rt::itest {
namespace {

using nlohmann::json;

TEST(Soak, EightyOneNodesForAMinuteUnderFaultsLoseNothingAndLeakNothing) {
  TempDir dir("soak");
  const fs::path summary = dir.path() / "soak.json";
  const std::string cluster_dir = (dir.path() / "cluster").string();
  const auto r = run_command(bin("raintree-lab"),
                             {"soak", "--nodes", "81", "--duration", "60s", "--seed", "1", "--json",
                              summary.string(), "--dir", cluster_dir},
                             milliseconds(300000));
  EXPECT_TRUE(processes_mentioning(cluster_dir).empty()) << "nodes left running";
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json s = json::parse(std::ifstream(summary));
  EXPECT_TRUE(s["passed"].get<bool>()) << s["failures"].dump();
  EXPECT_EQ(s["broadcasts"]["sent"], 300);
  const json& d = s["deliveries"];
  EXPECT_EQ(d["lost"], 0);
  EXPECT_EQ(d["expected"], 81 * 300);
  EXPECT_EQ(d["events_lost"], 0);
  EXPECT_EQ(d["events_missing"], 0);
  const json& f = s["faults"];
  EXPECT_GE(f["applied"].get<int>(), 15);
  EXPECT_EQ(f["failed_steps"], 0);
  EXPECT_LE(f["most_nodes_at_once"].get<int>(), 8);
  const json& p = s["processes"];
  EXPECT_TRUE(p["crashed"].empty());
  EXPECT_GE(p["processes_seen"].get<int>(), 81);
  EXPECT_LE(p["fds"]["max_growth"].get<int>(), 4);
  EXPECT_LE(p["rss_mib"]["max_growth"].get<double>(), 16.0);
}

}  // namespace
}  // namespace rt::itest
