// The scenario report, built from nothing but a recording's entries: the nodes' merged event
// streams plus the controller's notes. A live scenario run feeds the entries it records, and
// `raintree-lab replay` feeds the same entries read back from the file, so both produce the
// same report by construction (tests/integration checks it through a real file). The fields
// and their definitions are in docs/reports.md.
//
// Notes the builder understands (RecordedNote::note; time_us is wall-clock microseconds):
//   {"broadcast": {"id": "<hex>", "origin_rank": R, "group": "all", "size": B}}
//       the controller issued a broadcast (time: the origin's answer time)
//   {"fault": "<fault_name>", "ranks": [..], "link": [a, b], "percent": P, "delay_ms": D,
//    "groups": [[..], ..]}
//       a fault was applied (fields as in FaultStep; only those that apply)
//   {"counters": {"<rank>": <the node's `counters` answer>, ...}}
//       final per-node and per-peer counters (queue high-water marks, drops), before stopping
//   {"end": {"events_lost": N}}
//       the run is over; events_lost counts events the nodes or the monitor could not deliver
// Unknown notes are ignored, so later versions can add more.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/recording.hpp"

namespace rt::cluster {

class EventReportBuilder {
 public:
  explicit EventReportBuilder(RecordingHeader header);
  ~EventReportBuilder();
  EventReportBuilder(EventReportBuilder&&) noexcept;
  EventReportBuilder& operator=(EventReportBuilder&&) noexcept;

  // Entries in recording order (time order, give or take the writer's lag). Only facts are
  // kept here; every figure is derived in build(), so the order of entries with equal times
  // and a note arriving after the events it describes change nothing.
  void add(const RecordingEntry& entry);

  // The report: the DESIGN.md shape ("mode", "nodes", "totals") plus "name", "duration_ms",
  // "broadcasts", "peers", "types", "faults", "catch_up" and "events" (docs/reports.md).
  // The same entries always give the same document (ordered maps, rounded numbers).
  nlohmann::json build() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Called every `kReplayProgressEvery` entries with the number of entries read so far.
using ReplayProgress = std::function<void(std::uint64_t entries)>;
inline constexpr std::uint64_t kReplayProgressEvery = 1'000'000;

// Reads a whole recording and builds its report; nullopt with a reason on a missing or damaged
// file (nothing is reported from a recording that cannot be read to its end).
std::optional<nlohmann::json> report_from_recording(const std::filesystem::path& file,
                                                    std::string& error,
                                                    const ReplayProgress& progress = {});

// CSV views of a report built above: one file per table, with headers.
std::string report_broadcasts_csv(const nlohmann::json& report);
std::string report_nodes_csv(const nlohmann::json& report);
std::string report_peers_csv(const nlohmann::json& report);
std::string report_types_csv(const nlohmann::json& report);

}  // namespace rt::cluster
