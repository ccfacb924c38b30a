// raintree-lab's command-line contract with real processes: cluster up/status/down and run.
#include <signal.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"

namespace rt::itest {
namespace {

using nlohmann::json;

// Runs check_contract.py on a file; skipped (true) when the script is not there.
bool contract_ok(const std::string& kind, const fs::path& file, std::string& output) {
  if (!fs::exists(check_contract_script())) {
    output = "check_contract.py not found; assertion skipped";
    return true;
  }
  const auto r =
      run_command("/usr/bin/python3", {check_contract_script().string(), kind, file.string()});
  output = r.output;
  return r.exit_code == 0;
}

TEST(LabCli, ClusterUpStatusDownLeavesNothingBehindEvenWithStoppedAndKilledNodes) {
  TempDir dir("cli-cluster");
  const std::string d = dir.path().string();
  const auto up = lab({"cluster", "up", "--nodes", "6", "--mode", "random", "--dir", d});
  ClusterGuard guard;  // in case the lab left something behind
  std::string error;
  auto info = cluster::ClusterInfo::load(dir.path() / "cluster.json", error);
  if (info) guard.reset(*info);
  ASSERT_EQ(up.exit_code, 0) << up.output;
  ASSERT_TRUE(info) << error;
  ASSERT_EQ(info->nodes.size(), 6u);
  std::string check;
  EXPECT_TRUE(contract_ok("cluster", dir.path() / "cluster.json", check)) << check;
  // The nodes outlive `cluster up` and live in their own sessions.
  for (const auto& n : info->nodes) {
    EXPECT_TRUE(cluster::process_alive(n.pid)) << "rank " << n.rank;
    EXPECT_EQ(::getsid(n.pid), n.pid);
  }

  ASSERT_EQ(::kill(info->nodes[1].pid, SIGSTOP), 0);
  ASSERT_EQ(::kill(info->nodes[4].pid, SIGKILL), 0);
  ASSERT_TRUE(eventually(
      [&] {
        return cluster::process_state(info->nodes[1].pid) == cluster::ProcessState::stopped &&
               !cluster::process_alive(info->nodes[4].pid);
      },
      milliseconds(5000)));
  const auto status = lab({"cluster", "status", "--dir", d});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("stopped"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("dead"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("4 of 6 nodes answering"), std::string::npos) << status.output;

  const auto down = lab({"cluster", "down", "--dir", d});
  EXPECT_EQ(down.exit_code, 0) << down.output;
  for (const auto& n : info->nodes) {
    EXPECT_FALSE(cluster::process_alive(n.pid)) << "rank " << n.rank;
    for (const auto* e : {&n.listen, &n.control, &n.metrics}) {
      EXPECT_FALSE(cluster::port_listening(port_of(*e))) << *e;
    }
  }
  EXPECT_TRUE(processes_mentioning(d).empty());
}

TEST(LabCli, RunSixteenRandomNodesGivesFullCoverageAndAValidReport) {
  TempDir dir("cli-run");
  const fs::path report = dir.path() / "r.json";
  const auto r = lab({"run", "--nodes", "16", "--mode", "random", "--broadcasts", "10", "--json",
                      report.string(), "--csv", (dir.path() / "csv").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json doc = json::parse(std::ifstream(report));
  EXPECT_EQ(doc["mode"], "random");
  EXPECT_DOUBLE_EQ(doc["totals"]["coverage"].get<double>(), 1.0);
  ASSERT_EQ(doc["nodes"].size(), 16u);
  for (const json& n : doc["nodes"]) {
    EXPECT_TRUE(n["alive"].get<bool>());
    EXPECT_EQ(n["delivered"], 10) << n.dump();
    EXPECT_GT(n["bytes_in"].get<std::uint64_t>(), 0u);
  }
  EXPECT_GT(doc["totals"]["reads"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(doc["totals"]["reads"], doc["totals"]["writes"]);
  EXPECT_TRUE(fs::exists(dir.path() / "csv" / "nodes.csv"));
  std::string check;
  EXPECT_TRUE(contract_ok("report", report, check)) << check;

  // Every node it started is gone, and so is its temporary directory.
  const auto at = r.output.find("(/");
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string run_dir = r.output.substr(at + 1, r.output.find(')', at) - at - 1);
  EXPECT_FALSE(fs::exists(run_dir)) << run_dir;
  EXPECT_TRUE(processes_mentioning(run_dir).empty());
}

TEST(LabCli, RunWithKilledAndStoppedNodesCountsOnlyTheAlive) {
  TempDir dir("cli-faults");
  const fs::path report = dir.path() / "r.json";
  // Fanout 7: a full mesh, so the five survivors stay connected whatever the random ids (with
  // k = 3, three down nodes could strand one and the run waited for it until killed: flaky).
  const auto r = lab({"run", "--nodes", "8", "--mode", "random", "--fanout", "7", "--broadcasts",
                      "2", "--kill", "3", "--stop", "5,6", "--json", report.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json doc = json::parse(std::ifstream(report));
  EXPECT_DOUBLE_EQ(doc["totals"]["coverage"].get<double>(), 1.0);
  for (const json& n : doc["nodes"]) {
    const int rank = n["rank"];
    const bool faulted = rank == 3 || rank == 5 || rank == 6;
    EXPECT_EQ(n["alive"].get<bool>(), !faulted) << n.dump();
    EXPECT_EQ(n["delivered"], faulted ? 0 : 2) << n.dump();
  }
  const auto at = r.output.find("(/");
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string run_dir = r.output.substr(at + 1, r.output.find(')', at) - at - 1);
  EXPECT_TRUE(processes_mentioning(run_dir).empty());
}

TEST(LabCli, RunWithNetworkFaultsReportsPartitionedNodesAsMissedWithoutWaitingForThem) {
  TempDir dir("cli-net-faults");
  const fs::path report = dir.path() / "r.json";
  // Fanout 7 makes the overlay a full mesh: with the default k = 3 of random ids, the muted
  // rank and the partition sometimes left a survivor reachable only through them (flaky).
  const auto r = lab({"run", "--nodes", "8", "--mode", "random", "--fanout", "7", "--broadcasts",
                      "2", "--mute", "3", "--delay", "5@2", "--partition", "6,7,8", "--timeout-ms",
                      "20000", "--json", report.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("muted rank 3"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("timed out"), std::string::npos)
      << "nodes cut off from the origin are not waited for: " << r.output;
  const json doc = json::parse(std::ifstream(report));
  for (const json& b : doc["broadcasts"]) {
    std::vector<int> missed;
    for (const json& m : b["missed"]) {
      missed.push_back(m["rank"]);
      EXPECT_EQ(m["reason"], "partitioned") << m.dump();
    }
    EXPECT_EQ(missed, (std::vector<int>{6, 7, 8})) << b.dump();
  }
  for (const json& n : doc["nodes"]) {
    const int rank = n["rank"];
    EXPECT_TRUE(n["alive"].get<bool>()) << n.dump();
    EXPECT_EQ(n["delivered"], rank >= 6 ? 0 : 2) << n.dump();
  }
}

TEST(LabCli, BadArgumentsExitTwoWithAClearError) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"run", "--nodes", "4", "--mode", "random", "--kill", "5"}, "rank 5 is outside 1..4"},
      {{"run", "--nodes", "4", "--mode", "random", "--stop", "2,x"}, "\"x\" is not a rank"},
      {{"run", "--nodes", "4", "--mode", "gossipy"}, "--mode"},
      {{"run", "--nodes", "4", "--mode", "random", "--origin", "9"}, "--origin 9"},
      {{"run", "--nodes", "4", "--mode", "random", "--kill", "1"}, "origin rank 1 cannot be"},
      {{"run", "--nodes", "4", "--mode", "random", "--kill", "2", "--stop", "2"}, "both killed"},
      {{"run", "--nodes", "4", "--mode", "random", "--loss", "120"}, "--loss: \"120\""},
      {{"run", "--nodes", "4", "--mode", "random", "--delay", "5@9"}, "--delay: "},
      {{"run", "--nodes", "4", "--mode", "random", "--partition", "1,2/2,3"}, "--partition: "},
      {{"run", "--nodes", "4", "--mode", "random", "--mute", "1"}, "cannot be muted"},
      {{"cluster", "up", "--nodes", "0", "--dir", "/tmp/x"}, "--nodes"},
  };
  for (const auto& [args, expected] : cases) {
    const auto r = lab(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
  }
  const auto missing = lab({"cluster", "status", "--dir", "/nonexistent-rt-dir"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("cannot read"), std::string::npos) << missing.output;
}

TEST(LabCli, InterruptedRunStopsItsNodes) {
  TempDir dir("cli-int");
  std::string error;
  const fs::path log = dir.path() / "out.txt";
  const int pid = cluster::spawn_process(
      {bin("raintree-lab"),
       {"run", "--nodes", "4", "--mode", "random", "--broadcasts", "4096", "--quiet-ms", "1000"},
       log,
       false},
      error);
  ASSERT_GT(pid, 0) << error;
  // Interrupt once it is broadcasting (the nodes are all up by then).
  ASSERT_TRUE(eventually(
      [&] {
        std::ifstream in(log);
        std::stringstream t;
        t << in.rdbuf();
        return t.str().find("broadcast 1/") != std::string::npos;
      },
      milliseconds(30000)));
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  const std::string out = text.str();
  const auto at = out.find("(/");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string run_dir = out.substr(at + 1, out.find(')', at) - at - 1);
  EXPECT_EQ(processes_mentioning(run_dir).size(), 4u);
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  std::optional<int> status;
  ASSERT_TRUE(eventually([&] { return (status = cluster::reap_child(pid)).has_value(); },
                         milliseconds(20000)));
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 130);
  EXPECT_TRUE(processes_mentioning(run_dir).empty());
  EXPECT_FALSE(fs::exists(run_dir));
}

}  // namespace
}  // namespace rt::itest
