#include "protocol/raintree_engine.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "protocol/raintree_math.hpp"

namespace rt::protocol {
namespace {

std::uint8_t next_hops(int hops) {
  return static_cast<std::uint8_t>(std::min(255, hops + 1));
}

std::uint32_t step(std::uint32_t index, std::uint8_t direction, std::uint32_t n) {
  return direction ? (index + 1) % n : (index + n - 1) % n;
}

// IGYM promises outstanding at once; more are answered without being remembered.
constexpr std::size_t max_promises = 4096;
// Sends of one cleanup copy before the chain gives up on that peer.
constexpr std::uint8_t kCleanupAttempts = 3;
// IGYMs to one peer before the chain skips it.
constexpr std::uint8_t kIgymAttempts = 2;

}  // namespace

RaintreeEngine::RaintreeEngine(const EngineConfig& config, RaintreeOptions options)
    : config_(config),
      options_(options),
      delivered_(config.seen_cache),
      catch_up_(config.self, config.catch_up) {
  if (options_.cleanup_delay_us < 0) options_.cleanup_delay_us = config_.ack_timeout_us;
  if (options_.state_ttl_us <= 0) {
    options_.state_ttl_us = 10 * (config_.ack_timeout_us + config_.igym_timeout_us);
  }
  options_.neighbour_redundancy = std::clamp(options_.neighbour_redundancy, 0, 2);
}

bool RaintreeEngine::view_of(const std::string& group, GroupView& view) const {
  const std::vector<NodeId>& ids = config_.membership->group(group);
  const auto self = std::lower_bound(ids.begin(), ids.end(), config_.self);
  if (self == ids.end() || *self != config_.self) return false;
  view.ids = &ids;
  view.self = static_cast<std::uint32_t>(self - ids.begin());
  return true;
}

void RaintreeEngine::arm(Micros at, MessageId id, TimerKind kind, std::uint32_t index,
                         Actions& out) {
  const std::uint64_t timer = next_timer_++;
  timers_.emplace(timer, TimerRef{id, kind, index});
  out.push_back(SetTimer{timer, at});
}

RaintreeEngine::MessageState& RaintreeEngine::create_state(Micros now, const wire::Gossip& gossip,
                                                           Actions& out) {
  // Forget the oldest states first if a burst of broadcasts reaches the cap; expired ones are
  // popped from the order lazily here too.
  while (!message_order_.empty() &&
         (messages_.count(message_order_.front()) == 0 || messages_.size() >= config_.seen_cache)) {
    messages_.erase(message_order_.front());
    message_order_.pop_front();
  }
  MessageState& state = messages_[gossip.id];
  state.gossip = gossip;
  state.gossip.range_start = 0;
  state.gossip.range_size = 0;
  message_order_.push_back(gossip.id);
  arm(now + options_.state_ttl_us, gossip.id, TimerKind::expire, 0, out);
  return state;
}

void RaintreeEngine::broadcast(Micros now, const BroadcastRequest& request, Actions& out) {
  GroupView view;
  if (!view_of(request.group, view) || !delivered_.insert(request.id)) return;
  wire::Gossip gossip;
  gossip.id = request.id;
  gossip.origin = config_.self;
  gossip.group = request.group;
  gossip.kind = wire::GossipKind::tree;
  gossip.hops = 0;
  gossip.origin_time_us = now;
  gossip.payload = request.payload;
  out.push_back(Deliver{gossip.id, gossip.origin, gossip.group, gossip.payload, now, 0});
  catch_up_.remember(now, gossip);
  MessageState& state = create_state(now, gossip, out);
  state.tree_served = true;
  serve_range(now, state, view, view.self, view.size(), wire::GossipKind::tree, out);
  push_neighbour_copies(now, state, view, out);
  maybe_finish_tree(now, state, out);
}

void RaintreeEngine::on_message(Micros now, const NodeId& from, const wire::Message& message,
                                Actions& out) {
  // Any frame from a peer proves it is alive again.
  if (!suspects_.empty()) suspects_.erase(from);
  if (const auto* gossip = std::get_if<wire::Gossip>(&message)) {
    on_gossip(now, from, *gossip, out);
  } else if (const auto* ack = std::get_if<wire::Ack>(&message)) {
    on_ack(now, from, *ack, out);
  } else if (const auto* igym = std::get_if<wire::Igym>(&message)) {
    on_igym(now, from, *igym, out);
  } else if (const auto* reply = std::get_if<wire::IgymReply>(&message)) {
    on_igym_reply(now, from, *reply, out);
  } else if (const auto* retransmit = std::get_if<wire::RetransmitRequest>(&message)) {
    catch_up_.on_request(now, from, *retransmit, *config_.membership, out);
  }
}

void RaintreeEngine::on_gossip(Micros now, const NodeId& from, const wire::Gossip& gossip,
                               Actions& out) {
  GroupView view;
  // Restricted gossip: ignore a group this node is not in, or a sender outside the group.
  if (!view_of(gossip.group, view) || !config_.membership->in_group(gossip.group, from)) return;
  const bool catchup = gossip.kind == wire::GossipKind::catchup;
  const bool ranged = gossip.kind != wire::GossipKind::cleanup && !catchup && gossip.range_size > 0;
  // A catch-up copy is not ACK-tracked by its sender (a lost one is asked again from the next
  // offer), so it is not acknowledged.
  if (!catchup) out.push_back(Send{from, wire::Ack{gossip.id, gossip.level}});

  const bool first = delivered_.insert(gossip.id);
  if (first) {
    out.push_back(Deliver{gossip.id, gossip.origin, gossip.group, gossip.payload,
                          gossip.origin_time_us, gossip.hops});
    promises_.erase(gossip.id);
    catch_up_.delivered(gossip.id);
    catch_up_.remember(now, gossip);
    // State is kept for a catch-up copy too: it is never forwarded or chained, but a ranged
    // copy arriving later still makes this node serve its slice.
    create_state(now, gossip, out);
  } else {
    out.push_back(Observe{wire::EventKind::duplicate, wire::MessageType::gossip, gossip.id, from,
                          gossip.level, static_cast<std::uint8_t>(gossip.kind)});
  }
  const auto it = messages_.find(gossip.id);
  if (it == messages_.end()) return;  // state expired: the work for this id is long done
  MessageState& state = it->second;

  if (ranged && !state.tree_served) {
    // Serve the slice named in the copy, from this node's own index. The two are the same
    // unless the sender's view differs from ours (a join or leave in flight); then we serve the
    // same number of members from where we are, and the cleanup chains close any gap.
    const std::uint32_t size = std::min<std::uint32_t>(gossip.range_size, view.size());
    state.tree_served = true;
    serve_range(now, state, view, view.self, size, wire::GossipKind::tree, out);
    push_neighbour_copies(now, state, view, out);
    maybe_finish_tree(now, state, out);
  }
  if (gossip.kind == wire::GossipKind::cleanup && first) {
    // Carry the chain on away from the member that asked us.
    const std::uint32_t n = view.size();
    const std::uint32_t sender = static_cast<std::uint32_t>(
        std::lower_bound(view.ids->begin(), view.ids->end(), from) - view.ids->begin());
    const std::uint32_t upward = (view.self + n - sender) % n;  // steps from sender up to self
    const std::uint8_t direction = upward <= n - upward ? 1 : 0;
    ask_next(now, state, view, view.self, direction, 0, out);
  }
}

void RaintreeEngine::serve_range(Micros now, MessageState& state, const GroupView& view,
                                 std::uint32_t head, std::uint32_t size, wire::GossipKind kind,
                                 Actions& out) {
  const std::uint32_t n = view.size();
  for (const raintree::Child& child : raintree::range_children(size)) {
    const auto index = static_cast<std::uint32_t>((head + child.range.offset) % n);
    send_payload(now, state, view, index, static_cast<std::uint32_t>(child.range.size), child.level,
                 kind, out);
  }
}

void RaintreeEngine::send_payload(Micros now, MessageState& state, const GroupView& view,
                                  std::uint32_t index, std::uint32_t size, int level,
                                  wire::GossipKind kind, Actions& out) {
  const NodeId& peer = (*view.ids)[index];
  if (peer == config_.self) return;  // only after a view change; self is served already
  if (size > 1 && is_suspected(now, peer)) {
    // Redundancy layer: do not wait for a peer that stayed silent before. It still gets a copy
    // for itself (it may be back), and its children are served right away.
    send_payload(now, state, view, index, 1, level, wire::GossipKind::redundancy, out);
    serve_range(now, state, view, index, size, wire::GossipKind::redundancy, out);
    return;
  }
  wire::Gossip copy = state.gossip;
  copy.kind = kind;
  copy.level = static_cast<Level>(level);
  copy.hops = next_hops(state.gossip.hops);
  copy.range_start = index;
  copy.range_size = size;
  out.push_back(Send{peer, std::move(copy)});
  state.targets.push_back(Target{peer, index, size, static_cast<Level>(level), true});
  ++state.open_targets;
  arm(now + config_.ack_timeout_us, state.gossip.id, TimerKind::ack,
      static_cast<std::uint32_t>(state.targets.size() - 1), out);
}

void RaintreeEngine::push_neighbour_copies(Micros now, MessageState& state, const GroupView& view,
                                           Actions& out) {
  const std::uint32_t n = view.size();
  for (int i = 0; i < options_.neighbour_redundancy && i + 1 < static_cast<int>(n); ++i) {
    const std::uint32_t index = step(view.self, static_cast<std::uint8_t>(i == 0), n);
    send_payload(now, state, view, index, 1, 0, wire::GossipKind::redundancy, out);
  }
}

void RaintreeEngine::maybe_finish_tree(Micros now, MessageState& state, Actions& out) {
  if (state.open_targets > 0 || state.cleanup_armed || !state.tree_served) return;
  state.cleanup_armed = true;
  arm(now + options_.cleanup_delay_us, state.gossip.id, TimerKind::cleanup, 0, out);
}

void RaintreeEngine::on_ack(Micros now, const NodeId& from, const wire::Ack& ack, Actions& out) {
  const auto it = messages_.find(ack.id);
  if (it == messages_.end()) return;
  MessageState& state = it->second;
  for (Target& target : state.targets) {
    if (target.open && target.peer == from) {
      target.open = false;
      --state.open_targets;
      maybe_finish_tree(now, state, out);
      return;
    }
  }
}

void RaintreeEngine::on_ack_timeout(Micros now, MessageState& state, std::uint32_t index,
                                    Actions& out) {
  if (index >= state.targets.size() || !state.targets[index].open) return;
  const Target target = state.targets[index];  // copied: readjusting appends to targets
  state.targets[index].open = false;
  --state.open_targets;
  if (target.size == 0) {
    if (target.attempts < kCleanupAttempts) {
      send_cleanup_copy(now, state, target.peer, target.head, target.attempts + 1, out);
    }
    return;
  }
  out.push_back(Observe{wire::EventKind::timeout, wire::MessageType::ack, state.gossip.id,
                        target.peer, target.level,
                        static_cast<std::uint8_t>(wire::GossipKind::readjust)});
  suspect(now, target.peer);
  GroupView view;
  if (view_of(state.gossip.group, view)) {
    // Readjust: serve the target's children. Find the target again in case the view changed.
    const auto pos = std::lower_bound(view.ids->begin(), view.ids->end(), target.peer);
    const bool present = pos != view.ids->end() && *pos == target.peer;
    const std::uint32_t head =
        present ? static_cast<std::uint32_t>(pos - view.ids->begin()) : target.head % view.size();
    serve_range(now, state, view, head, std::min(target.size, view.size()),
                wire::GossipKind::readjust, out);
  }
  maybe_finish_tree(now, state, out);
}

void RaintreeEngine::ask_next(Micros now, MessageState& state, const GroupView& view,
                              std::uint32_t from_index, std::uint8_t direction, std::uint32_t asked,
                              Actions& out) {
  const std::uint32_t n = view.size();
  if (n < 2 || asked + 1 >= n) return;  // the chain went all the way round
  const std::uint32_t index = step(from_index, direction, n);
  if (index == view.self) return;
  ask(now, state, ChainLink{(*view.ids)[index], index, asked + 1, direction, true, 1}, out);
}

void RaintreeEngine::ask(Micros now, MessageState& state, const ChainLink& link, Actions& out) {
  out.push_back(Send{link.peer, wire::Igym{state.gossip.id, link.direction}});
  state.links.push_back(link);
  ++state.open_links;
  arm(now + config_.igym_timeout_us, state.gossip.id, TimerKind::igym,
      static_cast<std::uint32_t>(state.links.size() - 1), out);
}

void RaintreeEngine::on_igym(Micros now, const NodeId& from, const wire::Igym& igym, Actions& out) {
  if (igym.direction == wire::kIgymCatchUpOffer) return on_catch_up_offer(now, from, igym.id, out);
  // Want it only if not delivered and not promised to another asker a moment ago: two chains
  // can meet at one node, and the second is told no and ends here. The same asker asking
  // again (its first reply was lost) is told yes again.
  const bool want = !delivered_.contains(igym.id) && !promised_to_other(now, igym.id, from);
  if (want) {
    if (promises_.size() >= max_promises) {
      std::erase_if(promises_, [now](const auto& entry) { return entry.second.until <= now; });
    }
    if (promises_.size() < max_promises) {
      promises_[igym.id] = Promise{from, now + 2 * config_.igym_timeout_us};
    }
  }
  out.push_back(Send{from, wire::IgymReply{igym.id, want}});
}

void RaintreeEngine::on_igym_reply(Micros now, const NodeId& from, const wire::IgymReply& reply,
                                   Actions& out) {
  // An open cleanup chain link to this peer claims the reply first (the cleanup works exactly as
  // before); otherwise it may answer a catch-up offer.
  const auto it = messages_.find(reply.id);
  if (it != messages_.end()) {
    MessageState& state = it->second;
    for (ChainLink& link : state.links) {
      if (!link.open || link.peer != from) continue;
      link.open = false;
      --state.open_links;
      if (reply.want) send_cleanup_copy(now, state, link.peer, link.index, 1, out);
      return;
    }
  }
  catch_up_.on_reply(now, from, reply, *config_.membership, out);
}

void RaintreeEngine::on_catch_up_offer(Micros now, const NodeId& from, MessageId id, Actions& out) {
  if (!config_.membership->find(from)) return;
  // A cleanup "yes" given a moment ago means a cleanup copy is on its way: decline the offer.
  const auto promise = promises_.find(id);
  const bool busy = promise != promises_.end() && promise->second.until > now;
  catch_up_.on_offer(now, from, id, delivered_.contains(id), busy, out);
}

void RaintreeEngine::send_cleanup_copy(Micros now, MessageState& state, const NodeId& peer,
                                       std::uint32_t index, std::uint8_t attempt, Actions& out) {
  wire::Gossip copy = state.gossip;
  copy.kind = wire::GossipKind::cleanup;
  copy.level = 0;
  copy.hops = next_hops(state.gossip.hops);
  out.push_back(Send{peer, std::move(copy)});
  // ACK-tracked like a tree copy, but a lost one is sent again instead of readjusted: the
  // peer promised itself to this chain and tells other askers no for a while.
  Target target{peer, index, 0, 0, true, attempt};
  state.targets.push_back(target);
  ++state.open_targets;
  arm(now + config_.ack_timeout_us, state.gossip.id, TimerKind::ack,
      static_cast<std::uint32_t>(state.targets.size() - 1), out);
}

void RaintreeEngine::on_igym_timeout(Micros now, MessageState& state, std::uint32_t index,
                                     Actions& out) {
  if (index >= state.links.size() || !state.links[index].open) return;
  const ChainLink link = state.links[index];
  state.links[index].open = false;
  --state.open_links;
  if (link.attempts < kIgymAttempts) {
    ChainLink again = link;
    ++again.attempts;
    again.open = true;
    ask(now, state, again, out);
    return;
  }
  out.push_back(Observe{wire::EventKind::timeout, wire::MessageType::igym_reply, state.gossip.id,
                        link.peer, 0, link.direction});
  suspect(now, link.peer);
  GroupView view;
  if (view_of(state.gossip.group, view)) {
    ask_next(now, state, view, link.index % view.size(), link.direction, link.asked, out);
  }
}

void RaintreeEngine::on_timer(Micros now, std::uint64_t timer_id, Actions& out) {
  if (CatchUp::owns_timer(timer_id)) return catch_up_.on_timer(now, timer_id, out);
  const auto found = timers_.find(timer_id);
  if (found == timers_.end()) return;
  const TimerRef ref = found->second;
  timers_.erase(found);
  const auto it = messages_.find(ref.id);
  if (it == messages_.end()) return;  // the message's state expired; nothing left to do
  MessageState& state = it->second;
  switch (ref.kind) {
    case TimerKind::ack:
      on_ack_timeout(now, state, ref.index, out);
      break;
    case TimerKind::igym:
      on_igym_timeout(now, state, ref.index, out);
      break;
    case TimerKind::cleanup: {
      GroupView view;
      if (!view_of(state.gossip.group, view)) break;
      ask_next(now, state, view, view.self, 1, 0, out);
      // With two members both directions reach the same neighbour: ask once.
      if (view.size() > 2) ask_next(now, state, view, view.self, 0, 0, out);
      break;
    }
    case TimerKind::expire:
      if (state.open_targets > 0 || state.open_links > 0) {
        arm(now + options_.state_ttl_us, ref.id, TimerKind::expire, 0, out);
      } else {
        messages_.erase(it);
      }
      break;
  }
}

nlohmann::json RaintreeEngine::inspect() const {
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& [id, state] : messages_) {
    nlohmann::json waiting = nlohmann::json::array();
    for (const Target& t : state.targets) {
      if (t.open) waiting.push_back({{"peer", t.peer.short_hex()}, {"slice", t.size}});
    }
    nlohmann::json asking = nlohmann::json::array();
    for (const ChainLink& l : state.links) {
      if (l.open) asking.push_back({{"peer", l.peer.short_hex()}, {"direction", l.direction}});
    }
    messages.push_back({{"id", to_string(id)},
                        {"group", state.gossip.group},
                        {"hops", state.gossip.hops},
                        {"tree_served", state.tree_served},
                        {"cleanup_armed", state.cleanup_armed},
                        {"awaiting_ack", waiting},
                        {"awaiting_igym_reply", asking}});
  }
  nlohmann::json suspects = nlohmann::json::array();
  for (const auto& [peer, until] : suspects_) suspects.push_back(peer.short_hex());
  return {{"messages", messages},
          {"suspects", suspects},
          {"delivered_ids", delivered_.size()},
          {"timers", timers_.size()},
          {"catch_up", catch_up_.inspect()}};
}

void RaintreeEngine::on_peer_down(Micros now, const NodeId& peer, Actions&) {
  suspect(now, peer);
  if (config_.membership->find(peer)) catch_up_.on_peer_down(now, peer);
}

void RaintreeEngine::on_peer_up(Micros now, const NodeId& peer, Actions& out) {
  suspects_.erase(peer);
  if (peer != config_.self && config_.membership->find(peer)) {
    catch_up_.on_peer_up(now, peer, out);
  }
}

void RaintreeEngine::suspect(Micros now, const NodeId& peer) {
  if (suspects_.size() >= options_.max_suspects) {
    std::erase_if(suspects_, [now](const auto& entry) { return entry.second <= now; });
    if (suspects_.size() >= options_.max_suspects) return;
  }
  suspects_[peer] = now + options_.suspect_ttl_us;
}

bool RaintreeEngine::is_suspected(Micros now, const NodeId& peer) const {
  const auto it = suspects_.find(peer);
  return it != suspects_.end() && it->second > now;
}

bool RaintreeEngine::promised_to_other(Micros now, MessageId id, const NodeId& asker) const {
  const auto it = promises_.find(id);
  return it != promises_.end() && it->second.until > now && it->second.asker != asker;
}

}  // namespace rt::protocol
