#include "protocol/random_gossip.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace rt::protocol {

RandomGossipEngine::RandomGossipEngine(const EngineConfig& config)
    : config_(config), seen_(config.seen_cache), catch_up_(config.self, config.catch_up) {}

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
  catch_up_.remember(now, gossip);
  forward(gossip, config_.self, out);
}

void RandomGossipEngine::on_message(Micros now, const NodeId& from, const wire::Message& message,
                                    Actions& out) {
  if (const auto* gossip = std::get_if<wire::Gossip>(&message)) {
    on_gossip(now, from, *gossip, out);
  } else if (const auto* igym = std::get_if<wire::Igym>(&message)) {
    // Only catch-up offers; the cleanup directions belong to `raintree`.
    if (igym->direction != wire::kIgymCatchUpOffer || !config_.membership->find(from)) return;
    catch_up_.on_offer(now, from, igym->id, seen_.contains(igym->id), false, out);
  } else if (const auto* reply = std::get_if<wire::IgymReply>(&message)) {
    catch_up_.on_reply(now, from, *reply, *config_.membership, out);
  } else if (const auto* retransmit = std::get_if<wire::RetransmitRequest>(&message)) {
    catch_up_.on_request(now, from, *retransmit, *config_.membership, out);
  }
}

void RandomGossipEngine::on_gossip(Micros now, const NodeId& from, const wire::Gossip& gossip,
                                   Actions& out) {
  // Restricted gossip: a node outside the group neither delivers nor relays.
  if (!config_.membership->in_group(gossip.group, config_.self)) return;
  if (!seen_.insert(gossip.id)) {
    out.push_back(Observe{wire::EventKind::duplicate, wire::MessageType::gossip, gossip.id, from,
                          gossip.level, static_cast<std::uint8_t>(gossip.kind)});
    return;
  }
  out.push_back(Deliver{gossip.id, gossip.origin, gossip.group, gossip.payload,
                        gossip.origin_time_us, gossip.hops});
  catch_up_.delivered(gossip.id);
  catch_up_.remember(now, gossip);
  // A catch-up copy is delivered, never relayed: the others catch up on their own reconnects.
  if (gossip.kind != wire::GossipKind::catchup) forward(gossip, from, out);
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

void RandomGossipEngine::on_timer(Micros now, std::uint64_t timer_id, Actions& out) {
  if (CatchUp::owns_timer(timer_id)) catch_up_.on_timer(now, timer_id, out);
}

void RandomGossipEngine::on_peer_down(Micros now, const NodeId& peer, Actions&) {
  if (config_.membership->find(peer)) catch_up_.on_peer_down(now, peer);
}

void RandomGossipEngine::on_peer_up(Micros now, const NodeId& peer, Actions& out) {
  if (peer != config_.self && config_.membership->find(peer)) {
    catch_up_.on_peer_up(now, peer, out);
  }
}

nlohmann::json RandomGossipEngine::inspect() const {
  return {{"delivered_ids", seen_.size()}, {"catch_up", catch_up_.inspect()}};
}

}  // namespace rt::protocol
