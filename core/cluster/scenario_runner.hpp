// `raintree-lab scenario`: start the scenario's cluster, play its timeline of broadcasts and
// faults against the real node processes, record every node's events into a recording while it
// runs, and build the report from that recorded stream (so `replay` of the file gives the same
// report). Every process it started is stopped and every fault undone on every path out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cluster/cluster_info.hpp"
#include "cluster/scenario.hpp"
#include "util/ids.hpp"

namespace rt::cluster {

// What a progress display shows; handed over a few times a second and after every step.
struct ScenarioProgress {
  std::string phase;        // "starting", "connecting", "running", "settling", "reporting"
  Micros elapsed_us = 0;    // scenario clock (0 at the first step)
  Micros duration_us = 0;   // last step + settle
  int broadcasts_sent = 0;  // accepted by their origin
  int broadcasts_total = 0;
  std::uint64_t deliveries = 0;  // deliver events seen so far, every node
  std::uint64_t events = 0;      // events recorded so far
  int faults_failed = 0;         // fault steps that did not fully apply (each one is logged)
  std::string last_step;         // "1.0 s kill 3,11,19: killed ranks 3, 11, 19"
};

struct ScenarioRunOptions {
  Scenario scenario;
  std::filesystem::path dir;          // cluster files and logs; empty: a temporary directory
  std::filesystem::path record_file;  // keep the recording here; empty: not kept
  std::filesystem::path node_binary;  // empty: raintree-node next to the running executable
  NetnsOptions netns;                 // nodes in network namespaces of their own (root)
  std::function<void(const ScenarioProgress&)> progress;
  // Called with `progress`, and with the cluster as it stands (restarts change pids) while its
  // nodes run, up to the "reporting" phase: `raintree-lab soak` samples their processes here.
  std::function<void(const ScenarioProgress&, const ClusterInfo&)> inspect;
  std::function<void(const std::string&)> log;  // one line per step and per problem
  std::function<bool()> cancelled;              // polled; true stops everything and fails
};

struct ScenarioResult {
  nlohmann::json report;  // core/cluster/event_report.hpp
  std::uint64_t events = 0;
  std::uint64_t events_lost = 0;
  std::uint64_t recording_bytes = 0;
};

std::optional<ScenarioResult> run_scenario(const ScenarioRunOptions& options, std::string& error);

}  // namespace rt::cluster
