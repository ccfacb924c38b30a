// Watches a running cluster from its own background thread, for the studio: subscribes to
// every node's event stream, polls counters at a self-pacing interval, and hands the results
// over as bounded batches. Commands (broadcast, faults, inspect) run on the monitor thread too,
// so the caller's thread never blocks on a socket or a signal.
//
// Faults go through a FaultController the monitor owns: each sample carries the node's
// condition as that controller sees it, and stopping the monitor undoes what it applied.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/cluster_info.hpp"
#include "cluster/faults.hpp"
#include "wire/messages.hpp"

namespace rt::cluster {

struct PeerSample {
  NodeId peer;
  bool connected = false;
  std::uint64_t bytes_in = 0, bytes_out = 0, frames_in = 0, frames_out = 0;
  std::uint64_t duplicates = 0, drops = 0;
  std::uint64_t queue_frames = 0, queue_bytes = 0, queue_high_water_frames = 0;
  Micros last_heard_us = 0;
};

struct NodeSample {
  int rank = 0;
  int pid = 0;  // as the monitor knows it (a restart changes it)
  Micros time_us = 0;
  bool answering = false;
  bool process_alive = false;
  bool stopped = false;
  NodeCondition condition = NodeCondition::up;  // from the monitor's FaultController
  std::uint64_t bytes_in = 0, bytes_out = 0, frames_in = 0, frames_out = 0;
  std::uint64_t delivered = 0, duplicates = 0, drops = 0;
  int peers_connected = 0;
  std::vector<PeerSample> peers;
};

struct RankedEvent {
  int rank = 0;  // the node that recorded it
  wire::EventRecord event;
};

// What became of one fault() call; its line is in the log too.
struct FaultOutcome {
  FaultStep step;
  bool ok = false;
  std::string message;
};

// The answer to inspect(rank): the node's `inspect` reply (docs/control-protocol.md).
struct InspectAnswer {
  int rank = 0;
  Micros time_us = 0;
  bool ok = false;
  nlohmann::json engine;  // the engine's snapshot when ok
  std::string error;      // why not otherwise
};

struct MonitorBatch {
  std::vector<RankedEvent> events;         // in arrival order per node
  std::uint64_t dropped_events = 0;        // lost by nodes or by the monitor's own bound
  std::vector<NodeSample> samples;         // latest sample per node that was polled
  std::vector<std::string> log;            // one line per command result or error
  std::vector<FaultOutcome> faults;        // in the order they were applied
  std::vector<InspectAnswer> inspections;  // latest answer per rank
};

struct MonitorOptions {
  std::chrono::milliseconds poll_interval{250};
  std::size_t max_pending_events = 200000;  // beyond this, oldest are dropped and counted
  // First subscription to a node: false starts at its next event (attaching to a running
  // cluster shows what happens from now on); true asks for every event it still holds (a
  // cluster started for a recording). A node process seen for the first time after a restart
  // is always read from its start, and a lost stream to the same process resumes where it
  // stopped, so neither loses nor repeats events.
  bool from_start = false;
  // Stopping the monitor undoes its faults; this says whether that restarts the nodes it
  // killed. True leaves an attached cluster as it was found; false for a cluster about to be
  // stopped anyway.
  bool restart_killed_on_stop = true;
};

class ClusterMonitor {
 public:
  ClusterMonitor(ClusterInfo cluster, MonitorOptions options = {});
  ~ClusterMonitor();  // stops the thread; never stops the cluster

  // `wake` is called from the monitor thread whenever a batch has become non-empty; the
  // caller then calls take() from its own thread.
  void start(std::function<void()> wake);
  void stop();
  MonitorBatch take();

  // Queued for the monitor thread; results arrive in MonitorBatch::log (and faults). The
  // nodes are sampled again right after a fault, so that the batch carrying its outcome
  // shows its effect.
  // `kind`: the artifact kind `advert` mode's priority rules look at.
  void broadcast(int origin_rank, std::size_t size, const std::string& group = "all", int kind = 0);
  void fault(FaultStep step);
  void kill(int rank);    // SIGKILL
  void pause(int rank);   // SIGSTOP
  void resume(int rank);  // SIGCONT
  // Asks the node for its engine's snapshot; a request for a rank whose previous one is still
  // queued is dropped, so callers may poll without piling up work.
  void inspect(int rank);

  const ClusterInfo& cluster() const { return cluster_; }

 private:
  struct Impl;
  ClusterInfo cluster_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rt::cluster
