// Recordings: the merged, time-ordered event stream of every node of a run, plus the
// controller's notes (broadcasts issued, faults applied, final counters), in a compact
// versioned file. `raintree-lab replay` rebuilds a run's report from one, and the studio plays
// them back, so a demo can be shown without a cluster.
//
// Layout (integers big-endian):
//   "RTREC" u8 version=1
//   u32 n, n bytes: header JSON {"mode", "name", "started_us", "nodes": [{"rank","id","role"}]}
//   blocks until the end of the file:
//     u8 1 (event), u16 rank, 64-byte event record (core/wire/codec.hpp: append_event)
//     u8 2 (note),  i64 time_us, u32 n, n bytes of JSON
//
// The writer keeps events for a short lag and writes them in time order: every node pushes its
// events within a few tens of milliseconds, so a lag of a second turns the per-node streams
// into one ordered stream. Memory is bounded: past max_buffered events the oldest are written
// early (the file stays readable; only that stretch may be out of order).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "wire/messages.hpp"

namespace rt::cluster {

inline constexpr std::uint8_t kRecordingVersion = 1;

struct RecordedNode {
  int rank = 0;
  NodeId id;
  std::string role = "validator";
};

struct RecordingHeader {
  std::string mode;
  std::string name;
  Micros started_us = 0;
  std::vector<RecordedNode> nodes;  // by rank
};

struct RecordedEvent {
  int rank = 0;
  wire::EventRecord event;
};

struct RecordedNote {
  Micros time_us = 0;
  nlohmann::json note;  // e.g. {"broadcast": {...}}, {"fault": "kill", "ranks": [3]}
};

using RecordingEntry = std::variant<RecordedEvent, RecordedNote>;
Micros entry_time(const RecordingEntry& entry);

class RecordingWriter {
 public:
  static std::unique_ptr<RecordingWriter> create(const std::filesystem::path& file,
                                                 const RecordingHeader& header, std::string& error);
  ~RecordingWriter();

  void add_events(int rank, const std::vector<wire::EventRecord>& events);
  void add_note(Micros time_us, nlohmann::json note);
  // Writes what is older than `now_us - lag_us` in time order.
  void flush_older_than(Micros now_us, Micros lag_us = 1'000'000);
  // Writes everything and closes the file; false with a reason on an I/O error.
  bool finish(std::string& error);

  // Also hands every entry, as it is written and in file order, to `sink`: a live run builds
  // its report from exactly the stream the file holds.
  void set_sink(std::function<void(const RecordingEntry&)> sink) { sink_ = std::move(sink); }

  std::uint64_t events_written() const { return events_written_; }
  std::uint64_t bytes_written() const { return bytes_written_; }

 private:
  explicit RecordingWriter(std::ofstream out) : out_(std::move(out)) {}
  void write_entry(const RecordingEntry& entry);
  void flush_until(Micros cutoff);

  static constexpr std::size_t kMaxBuffered = 1'000'000;
  std::ofstream out_;
  std::vector<std::pair<Micros, RecordingEntry>> pending_;
  std::uint64_t events_written_ = 0;
  std::uint64_t bytes_written_ = 0;
  bool finished_ = false;
  std::function<void(const RecordingEntry&)> sink_;
};

class RecordingReader {
 public:
  static std::unique_ptr<RecordingReader> open(const std::filesystem::path& file,
                                               std::string& error);
  const RecordingHeader& header() const { return header_; }
  // The next entry; nullopt at the end (error empty) or on a damaged file (error says where).
  std::optional<RecordingEntry> next(std::string& error);

 private:
  RecordingReader(std::ifstream in, RecordingHeader header)
      : in_(std::move(in)), header_(std::move(header)) {}
  std::ifstream in_;
  RecordingHeader header_;
  std::uint64_t offset_ = 0;
};

}  // namespace rt::cluster
