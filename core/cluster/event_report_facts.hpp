// Internal to the event report (core/cluster/event_report*.cpp): the raw facts gathered from a
// recording's entries. EventReportBuilder::add() only counts and remembers; build_report()
// derives every figure from these facts, so the two halves stay small and testable.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/recording.hpp"
#include "wire/messages.hpp"

namespace rt::cluster::report_detail {

// wire::GossipKind::catchup: a payload copy sent to a node that came back after a reconnect.
// Spelled as its value so this file does not depend on the enum growing in step.
inline constexpr std::uint8_t kCatchupGossip = 5;

// A drop event's detail is a reason code; 0 also covers codes this build does not know.
inline constexpr std::array<std::string_view, 4> kDropReasons = {"queue", "loss", "partitioned",
                                                                 "muted"};
inline std::size_t drop_reason_index(std::uint8_t detail) {
  return detail < kDropReasons.size() ? detail : 0;
}

// Frames seen on one node, one directed peer link or one message type.
struct Traffic {
  std::uint64_t frames_out = 0, bytes_out = 0, frames_in = 0, bytes_in = 0;
  std::uint64_t duplicates = 0;
  std::array<std::uint64_t, kDropReasons.size()> drops{};
  std::uint64_t drop_total() const {
    std::uint64_t total = 0;
    for (std::uint64_t d : drops) total += d;
    return total;
  }
};

struct NodeFacts {
  Traffic traffic;           // every frame type the node put in its event stream
  std::uint64_t reads = 0;   // payload frames received (artifact: first chunks only)
  std::uint64_t writes = 0;  // payload frames sent (artifact: first chunks only)
  std::uint64_t payload_bytes_out = 0;
  std::uint64_t control_bytes_out = 0;
  std::uint64_t timeouts = 0;
};

// One node's part in one message.
struct Receipt {
  std::uint64_t payload_frames = 0;  // payload copies received, counted like reads
  std::uint64_t duplicates = 0;
  bool has_copy = false;
  bool last_copy_catchup = false;  // the latest payload copy before delivery was a catch-up
  std::optional<Micros> delivered_us;
  int hops = 0;
  bool via_catchup = false;
};

struct MessageFacts {
  // From the controller's broadcast note.
  bool noted = false;
  Micros note_us = 0;
  int note_origin = 0;
  std::string group = "all";
  std::optional<std::uint64_t> size;
  // From the originator's own `originate` event (the exact start on the node's clock).
  std::optional<Micros> originate_us;
  int originate_rank = 0;
  std::uint64_t originate_bytes = 0;
  std::map<int, Receipt> receipts;  // by rank
};

// Sequence numbers seen from one node process: gaps are events it could not hand over.
struct SeqRun {
  std::uint64_t first = 0, last = 0, count = 0;
  std::uint64_t missing() const {
    if (count == 0) return 0;
    const std::uint64_t span = last - first + 1;
    return span > count ? span - count : 0;
  }
};

struct TimedNote {
  Micros time_us = 0;
  nlohmann::json note;
};

struct Facts {
  RecordingHeader header;
  std::map<NodeId, int> rank_of;
  std::optional<Micros> first_us, last_us;  // of any entry
  std::vector<NodeFacts> nodes;             // by rank - 1
  std::map<MessageId, MessageFacts> messages;
  std::map<std::pair<int, NodeId>, Traffic> peers;  // (rank, peer id), directed
  std::map<std::uint8_t, Traffic> types;            // by raw message type
  std::array<std::uint64_t, wire::kMaxEventKind + 1> events_by_kind{};
  std::uint64_t events = 0;
  std::vector<SeqRun> seq_runs;            // the current process of each rank - 1
  std::uint64_t seq_missing = 0;           // from runs closed by a restart
  std::vector<TimedNote> faults;           // in arrival order
  std::map<int, nlohmann::json> counters;  // latest `counters` answer per rank
  std::optional<std::uint64_t> events_lost;
  std::optional<Micros> end_us;
  std::uint64_t notes = 0;
  std::uint64_t ignored_notes = 0;  // unknown or malformed
};

// The report document from the facts (event_report_build.cpp).
nlohmann::json build_report(const Facts& facts);

// Fixed precision so that the same facts always print the same digits.
double round_ms(double ms);
double round_ratio(double value);

}  // namespace rt::cluster::report_detail
