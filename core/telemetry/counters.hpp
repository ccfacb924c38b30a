// A node's counters, libtorrent style: one flat array of u64 indexed by enums, with a name
// table, snapshotted on request. Layout of the array:
//   [NodeCounter totals][per message type x TrafficStat][per peer slot: type x TrafficStat,
//   then PeerCounter::duplicates, PeerCounter::drops]
// Only peer-protocol types (0x01..0x0a) are counted; the control channel is not.
// Single-threaded: the node updates and reads it on its network thread.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/ids.hpp"
#include "wire/messages.hpp"

namespace rt::telemetry {

enum class NodeCounter : std::uint8_t {
  frames_in,
  frames_out,
  bytes_in,
  bytes_out,
  payload_frames_in,  // gossip, artifact
  payload_frames_out,
  payload_bytes_in,
  payload_bytes_out,
  control_frames_in,  // ack, igym, igym_reply, advert, request, retransmit_request
  control_frames_out,
  control_bytes_in,
  control_bytes_out,
  delivered,   // broadcasts handed to the application
  originated,  // broadcasts this node started
  duplicates,  // copies of a broadcast already seen
  drops,       // frames that were never written
  timeouts,    // expected answers that did not come
  peer_ups,
  peer_downs,
  count
};
inline constexpr std::size_t kNodeCounters = static_cast<std::size_t>(NodeCounter::count);
std::string_view counter_name(NodeCounter counter);

// Traffic of one message type, per direction.
enum class TrafficStat : std::uint8_t { frames_in, frames_out, bytes_in, bytes_out, count };
inline constexpr std::size_t kTrafficStats = static_cast<std::size_t>(TrafficStat::count);
std::string_view traffic_stat_name(TrafficStat stat);

enum class PeerCounter : std::uint8_t { duplicates, drops, count };
inline constexpr std::size_t kPeerCounters = static_cast<std::size_t>(PeerCounter::count);

// Peer-protocol message types 0x01..0x0a map to 0..9.
inline constexpr std::size_t kPeerTypes = 10;
// -1 for control-channel types.
int peer_type_index(wire::MessageType type);
wire::MessageType peer_type_at(std::size_t index);

// payload: carries broadcast content; control: protocol bookkeeping; transport: hello and
// heartbeat (counted in the totals only).
enum class TrafficClass { payload, control, transport };
TrafficClass traffic_class(wire::MessageType type);

class Counters {
 public:
  Counters();

  void frame_in(const NodeId& peer, wire::MessageType type, std::uint64_t bytes);
  void frame_out(const NodeId& peer, wire::MessageType type, std::uint64_t bytes);
  void duplicate(const NodeId& peer);  // a zero peer counts in the node total only
  void drop(const NodeId& peer);
  void add(NodeCounter counter, std::uint64_t n = 1);

  std::uint64_t get(NodeCounter counter) const { return values_[index(counter)]; }
  std::uint64_t type_stat(wire::MessageType type, TrafficStat stat) const;
  std::uint64_t peer_stat(const NodeId& peer, TrafficStat stat) const;  // all types
  std::uint64_t peer_type_stat(const NodeId& peer, wire::MessageType type, TrafficStat stat) const;
  std::uint64_t peer_counter(const NodeId& peer, PeerCounter counter) const;

  // {"node": {...}, "types": {"gossip": {...}, ...}} (docs/control-protocol.md `counters`).
  nlohmann::json node_json() const;
  nlohmann::json types_json() const;

 private:
  static constexpr std::size_t kTypeBlock = kPeerTypes * kTrafficStats;
  static constexpr std::size_t kPeerBlock = kTypeBlock + kPeerCounters;
  static constexpr std::size_t kPeersBase = kNodeCounters + kTypeBlock;

  static std::size_t index(NodeCounter c) { return static_cast<std::size_t>(c); }
  static std::size_t traffic_index(std::size_t type, TrafficStat stat) {
    return type * kTrafficStats + static_cast<std::size_t>(stat);
  }
  // Base of a peer's block, creating it on first use.
  std::size_t peer_base(const NodeId& peer);
  const std::uint64_t* peer_block(const NodeId& peer) const;
  void count(const NodeId& peer, wire::MessageType type, std::uint64_t bytes, bool in);

  std::vector<std::uint64_t> values_;
  std::unordered_map<NodeId, std::size_t> peer_slots_;
};

}  // namespace rt::telemetry
