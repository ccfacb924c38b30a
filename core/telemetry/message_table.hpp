// Per-broadcast statistics of one node: the `messages` command of docs/control-protocol.md.
// Bounded: the 4096 broadcasts seen most recently (first sighting order) are kept, the oldest
// is evicted. Single-threaded (the node's network thread).
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/ids.hpp"
#include "wire/messages.hpp"

namespace rt::telemetry {

struct MessageStats {
  MessageId id;
  NodeId origin;  // zero until a frame or a delivery names it
  std::string group;
  Micros origin_time_us = 0;
  Micros first_seen_us = 0;
  Micros updated_us = 0;
  std::uint64_t reads = 0;   // payload frames received
  std::uint64_t writes = 0;  // payload frames sent
  std::uint64_t duplicates = 0;
  std::uint64_t payload_bytes_in = 0;
  std::uint64_t payload_bytes_out = 0;
  std::uint64_t control_bytes_in = 0;
  std::uint64_t control_bytes_out = 0;
  std::optional<Micros> delivered_us;
  int hops = 0;  // hops of the delivered copy (0 at the originator)
};

class MessageTable {
 public:
  static constexpr std::size_t kDefaultCapacity = 4096;

  explicit MessageTable(std::size_t capacity = kDefaultCapacity);

  // A payload frame (gossip) of a broadcast, in or out.
  void gossip(const wire::Gossip& gossip, bool inbound, std::uint64_t frame_bytes, Micros now);
  // A payload frame of another kind (artifact chunks, keyed by artifact id). A chunked body
  // counts as one copy (a read or a write) on its first chunk only, so that one body received
  // once is one copy whatever its chunk size; every chunk counts in the bytes.
  void payload(MessageId id, bool inbound, std::uint64_t frame_bytes, Micros now,
               bool first_chunk = true);
  // A control frame about a broadcast (ack, igym, igym_reply, ...).
  void control(MessageId id, bool inbound, std::uint64_t frame_bytes, Micros now);
  void duplicate(MessageId id, Micros now);
  void delivered(MessageId id, const NodeId& origin, const std::string& group,
                 Micros origin_time_us, int hops, Micros now);

  const MessageStats* find(MessageId id) const;
  std::size_t size() const { return order_.size(); }
  std::size_t capacity() const { return capacity_; }

  // Entries updated at or after since_us, oldest first sighting first.
  std::vector<const MessageStats*> since(Micros since_us) const;
  // The `messages` array of the control protocol.
  nlohmann::json to_json(Micros since_us = 0) const;

 private:
  MessageStats& touch(MessageId id, Micros now);

  std::size_t capacity_;
  std::list<MessageStats> order_;  // first sighting order; front is the oldest
  std::unordered_map<MessageId, std::list<MessageStats>::iterator> index_;
};

nlohmann::json to_json(const MessageStats& stats);

}  // namespace rt::telemetry
