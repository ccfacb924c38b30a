#include "protocol/random_gossip.hpp"

#include <algorithm>

namespace rt::protocol {

RandomGossipEngine::RandomGossipEngine(const EngineConfig& config)
    : config_(config), seen_(config.seen_cache) {}

int RandomGossipEngine::picks_for(std::size_t group_size) const {
  if (config_.fanout < 0) return static_cast<int>(group_size);  // flood: a full mesh
  return config_.fanout > 0 ? config_.fanout : default_fanout(group_size);
}

void RandomGossipEngine::broadcast(Micros now, const BroadcastRequest& request, Actions& out) {
  if (!seen_.insert(request.id)) return;
  wire::Gossip gossip;
  gossip.id = request.id;
  gossip.origin = config_.self;
  gossip.group = request.group;
  gossip.kind = wire::GossipKind::random;
  gossip.hops = 0;
  gossip.origin_time_us = now;
  gossip.payload = request.payload;
  out.push_back(Deliver{gossip.id, gossip.origin, gossip.group, gossip.payload, now, 0});
  forward(gossip, config_.self, out);
}

void RandomGossipEngine::on_message(Micros, const NodeId& from, const wire::Message& message,
                                    Actions& out) {
  const auto* gossip = std::get_if<wire::Gossip>(&message);
  if (!gossip) return;
  // Restricted gossip: a node outside the group neither delivers nor relays.
  if (!config_.membership->in_group(gossip->group, config_.self)) return;
  if (!seen_.insert(gossip->id)) {
    out.push_back(Observe{wire::EventKind::duplicate, wire::MessageType::gossip, gossip->id, from,
                          gossip->level, static_cast<std::uint8_t>(gossip->kind)});
    return;
  }
  out.push_back(Deliver{gossip->id, gossip->origin, gossip->group, gossip->payload,
                        gossip->origin_time_us, gossip->hops});
  forward(*gossip, from, out);
}

void RandomGossipEngine::forward(const wire::Gossip& gossip, const NodeId& skip, Actions& out) {
  const std::vector<NodeId>& ids = config_.membership->group(gossip.group);
  const auto self = std::lower_bound(ids.begin(), ids.end(), config_.self);
  if (self == ids.end() || *self != config_.self) return;
  const auto overlay = shared_overlay(config_.membership, gossip.group, picks_for(ids.size()));
  wire::Gossip copy = gossip;
  copy.hops = static_cast<std::uint8_t>(std::min(255, gossip.hops + 1));
  for (std::uint32_t index : overlay->neighbours(static_cast<std::uint32_t>(self - ids.begin()))) {
    if (ids[index] == skip) continue;
    out.push_back(Send{ids[index], copy});
  }
}

}  // namespace rt::protocol
