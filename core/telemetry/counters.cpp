#include "telemetry/counters.hpp"

#include <nlohmann/json.hpp>

namespace rt::telemetry {
namespace {

constexpr std::array<std::string_view, kNodeCounters> kCounterNames = {
    "frames_in",         "frames_out",         "bytes_in",         "bytes_out",
    "payload_frames_in", "payload_frames_out", "payload_bytes_in", "payload_bytes_out",
    "control_frames_in", "control_frames_out", "control_bytes_in", "control_bytes_out",
    "delivered",         "originated",         "duplicates",       "drops",
    "timeouts",          "peer_ups",           "peer_downs",
};

constexpr std::array<std::string_view, kTrafficStats> kTrafficNames = {"frames_in", "frames_out",
                                                                       "bytes_in", "bytes_out"};

}  // namespace

std::string_view counter_name(NodeCounter counter) {
  const auto i = static_cast<std::size_t>(counter);
  return i < kNodeCounters ? kCounterNames[i] : "unknown";
}

std::string_view traffic_stat_name(TrafficStat stat) {
  const auto i = static_cast<std::size_t>(stat);
  return i < kTrafficStats ? kTrafficNames[i] : "unknown";
}

int peer_type_index(wire::MessageType type) {
  const auto raw = static_cast<std::uint8_t>(type);
  if (raw < 0x01 || raw > 0x0a) return -1;
  return raw - 1;
}

wire::MessageType peer_type_at(std::size_t index) {
  return static_cast<wire::MessageType>(index + 1);
}

TrafficClass traffic_class(wire::MessageType type) {
  switch (type) {
    case wire::MessageType::gossip:
    case wire::MessageType::artifact:
      return TrafficClass::payload;
    case wire::MessageType::ack:
    case wire::MessageType::igym:
    case wire::MessageType::igym_reply:
    case wire::MessageType::advert:
    case wire::MessageType::request:
    case wire::MessageType::retransmit_request:
      return TrafficClass::control;
    default:
      return TrafficClass::transport;
  }
}

Counters::Counters() : values_(kPeersBase, 0) {}

std::size_t Counters::peer_base(const NodeId& peer) {
  auto [it, inserted] = peer_slots_.try_emplace(peer, values_.size());
  if (inserted) values_.resize(values_.size() + kPeerBlock, 0);
  return it->second;
}

const std::uint64_t* Counters::peer_block(const NodeId& peer) const {
  auto it = peer_slots_.find(peer);
  return it == peer_slots_.end() ? nullptr : values_.data() + it->second;
}

void Counters::count(const NodeId& peer, wire::MessageType type, std::uint64_t bytes, bool in) {
  const int t = peer_type_index(type);
  if (t < 0) return;
  const auto frames_stat = in ? TrafficStat::frames_in : TrafficStat::frames_out;
  const auto bytes_stat = in ? TrafficStat::bytes_in : TrafficStat::bytes_out;
  values_[index(in ? NodeCounter::frames_in : NodeCounter::frames_out)] += 1;
  values_[index(in ? NodeCounter::bytes_in : NodeCounter::bytes_out)] += bytes;
  switch (traffic_class(type)) {
    case TrafficClass::payload:
      values_[index(in ? NodeCounter::payload_frames_in : NodeCounter::payload_frames_out)] += 1;
      values_[index(in ? NodeCounter::payload_bytes_in : NodeCounter::payload_bytes_out)] += bytes;
      break;
    case TrafficClass::control:
      values_[index(in ? NodeCounter::control_frames_in : NodeCounter::control_frames_out)] += 1;
      values_[index(in ? NodeCounter::control_bytes_in : NodeCounter::control_bytes_out)] += bytes;
      break;
    case TrafficClass::transport:
      break;
  }
  const std::size_t type_slot = static_cast<std::size_t>(t);
  values_[kNodeCounters + traffic_index(type_slot, frames_stat)] += 1;
  values_[kNodeCounters + traffic_index(type_slot, bytes_stat)] += bytes;
  if (peer.is_zero()) return;
  const std::size_t base = peer_base(peer);
  values_[base + traffic_index(type_slot, frames_stat)] += 1;
  values_[base + traffic_index(type_slot, bytes_stat)] += bytes;
}

void Counters::frame_in(const NodeId& peer, wire::MessageType type, std::uint64_t bytes) {
  count(peer, type, bytes, true);
}

void Counters::frame_out(const NodeId& peer, wire::MessageType type, std::uint64_t bytes) {
  count(peer, type, bytes, false);
}

void Counters::duplicate(const NodeId& peer) {
  values_[index(NodeCounter::duplicates)] += 1;
  if (!peer.is_zero()) {
    values_[peer_base(peer) + kTypeBlock + static_cast<std::size_t>(PeerCounter::duplicates)] += 1;
  }
}

void Counters::drop(const NodeId& peer) {
  values_[index(NodeCounter::drops)] += 1;
  if (!peer.is_zero()) {
    values_[peer_base(peer) + kTypeBlock + static_cast<std::size_t>(PeerCounter::drops)] += 1;
  }
}

void Counters::add(NodeCounter counter, std::uint64_t n) {
  values_[index(counter)] += n;
}

std::uint64_t Counters::type_stat(wire::MessageType type, TrafficStat stat) const {
  const int t = peer_type_index(type);
  if (t < 0) return 0;
  return values_[kNodeCounters + traffic_index(static_cast<std::size_t>(t), stat)];
}

std::uint64_t Counters::peer_stat(const NodeId& peer, TrafficStat stat) const {
  const std::uint64_t* block = peer_block(peer);
  if (!block) return 0;
  std::uint64_t sum = 0;
  for (std::size_t t = 0; t < kPeerTypes; ++t) sum += block[traffic_index(t, stat)];
  return sum;
}

std::uint64_t Counters::peer_type_stat(const NodeId& peer, wire::MessageType type,
                                       TrafficStat stat) const {
  const std::uint64_t* block = peer_block(peer);
  const int t = peer_type_index(type);
  if (!block || t < 0) return 0;
  return block[traffic_index(static_cast<std::size_t>(t), stat)];
}

std::uint64_t Counters::peer_counter(const NodeId& peer, PeerCounter counter) const {
  const std::uint64_t* block = peer_block(peer);
  return block ? block[kTypeBlock + static_cast<std::size_t>(counter)] : 0;
}

nlohmann::json Counters::node_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < kNodeCounters; ++i) out[std::string(kCounterNames[i])] = values_[i];
  return out;
}

nlohmann::json Counters::types_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t t = 0; t < kPeerTypes; ++t) {
    nlohmann::json entry = nlohmann::json::object();
    for (std::size_t s = 0; s < kTrafficStats; ++s) {
      entry[std::string(kTrafficNames[s])] =
          values_[kNodeCounters + traffic_index(t, static_cast<TrafficStat>(s))];
    }
    out[std::string(wire::type_name(peer_type_at(t)))] = std::move(entry);
  }
  return out;
}

}  // namespace rt::telemetry
