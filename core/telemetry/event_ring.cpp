#include "telemetry/event_ring.hpp"

#include <algorithm>

#include "util/clock.hpp"

namespace rt::telemetry {

EventRing::EventRing(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

std::uint64_t EventRing::push(wire::EventRecord record) {
  record.seq = next_seq_++;
  if (record.time_us == 0) record.time_us = wall_micros();
  const std::size_t slot = static_cast<std::size_t>((record.seq - 1) % capacity_);
  if (records_.size() < capacity_ && slot == records_.size()) {
    records_.push_back(record);
  } else {
    records_[slot] = record;
  }
  size_ = std::min(size_ + 1, capacity_);
  return record.seq;
}

wire::EventBatch EventRing::read(Cursor& cursor, std::size_t max) const {
  wire::EventBatch batch;
  if (cursor.next > next_seq_) cursor.next = next_seq_;
  const std::uint64_t oldest = oldest_seq();
  if (cursor.next < oldest) {
    batch.dropped = oldest - cursor.next;
    cursor.next = oldest;
  }
  const std::uint64_t available = next_seq_ - cursor.next;
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(available, max));
  batch.events.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t seq = cursor.next + i;
    batch.events.push_back(records_[static_cast<std::size_t>((seq - 1) % capacity_)]);
  }
  cursor.next += n;
  return batch;
}

}  // namespace rt::telemetry
