#include "telemetry/message_table.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace rt::telemetry {

MessageTable::MessageTable(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

MessageStats& MessageTable::touch(MessageId id, Micros now) {
  if (auto it = index_.find(id); it != index_.end()) {
    it->second->updated_us = now;
    return *it->second;
  }
  if (order_.size() >= capacity_) {
    index_.erase(order_.front().id);
    order_.pop_front();
  }
  MessageStats stats;
  stats.id = id;
  stats.first_seen_us = now;
  stats.updated_us = now;
  order_.push_back(std::move(stats));
  auto last = std::prev(order_.end());
  index_.emplace(id, last);
  return *last;
}

void MessageTable::gossip(const wire::Gossip& gossip, bool inbound, std::uint64_t frame_bytes,
                          Micros now) {
  MessageStats& s = touch(gossip.id, now);
  if (s.origin.is_zero()) {
    s.origin = gossip.origin;
    s.group = gossip.group;
    s.origin_time_us = gossip.origin_time_us;
  }
  if (inbound) {
    ++s.reads;
    s.payload_bytes_in += frame_bytes;
  } else {
    ++s.writes;
    s.payload_bytes_out += frame_bytes;
  }
}

void MessageTable::payload(MessageId id, bool inbound, std::uint64_t frame_bytes, Micros now,
                           bool first_chunk) {
  MessageStats& s = touch(id, now);
  if (inbound) {
    s.reads += first_chunk ? 1 : 0;
    s.payload_bytes_in += frame_bytes;
  } else {
    s.writes += first_chunk ? 1 : 0;
    s.payload_bytes_out += frame_bytes;
  }
}

void MessageTable::control(MessageId id, bool inbound, std::uint64_t frame_bytes, Micros now) {
  MessageStats& s = touch(id, now);
  (inbound ? s.control_bytes_in : s.control_bytes_out) += frame_bytes;
}

void MessageTable::duplicate(MessageId id, Micros now) {
  ++touch(id, now).duplicates;
}

void MessageTable::delivered(MessageId id, const NodeId& origin, const std::string& group,
                             Micros origin_time_us, int hops, Micros now) {
  MessageStats& s = touch(id, now);
  s.origin = origin;
  s.group = group;
  s.origin_time_us = origin_time_us;
  if (!s.delivered_us) {
    s.delivered_us = now;
    s.hops = hops;
  }
}

const MessageStats* MessageTable::find(MessageId id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &*it->second;
}

std::vector<const MessageStats*> MessageTable::since(Micros since_us) const {
  std::vector<const MessageStats*> out;
  for (const MessageStats& s : order_) {
    if (s.updated_us >= since_us) out.push_back(&s);
  }
  return out;
}

nlohmann::json to_json(const MessageStats& s) {
  return {
      {"id", to_string(s.id)},
      {"origin", s.origin.hex()},
      {"group", s.group},
      {"origin_time_us", s.origin_time_us},
      {"first_seen_us", s.first_seen_us},
      {"updated_us", s.updated_us},
      {"reads", s.reads},
      {"writes", s.writes},
      {"duplicates", s.duplicates},
      {"payload_bytes_in", s.payload_bytes_in},
      {"payload_bytes_out", s.payload_bytes_out},
      {"control_bytes_in", s.control_bytes_in},
      {"control_bytes_out", s.control_bytes_out},
      {"delivered_us", s.delivered_us ? nlohmann::json(*s.delivered_us) : nlohmann::json()},
      {"hops", s.hops},
  };
}

nlohmann::json MessageTable::to_json(Micros since_us) const {
  nlohmann::json out = nlohmann::json::array();
  for (const MessageStats* s : since(since_us)) out.push_back(telemetry::to_json(*s));
  return out;
}

}  // namespace rt::telemetry
