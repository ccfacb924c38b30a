// `raintree-lab run`: start a cluster, apply faults, broadcast, wait until quiet, build the
// DESIGN.md report from what the nodes measured, and stop every process it started.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cluster/netns.hpp"
#include "cluster/scenario.hpp"
#include "telemetry/report.hpp"

namespace rt::cluster {

struct RunOptions {
  int nodes = 16;
  std::string mode = "random";
  int broadcasts = 1;
  std::size_t size = 1024;
  int origin_rank = 1;
  std::string group = "all";
  std::vector<int> kill;  // SIGKILL before broadcasting
  std::vector<int> stop;  // SIGSTOP before broadcasting (left stopped: counted not alive)
  // Network faults (mute, loss, delay, partition) applied after kill and stop, in this order,
  // through the same FaultController as `raintree-lab fault`. Nodes partitioned away from the
  // origin are not waited for; they are reported as missed, reason "partitioned".
  std::vector<FaultStep> network_faults;
  std::vector<int> byzantine;  // started with --byzantine (advert mode): corrupted bodies
  int fanout = 0;
  std::filesystem::path dir;             // empty: a fresh temporary directory, removed afterwards
  std::chrono::milliseconds quiet{400};  // no gossip traffic for this long = quiet
  std::chrono::milliseconds timeout{30000};          // per broadcast
  std::function<void(const std::string&)> progress;  // one line per step
  // Polled while waiting; returning true (e.g. after SIGINT) stops every process and fails.
  std::function<bool()> cancelled;
  std::filesystem::path node_binary;  // empty: raintree-node next to the running executable
  bool insecure = false;              // plaintext peer links, for packet captures
  NetnsOptions netns;                 // nodes in network namespaces of their own (root)
  std::chrono::milliseconds settle_timeout{10000};  // peers connecting / noticing faults
};

// Checks the options without starting anything (ranges, faults vs origin); false with a
// one-line reason naming the flag.
bool validate_run_options(const RunOptions& options, std::string& error);

std::optional<telemetry::Report> run_cluster(const RunOptions& options, std::string& error);

}  // namespace rt::cluster
