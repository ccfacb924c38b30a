// The soak (`raintree-lab soak`, docs/soak.md): many real nodes for a long time under a steady
// stream of broadcasts and random faults, then a verdict: no broadcast lost, no process leaked
// memory or file descriptors, none crashed. Three parts that are tested on their own:
//   make_soak_schedule()  a seeded random fault schedule as an ordinary Scenario, in which every
//                         fault is undone after a bounded time and a bounded number of nodes is
//                         under a fault at once;
//   UsageSampler          the nodes' resident memory and open descriptors, read from /proc;
//   check_deliveries(), check_processes()
//                         the verdict, from the scenario's event report (docs/reports.md) and
//                         the samples.
// run_soak() plays the schedule through run_scenario() and ties the three together.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/cluster_info.hpp"
#include "cluster/scenario.hpp"
#include "cluster/scenario_runner.hpp"
#include "util/ids.hpp"

namespace rt::cluster {

struct SoakPlan {
  int nodes = 81;
  std::string mode = "raintree";
  std::uint64_t seed = 1;
  Micros duration_us = 60'000'000;    // broadcasts and faults; the settle time comes after
  double rate = 5;                    // broadcasts per second, from rotating origins
  std::size_t size = 1024;            // bytes per broadcast
  Micros warmup_us = 5'000'000;       // broadcasts only; the "before" samples are taken at its end
  Micros fault_every_us = 3'000'000;  // a new fault starts this often, when one fits
  Micros hold_min_us = 1'000'000;     // a fault is undone after a time drawn between these
  Micros hold_max_us = 6'000'000;
  int max_faulted = 0;  // nodes under a fault at once; 0: a tenth of the nodes, at least 1
  double max_loss_percent = 20;
  int max_delay_ms = 300;
  Micros settle_us = 5'000'000;  // after the last step, with every fault undone
};

// The kinds of fault a soak draws from, each with its undo.
//   kill -> restart      stop -> continue      mute -> unmute
//   loss, delay (1-4 nodes) and link-loss, link-delay (two nodes) -> the same at 0
//   partition (a group of 1-4 nodes from the rest) -> heal
// A partition never overlaps a kill or a stop: partition and heal skip nodes that are down, so
// a node down across either would keep the wrong side (FaultController, faults.hpp).
inline constexpr const char* kSoakFaultKinds[] = {"kill",  "stop",      "mute",       "loss",
                                                  "delay", "link-loss", "link-delay", "partition"};

struct SoakFault {
  std::string kind;        // one of kSoakFaultKinds
  std::vector<int> ranks;  // the nodes under it: targets, a link's two ends, a partition group
  Micros start_us = 0, end_us = 0;
};

struct SoakSchedule {
  Scenario scenario;              // the broadcasts, every fault and its undo, in time order
  std::vector<SoakFault> faults;  // in start order
  int max_faulted = 0;            // the bound in force (the plan's, or its default)
  int faults_active(Micros at_us) const;
};

// Checks the plan (nullopt and a one-line reason naming the option) and draws the schedule. The
// same plan always gives the same schedule, on every standard library.
std::optional<SoakSchedule> make_soak_schedule(const SoakPlan& plan, std::string& error);

struct ProcessUsage {
  std::uint64_t rss_bytes = 0;  // VmRSS
  int fds = 0;                  // entries of /proc/PID/fd
};
// nullopt when the process is gone or a zombie, or /proc cannot be read.
std::optional<ProcessUsage> read_process_usage(int pid);

// Every node's process over the run: per rank the reading at the end of the warm-up ("before"),
// the final one ("after"), and the first reading of each process (a restarted one starts anew).
class UsageSampler {
 public:
  enum class When { during, before, after };
  struct Reading {
    int pid = 0;
    std::optional<ProcessUsage> usage;  // nullopt: the process was gone
  };
  struct RankUsage {
    std::optional<Reading> before, after, latest;
    std::map<int, ProcessUsage> first;  // by pid
  };

  // Reads every node's process from /proc.
  void sample(const ClusterInfo& cluster, When when);
  void record(int rank, const Reading& reading, When when);

  const std::map<int, RankUsage>& ranks() const { return ranks_; }
  // The median over the ranks' latest readings (zeros before any).
  ProcessUsage median_latest() const;

 private:
  std::map<int, RankUsage> ranks_;
};

struct SoakLimits {
  std::uint64_t rss_growth_bytes = 16ull << 20;  // per process, "after" minus "before"
  int fd_slack = 4;                              // per rank, "after" minus "before"
  // A muted node sends nothing (no ACK, no IGYM answer, no catch-up request), and injected frame
  // loss is repaired by bounded retries only: either can cost a node a broadcast for good. Such
  // misses are counted apart and fail the soak only when strict.
  bool strict = false;
};

// (a) From the event report: every node that was alive and reachable when a broadcast was sent
// delivered it. A miss whose reason is `killed`, `stopped` or `partitioned` is allowed and
// counted (`missed_while_unreachable`); so is one by a node muted (`missed_while_muted`) or
// touched by injected loss on itself or one of its links (`missed_under_loss`) from the
// broadcast to 2 s after it, unless `limits.strict`. Any other miss is a loss. Events missing
// from the recording fail the check, which cannot tell a miss from an unseen delivery then.
// Appends one line per problem to `failures`.
nlohmann::json check_deliveries(const nlohmann::json& report, const SoakLimits& limits,
                                std::vector<std::string>& failures);

// (b) resident memory growth per process within the bound, a restarted process compared with
// its own first reading; (c) descriptors per rank within the slack; (d) every rank's process
// running at the end. Appends one line per problem to `failures`.
nlohmann::json check_processes(const UsageSampler& usage, const SoakLimits& limits,
                               std::vector<std::string>& failures);

struct SoakProgress {
  ScenarioProgress scenario;
  int faults_started = 0, faults_active = 0;
  ProcessUsage median;  // latest readings
};

struct SoakOptions {
  SoakPlan plan;
  SoakLimits limits;
  std::filesystem::path dir;          // cluster files and logs; empty: a temporary directory
  std::filesystem::path record_file;  // keep the recording here; empty: not kept
  std::filesystem::path node_binary;  // empty: raintree-node next to the running executable
  std::function<void(const SoakProgress&)> progress;
  std::function<void(const std::string&)> log;
  std::function<bool()> cancelled;
};

struct SoakResult {
  nlohmann::json summary;             // the figures and the verdict (docs/soak.md)
  nlohmann::json report;              // the scenario's event report (docs/reports.md)
  std::vector<std::string> failures;  // empty: passed
};

// Raises the open-file limit to what the lab and the nodes need (they inherit it); false with
// a reason when the hard limit is too low.
bool ensure_fd_limit(int nodes, std::string& error);

// nullopt with a reason when the soak could not run; a result (passed or not) otherwise.
std::optional<SoakResult> run_soak(const SoakOptions& options, std::string& error);

}  // namespace rt::cluster
