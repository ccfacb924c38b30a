// A recording made by the simulator instead of a cluster, for the studio's --bench: the same
// engines the nodes run (sim/simulator.hpp) produce every node's event stream for many
// broadcasts, spaced so that the events arrive at a chosen rate when played at speed 1. The
// views then take a 300-node cluster's worth of traffic with no 300 processes behind it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "cluster/replay_player.hpp"

namespace rt::gui {

struct SimulatedLoad {
  int nodes = 300;
  std::string mode = "raintree";
  double events_per_second = 10000;  // across the cluster, when played at speed 1
  double seconds = 20;               // of playing time to produce
  std::size_t payload_size = 1024;
  std::uint64_t seed = 1;
};

struct SimulatedRecording {
  cluster::RecordingHeader header;
  std::vector<cluster::RecordingEntry> entries;
  int broadcasts = 0;
  std::uint64_t events = 0;
  double events_per_broadcast = 0;
};

// Runs the simulation (seconds of CPU for 300 nodes; call it off the GUI thread). Throws
// std::invalid_argument when the load cannot be simulated (unknown mode, no nodes...).
SimulatedRecording simulate_recording(const SimulatedLoad& load);

// The same, as a player; null with a reason in `error` instead of throwing.
std::unique_ptr<cluster::ReplayPlayer> simulated_player(const SimulatedLoad& load,
                                                        std::string& error);

}  // namespace rt::gui
