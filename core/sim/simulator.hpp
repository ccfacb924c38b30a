// A deterministic discrete-event simulator that drives the same sans-IO engines as
// raintree-node (built through protocol::make_engine), without sockets.
//
// Model (docs/raintree.md, "Simulator"):
//  * virtual clock in microseconds; events ordered by (time, sequence number), so a run is a
//    pure function of its configuration and seed;
//  * per-hop latency: a frame first waits for its sender's uplink (frames of one sender leave
//    one after another at `bytes_per_us`), then takes `base_us` plus a seeded uniform jitter in
//    [0, jitter_us] to arrive;
//  * dead nodes never receive, answer or act; frames sent to them are counted as sent and lost;
//  * optionally, a seeded share of all frames is lost in transit (a dropped queue entry);
//  * stopped nodes (SIGSTOP-like) hold everything that reaches them until `stop_us` after the
//    first broadcast, then process it in arrival order.
// One Membership is shared by every engine; the simulator itself keeps O(1) state per node
// plus one outcome row per node for the broadcast in progress.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/engine.hpp"
#include "telemetry/report.hpp"

namespace rt::sim {

struct LatencyModel {
  Micros base_us = 500;         // propagation and processing per hop
  Micros jitter_us = 200;       // uniform extra delay in [0, jitter_us]
  double bytes_per_us = 125.0;  // each node's uplink: 125 bytes/us = 1 Gbit/s
  double loss_rate = 0;         // seeded share of frames lost on the way (any type)
};

using EngineFactory =
    std::function<std::unique_ptr<protocol::Engine>(const protocol::EngineConfig&)>;

struct SimConfig {
  std::string mode = "raintree";
  int nodes = 27;
  int origin_rank = 1;             // every broadcast starts here
  std::vector<int> dead_ranks;     // 1-based; when empty, dead_fraction picks them
  double dead_fraction = 0;        // share of nodes (never the origin) that are dead
  std::vector<int> stopped_ranks;  // unresponsive until stop_us after the first broadcast
  Micros stop_us = 2'000'000;
  std::uint64_t seed = 1;
  int broadcasts = 1;
  std::size_t payload_size = 1024;
  std::string group = "all";
  std::vector<std::string> roles;  // by rank; empty: every node is a validator
  LatencyModel latency;
  protocol::EngineConfig engine;  // timeouts and tunables; self and membership are set per node
  Micros broadcast_time_limit_us = 600'000'000;  // a broadcast still busy after this is cut off
  Micros gap_us = 1'000;                         // quiet time between consecutive broadcasts
  EngineFactory factory;  // optional; default: protocol::make_engine(mode, ...)
  std::function<void(const std::string&)> progress;  // optional: one line per finished step
  // Optional: the events each node would put in its event stream (originate, send, receive,
  // duplicate, deliver and the engines' other observations), at virtual time; seq is left 0.
  // The studio's --bench plays them through its views as if a cluster had recorded them.
  std::function<void(int rank, const wire::EventRecord& event)> trace;
};

struct SimResult {
  telemetry::Report report;
  std::vector<int> dead_ranks;  // the dead set actually used, ascending
  std::uint64_t events = 0;     // messages and timers processed
  Micros virtual_end_us = 0;
  bool cut_off = false;  // some broadcast hit broadcast_time_limit_us
};

// Runs the whole simulation. Throws std::invalid_argument with a one-line reason when the
// configuration is not usable (unknown mode, origin out of range or dead, bad fraction...).
SimResult run_simulation(const SimConfig& config);

// The ids of simulated nodes: seeded, unique and ascending, so ids[rank - 1] has that rank.
std::vector<NodeId> make_node_ids(int count, std::uint64_t seed);

// floor(fraction * nodes) distinct ranks other than origin_rank, seeded, ascending.
std::vector<int> pick_dead_ranks(int nodes, double fraction, int origin_rank, std::uint64_t seed);

}  // namespace rt::sim
