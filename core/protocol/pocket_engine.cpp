#include "protocol/pocket_engine.hpp"

#include <algorithm>

#include "protocol/raintree_math.hpp"

namespace rt::protocol {

PocketEngine::PocketEngine(const EngineConfig& config)
    : config_(config), seen_(config.seen_cache) {}

void PocketEngine::broadcast(Micros now, const BroadcastRequest& request, Actions& out) {
  if (!config_.membership->in_group(request.group, config_.self)) return;
  if (!seen_.insert(request.id)) return;
  wire::Gossip gossip;
  gossip.id = request.id;
  gossip.origin = config_.self;
  gossip.group = request.group;
  gossip.kind = wire::GossipKind::tree;
  gossip.hops = 0;
  gossip.origin_time_us = now;
  gossip.payload = request.payload;
  out.push_back(Deliver{gossip.id, gossip.origin, gossip.group, gossip.payload, now, 0});
  const auto n = config_.membership->group(request.group).size();
  send_levels(gossip, raintree::levels(n), out);
}

void PocketEngine::on_message(Micros, const NodeId& from, const wire::Message& message,
                              Actions& out) {
  const auto* gossip = std::get_if<wire::Gossip>(&message);
  if (!gossip) return;  // Pocket v1 has no control messages
  const Membership& members = *config_.membership;
  // Restricted gossip: a node outside the group (or a copy from outside it) is ignored.
  if (!members.in_group(gossip->group, config_.self) || !members.in_group(gossip->group, from)) {
    return;
  }
  if (seen_.insert(gossip->id)) {
    out.push_back(Deliver{gossip->id, gossip->origin, gossip->group, gossip->payload,
                          gossip->origin_time_us, gossip->hops});
  } else {
    out.push_back(Observe{wire::EventKind::duplicate, wire::MessageType::gossip, gossip->id, from,
                          gossip->level, static_cast<std::uint8_t>(gossip->kind)});
  }
  // Pocket forwards every copy, duplicates included. The level is clamped to this node's own
  // L so that a forged level cannot make it send more than an honest tree would.
  const int total = raintree::levels(members.group(gossip->group).size());
  send_levels(*gossip, std::min<int>(gossip->level, total) - 1, out);
}

void PocketEngine::send_levels(const wire::Gossip& received, int top, Actions& out) {
  const std::vector<NodeId>& ids = config_.membership->group(received.group);
  const auto self = std::lower_bound(ids.begin(), ids.end(), config_.self);
  if (self == ids.end() || *self != config_.self) return;
  const std::uint64_t n = ids.size();
  const std::uint64_t self_index = static_cast<std::uint64_t>(self - ids.begin());
  const int total = raintree::levels(n);
  wire::Gossip copy = received;
  copy.kind = wire::GossipKind::tree;
  copy.hops = static_cast<std::uint8_t>(std::min(255, received.hops + 1));
  for (int level = top; level >= 1; --level) {
    copy.level = static_cast<Level>(level);
    for (std::uint64_t target : raintree::pocket_targets(n, total, level)) {
      if (target == 0) continue;  // demote to self: the loop's next level, not a send
      out.push_back(Send{ids[(self_index + target) % n], copy});
    }
  }
}

}  // namespace rt::protocol
