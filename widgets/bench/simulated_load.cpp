#include "bench/simulated_load.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sim/simulator.hpp"
#include "util/clock.hpp"

namespace rt::gui {
namespace {

sim::SimConfig base_config(const SimulatedLoad& load) {
  if (!(load.events_per_second > 0) || !(load.seconds > 0)) {
    throw std::invalid_argument("the event rate and the duration must be positive");
  }
  sim::SimConfig config;
  config.mode = load.mode;
  config.nodes = load.nodes;
  config.payload_size = load.payload_size;
  config.seed = load.seed;
  return config;
}

}  // namespace

SimulatedRecording simulate_recording(const SimulatedLoad& load) {
  sim::SimConfig config = base_config(load);

  // One broadcast first, to learn how many events one makes. Broadcasts then start every
  // events/rate seconds and overlap as on a busy cluster: the simulator runs them one after
  // the other, and each keeps its own timeline shifted to its start.
  std::uint64_t pilot_events = 0;
  config.trace = [&](int, const wire::EventRecord&) { ++pilot_events; };
  sim::run_simulation(config);
  if (pilot_events == 0) throw std::invalid_argument("the simulation produced no events");
  const double period_us = static_cast<double>(pilot_events) / load.events_per_second * 1e6;
  config.broadcasts = std::max(1, static_cast<int>(std::ceil(load.seconds * load.events_per_second /
                                                             static_cast<double>(pilot_events))));

  SimulatedRecording out;
  const std::vector<NodeId> ids = sim::make_node_ids(load.nodes, load.seed);
  out.header.mode = load.mode;
  out.header.name = "simulated load";
  // Real-looking times: the recording starts now, so the log shows today's clock.
  out.header.started_us = wall_micros();
  for (int rank = 1; rank <= load.nodes; ++rank) {
    out.header.nodes.push_back({rank, ids[static_cast<std::size_t>(rank - 1)], "validator"});
  }
  Micros shift = 0;  // virtual time of the current broadcast -> its time in the recording
  config.trace = [&](int rank, const wire::EventRecord& record) {
    if (record.kind == wire::EventKind::originate) {
      const auto start = static_cast<Micros>(period_us * out.broadcasts);
      shift = out.header.started_us + start - record.time_us;
    }
    cluster::RecordedEvent event{rank, record};
    event.event.time_us += shift;
    if (record.kind == wire::EventKind::originate) {
      // What a controller notes when it asks for a broadcast: the log's "broadcast from".
      out.entries.push_back(cluster::RecordedNote{event.event.time_us,
                                                  {{"broadcast",
                                                    {{"id", to_string(record.msg_id)},
                                                     {"origin_rank", rank},
                                                     {"group", config.group},
                                                     {"size", load.payload_size}}}}});
      ++out.broadcasts;
    }
    out.entries.push_back(std::move(event));
    ++out.events;
  };
  sim::run_simulation(config);
  // Overlapping broadcasts interleave: put the stream in time order, then number each node's
  // events as the node would have.
  std::stable_sort(out.entries.begin(), out.entries.end(),
                   [](const cluster::RecordingEntry& a, const cluster::RecordingEntry& b) {
                     return cluster::entry_time(a) < cluster::entry_time(b);
                   });
  std::vector<std::uint64_t> next_seq(static_cast<std::size_t>(load.nodes), 1);
  for (cluster::RecordingEntry& entry : out.entries) {
    if (auto* e = std::get_if<cluster::RecordedEvent>(&entry)) {
      e->event.seq = next_seq[static_cast<std::size_t>(e->rank - 1)]++;
    }
  }
  out.events_per_broadcast = static_cast<double>(pilot_events);
  return out;
}

std::unique_ptr<cluster::ReplayPlayer> simulated_player(const SimulatedLoad& load,
                                                        std::string& error) {
  try {
    SimulatedRecording recording = simulate_recording(load);
    return cluster::ReplayPlayer::from_entries(std::move(recording.header),
                                               std::move(recording.entries), error);
  } catch (const std::invalid_argument& e) {
    error = e.what();
    return nullptr;
  }
}

}  // namespace rt::gui
