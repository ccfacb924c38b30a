#include "protocol/catch_up.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include <nlohmann/json.hpp>

namespace rt::protocol {
namespace {

std::uint8_t next_hops(int hops) {
  return static_cast<std::uint8_t>(std::min(255, hops + 1));
}

// Entries listed by name in inspect(); the counts are always complete.
constexpr std::size_t kInspectListed = 16;

}  // namespace

CatchUp::CatchUp(NodeId self, CatchUpOptions options) : self_(self), options_(options) {}

// ---- window ------------------------------------------------------------------------------

void CatchUp::remember(Micros now, const wire::Gossip& gossip) {
  if (!options_.enabled || options_.max_messages == 0) return;
  const std::size_t bytes = gossip.payload ? gossip.payload->size() : 0;
  if (bytes > options_.max_bytes || window_.count(gossip.id)) return;
  Entry entry;
  entry.gossip = gossip;
  entry.gossip.level = 0;
  entry.gossip.range_start = 0;
  entry.gossip.range_size = 0;
  entry.got_us = now;
  entry.bytes = bytes;
  window_.emplace(gossip.id, std::move(entry));
  order_.push_back(gossip.id);
  window_bytes_ += bytes;
  evict(now);
}

void CatchUp::evict(Micros now) {
  while (!order_.empty()) {
    const auto it = window_.find(order_.front());
    const bool too_many = window_.size() > options_.max_messages;
    const bool too_big = window_bytes_ > options_.max_bytes;
    const bool too_old = it != window_.end() && it->second.got_us < now - options_.max_age_us;
    if (it != window_.end() && !too_many && !too_big && !too_old) return;
    if (it != window_.end()) {
      window_bytes_ -= it->second.bytes;
      window_.erase(it);
    }
    order_.pop_front();
  }
}

// ---- contacts and the request ------------------------------------------------------------

CatchUp::Contact* CatchUp::contact(const NodeId& peer) {
  const auto it = contacts_.find(peer);
  if (it != contacts_.end()) return &it->second;
  if (contacts_.size() >= options_.max_contacts) return nullptr;
  return &contacts_[peer];
}

void CatchUp::on_peer_down(Micros now, const NodeId& peer) {
  if (!options_.enabled || peer == self_) return;
  Contact* c = contact(peer);
  if (!c) return;
  c->up = false;
  c->down_known = true;
  c->last_down_us = now;
}

void CatchUp::on_peer_up(Micros now, const NodeId& peer, Actions& out) {
  if (!options_.enabled || peer == self_) return;
  std::uint64_t since = 0;  // unknown: this process never saw the link go down
  if (Contact* c = contact(peer)) {
    c->up = true;
    c->ever_up = true;
    if (c->down_known) since = static_cast<std::uint64_t>(std::max<Micros>(1, c->last_down_us));
  }
  evict(now);
  ++stats_.requests_out;
  out.push_back(Send{peer, wire::RetransmitRequest{since}});
}

// ---- responder ---------------------------------------------------------------------------

void CatchUp::on_request(Micros now, const NodeId& from, const wire::RetransmitRequest& request,
                         const Membership& membership, Actions& out) {
  if (!options_.enabled || from == self_ || !membership.find(from)) return;
  ++stats_.requests_in;
  Contact* c = contact(from);
  if (c && c->served && now - c->last_served_us < options_.serve_interval_us) {
    ++stats_.requests_throttled;
    return;
  }
  if (c) {
    c->served = true;
    c->last_served_us = now;
  }
  evict(now);

  // The earliest known moment the link was lost, by either side; none known: the whole window.
  // A requester's `since` beyond the representable range is taken as unknown.
  Micros bound = std::numeric_limits<Micros>::min();
  bool known = false;
  if (request.min_height > 0 &&
      request.min_height <= static_cast<std::uint64_t>(std::numeric_limits<Micros>::max())) {
    bound = static_cast<Micros>(request.min_height);
    known = true;
  }
  if (c && c->down_known) {
    bound = known ? std::min(bound, c->last_down_us) : c->last_down_us;
    known = true;
  }
  if (known) bound -= options_.margin_us;

  std::vector<const Entry*> picked;
  std::size_t picked_bytes = 0;
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {  // newest first
    if (picked.size() >= options_.max_offers_per_request) break;
    const auto found = window_.find(*it);
    if (found == window_.end()) continue;
    const Entry& entry = found->second;
    if (known && entry.got_us < bound) continue;
    if (entry.gossip.origin == from || !membership.in_group(entry.gossip.group, from)) continue;
    if (picked_bytes + entry.bytes > options_.max_offer_bytes_per_request) break;
    picked_bytes += entry.bytes;
    picked.push_back(&entry);
  }
  if (picked.empty()) return;

  PeerOffers& offers = offers_[from];
  if (offers.until <= now || offers.ids.size() > 2 * options_.max_offers_per_request) {
    offers.ids.clear();
  }
  offers.until = now + options_.offer_ttl_us;
  for (auto it = picked.rbegin(); it != picked.rend(); ++it) {  // oldest first
    const MessageId id = (*it)->gossip.id;
    offers.ids.insert(id);
    ++stats_.offers_out;
    out.push_back(Send{from, wire::Igym{id, wire::kIgymCatchUpOffer}});
  }
}

bool CatchUp::on_reply(Micros now, const NodeId& from, const wire::IgymReply& reply,
                       const Membership& membership, Actions& out) {
  const auto peer = offers_.find(from);
  if (peer == offers_.end()) return false;
  if (peer->second.until <= now) {
    offers_.erase(peer);
    return false;
  }
  if (peer->second.ids.erase(reply.id) == 0) return false;
  if (peer->second.ids.empty()) offers_.erase(peer);
  if (!reply.want) return true;
  const auto it = window_.find(reply.id);
  // Evicted since the offer, or the peer left the group: the requester's want times out and a
  // later offer (from anyone) is answered yes again.
  if (it == window_.end() || !membership.in_group(it->second.gossip.group, from)) return true;
  wire::Gossip copy = it->second.gossip;
  copy.kind = wire::GossipKind::catchup;
  copy.level = 0;
  copy.range_start = 0;
  copy.range_size = 0;
  copy.hops = next_hops(it->second.gossip.hops);
  ++stats_.copies_out;
  out.push_back(Send{from, std::move(copy)});
  return true;
}

std::size_t CatchUp::open_offers() const {
  std::size_t n = 0;
  for (const auto& [peer, offers] : offers_) n += offers.ids.size();
  return n;
}

// ---- requester ---------------------------------------------------------------------------

void CatchUp::reply(const NodeId& to, MessageId id, bool want, Actions& out) {
  ++(want ? stats_.wants_out : stats_.declines_out);
  out.push_back(Send{to, wire::IgymReply{id, want}});
}

void CatchUp::on_offer(Micros now, const NodeId& from, MessageId id, bool have, bool busy,
                       Actions& out) {
  if (!options_.enabled || from == self_) return;
  ++stats_.offers_in;
  if (have) return reply(from, id, false, out);
  const auto it = wants_.find(id);
  if (it != wants_.end() && it->second.until > now) {
    // Asked elsewhere already: hold this offer in reserve (bounded), else decline it.
    auto& fallbacks = it->second.fallbacks;
    if (fallbacks.size() < kMaxFallbacks &&
        std::find(fallbacks.begin(), fallbacks.end(), from) == fallbacks.end()) {
      fallbacks.push_back(from);
      return;
    }
    return reply(from, id, false, out);
  }
  if (it == wants_.end() &&
      (wants_.size() >= options_.max_wants || timers_.size() >= 2 * options_.max_wants)) {
    std::erase_if(wants_, [now](const auto& entry) { return entry.second.until <= now; });
    if (wants_.size() >= options_.max_wants || timers_.size() >= 2 * options_.max_wants) {
      return reply(from, id, false, out);  // full: a later offer asks again
    }
  }
  if (busy) {
    // The payload is promised by another path (raintree cleanup): wait for it, with this
    // offer as the fallback should the promise not be kept (e.g. its sender went down).
    const std::uint64_t timer = kTimerBit | next_timer_++;
    wants_[id] = Want{NodeId{}, now + options_.want_timeout_us, timer, {from}};
    timers_.emplace(timer, id);
    out.push_back(SetTimer{timer, now + options_.want_timeout_us});
    return;
  }
  ask(now, from, id, {}, out);
}

void CatchUp::ask(Micros now, const NodeId& peer, MessageId id, std::vector<NodeId> fallbacks,
                  Actions& out) {
  const std::uint64_t timer = kTimerBit | next_timer_++;
  wants_[id] = Want{peer, now + options_.want_timeout_us, timer, std::move(fallbacks)};
  timers_.emplace(timer, id);
  out.push_back(SetTimer{timer, now + options_.want_timeout_us});
  reply(peer, id, true, out);
}

void CatchUp::on_timer(Micros now, std::uint64_t timer_id, Actions& out) {
  const auto t = timers_.find(timer_id);
  if (t == timers_.end()) return;
  const MessageId id = t->second;
  timers_.erase(t);
  const auto it = wants_.find(id);
  if (it == wants_.end() || it->second.timer != timer_id) return;  // answered or asked anew
  Want want = std::move(it->second);
  wants_.erase(it);
  if (want.peer != NodeId{}) {
    ++stats_.want_timeouts;
    out.push_back(Observe{wire::EventKind::timeout, wire::MessageType::gossip, id, want.peer, 0,
                          static_cast<std::uint8_t>(wire::GossipKind::catchup)});
  }
  if (!want.fallbacks.empty()) {
    const NodeId next = want.fallbacks.front();
    want.fallbacks.erase(want.fallbacks.begin());
    ask(now, next, id, std::move(want.fallbacks), out);
  }
}

// ---- inspection --------------------------------------------------------------------------

nlohmann::json CatchUp::inspect() const {
  nlohmann::json wants = nlohmann::json::array();
  for (const auto& [id, want] : wants_) {
    if (wants.size() >= kInspectListed) break;
    wants.push_back({{"id", to_string(id)}, {"peer", want.peer.short_hex()}});
  }
  nlohmann::json down = nlohmann::json::array();
  for (const auto& [peer, c] : contacts_) {
    if (down.size() >= kInspectListed) break;
    if (c.ever_up && !c.up) down.push_back(peer.short_hex());
  }
  return {{"enabled", options_.enabled},
          {"window_messages", window_.size()},
          {"window_bytes", window_bytes_},
          {"outstanding_wants", wants_.size()},
          {"wants", wants},
          {"open_offers", open_offers()},
          {"peers_down", down},
          {"requests_out", stats_.requests_out},
          {"requests_in", stats_.requests_in},
          {"requests_throttled", stats_.requests_throttled},
          {"offers_out", stats_.offers_out},
          {"offers_in", stats_.offers_in},
          {"wants_out", stats_.wants_out},
          {"declines_out", stats_.declines_out},
          {"copies_out", stats_.copies_out},
          {"want_timeouts", stats_.want_timeouts}};
}

}  // namespace rt::protocol
