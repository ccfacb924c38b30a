// The node's ordered event stream: a bounded ring of wire::EventRecord with per-node sequence
// numbers (the first event is seq 1). Subscribers keep their own cursor; a cursor that fell
// behind the oldest record gets a batch whose `dropped` says how many records it missed, so a
// slow subscriber never holds the node back. Memory grows with use up to the capacity.
// Single-threaded (the node's network thread).
#pragma once

#include <cstdint>
#include <vector>

#include "wire/messages.hpp"

namespace rt::telemetry {

class EventRing {
 public:
  static constexpr std::size_t kDefaultCapacity = 65536;

  struct Cursor {
    std::uint64_t next = 1;  // seq of the next record this subscriber wants
  };

  explicit EventRing(std::size_t capacity = kDefaultCapacity);

  // Stores a record, assigning its seq (and time_us when zero). Returns the seq.
  std::uint64_t push(wire::EventRecord record);

  std::uint64_t next_seq() const { return next_seq_; }
  // Seq of the oldest record still held (== next_seq() when empty).
  std::uint64_t oldest_seq() const { return next_seq_ - size_; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }

  // Up to `max` records from the cursor on, advancing it. When the cursor is older than the
  // oldest record, `dropped` counts the records it missed. A cursor ahead of next_seq() is
  // clamped to it.
  wire::EventBatch read(Cursor& cursor, std::size_t max) const;
  bool has_events(const Cursor& cursor) const { return cursor.next < next_seq_; }

 private:
  std::size_t capacity_;
  std::vector<wire::EventRecord> records_;  // grows to capacity_, then wraps
  std::size_t size_ = 0;
  std::uint64_t next_seq_ = 1;
};

}  // namespace rt::telemetry
