#include "protocol/advert_engine.hpp"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "protocol/sha256.hpp"

namespace rt::protocol {
namespace {

void validate(const AdvertConfig& c) {
  if (c.chunk_bytes == 0 || c.chunk_bytes > kMaxChunkBytes) {
    throw std::invalid_argument("advert: chunk_bytes must be between 1 and 8 MiB");
  }
  if (c.tick_us <= 0) throw std::invalid_argument("advert: tick_us must be positive");
  if (c.request_timeout_us <= 0) {
    throw std::invalid_argument("advert: request_timeout_us must be positive");
  }
  if (c.tracker.max_requested_per_peer == 0 || c.tracker.max_queued_per_peer == 0) {
    throw std::invalid_argument("advert: per-peer queue and requested bounds must be positive");
  }
}

// A byzantine server's body: the same length, a few bytes flipped, so only the hash tells.
wire::SharedBytes corrupted(const wire::Bytes& chunk) {
  auto copy = std::make_shared<wire::Bytes>(chunk);
  const std::size_t step = std::max<std::size_t>(1, copy->size() / 8);
  for (std::size_t i = 0; i < copy->size(); i += step) (*copy)[i] ^= 0xff;
  return copy;
}

}  // namespace

AdvertEngine::AdvertEngine(const EngineConfig& config)
    : config_(config),
      options_(config.advert),
      tracker_(config.advert.tracker),
      pool_(config.advert.pool) {
  validate(options_);
}

std::uint64_t AdvertEngine::next_height(Micros now) {
  // The originator's clock, forced strictly increasing so that heights order a node's artifacts.
  std::uint64_t height = now > 0 ? static_cast<std::uint64_t>(now) : 0;
  if (has_height_ && height <= last_height_) height = last_height_ + 1;
  last_height_ = height;
  has_height_ = true;
  return height;
}

void AdvertEngine::broadcast(Micros now, const BroadcastRequest& request, Actions& out) {
  const std::uint64_t id = request.id.value;
  if (pool_.received(id)) return;
  wire::SharedBytes body = request.payload ? request.payload : std::make_shared<wire::Bytes>();
  wire::Advert advert;
  advert.artifact_id = id;
  advert.size = body->size();
  advert.height = next_height(now);
  advert.kind = request.kind;
  advert.integrity_hash = sha256(*body);
  advert.group = request.group;
  store_validated(advert, body);
  ++counters_.delivered;
  out.push_back(Deliver{request.id, config_.self, request.group, body, now, 0});
  relay(advert, {}, out);
}

void AdvertEngine::on_message(Micros now, const NodeId& from, const wire::Message& message,
                              Actions& out) {
  if (from == config_.self) return;
  if (const auto* advert = std::get_if<wire::Advert>(&message)) {
    on_advert(now, from, *advert, out);
  } else if (const auto* request = std::get_if<wire::Request>(&message)) {
    on_request(from, *request, out);
  } else if (const auto* artifact = std::get_if<wire::Artifact>(&message)) {
    on_artifact(now, from, *artifact, out);
  } else if (const auto* retransmit = std::get_if<wire::RetransmitRequest>(&message)) {
    on_retransmit(now, from, *retransmit, out);
  }
}

void AdvertEngine::on_advert(Micros now, const NodeId& from, const wire::Advert& advert,
                             Actions& out) {
  ++counters_.adverts_in;
  const std::uint64_t id = advert.artifact_id;
  if (!config_.membership->in_group(advert.group, config_.self)) {
    drop(DropReason::not_in_group, wire::MessageType::advert, id, from, out);
    return;
  }
  if (pool_.received(id)) {
    ++counters_.adverts_already_received;
    return;
  }
  if (advert.size > options_.max_artifact_bytes || !pool_.can_ever_fit(advert.size)) {
    drop(DropReason::pool_full, wire::MessageType::advert, id, from, out);
    return;
  }
  const Priority priority = options_.priority.evaluate(advert, now);
  switch (tracker_.add(from, advert, priority, now)) {
    case AdvertTracker::AddResult::queued:
      break;
    case AdvertTracker::AddResult::duplicate:
      return;
    case AdvertTracker::AddResult::queue_full:
      drop(DropReason::queue_full, wire::MessageType::advert, id, from, out);
      return;
    case AdvertTracker::AddResult::conflicting:
      drop(DropReason::conflicting_advert, wire::MessageType::advert, id, from, out);
      return;
    case AdvertTracker::AddResult::dropped:
      drop(DropReason::priority_drop, wire::MessageType::advert, id, from, out);
      return;
  }
  arm_tick(now, out);
  download_next(now, from, out);
}

void AdvertEngine::download_next(Micros now, const NodeId& peer, Actions& out) {
  if (down_.count(peer)) return;
  const auto fits = [&](const wire::Advert& advert) { return pool_.fits(peer, advert.size); };
  while (auto advert = tracker_.download_next(peer, now, now + options_.request_timeout_us, fits)) {
    const Download* download = pool_.start(*advert, peer);
    if (!download) {  // cannot happen while tracker and pool agree; never loop on it
      tracker_.failed(peer, advert->artifact_id);
      continue;
    }
    request_chunk(now, *download, out);
  }
}

void AdvertEngine::schedule_all(Micros now, Actions& out) {
  for (const NodeId& peer : tracker_.peers()) download_next(now, peer, out);
}

void AdvertEngine::request_chunk(Micros now, const Download& download, Actions& out) {
  wire::Request request;
  request.artifact_id = download.advert().artifact_id;
  request.offset = download.received();
  request.length = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(options_.chunk_bytes, download.advert().size - request.offset));
  const Micros deadline = now + options_.request_timeout_us;
  tracker_.extend(request.artifact_id, deadline);
  ++counters_.requests_out;
  out.push_back(Send{download.peer(), request});
  out.push_back(SetTimer{kDeadlineTimer, deadline});
}

void AdvertEngine::on_request(const NodeId& from, const wire::Request& request, Actions& out) {
  ++counters_.requests_in;
  const std::uint64_t id = request.artifact_id;
  const ValidatedArtifact* artifact = pool_.find(id);
  if (!artifact) {
    drop(DropReason::unknown_artifact, wire::MessageType::request, id, from, out);
    return;
  }
  if (!config_.membership->in_group(artifact->advert.group, from)) {
    drop(DropReason::not_in_group, wire::MessageType::request, id, from, out);
    return;
  }
  const std::uint64_t size = artifact->advert.size;
  const bool empty_body = size == 0 && request.offset == 0;
  if (!empty_body && (request.offset >= size || request.length == 0)) {
    drop(DropReason::bad_request, wire::MessageType::request, id, from, out);
    return;
  }
  const std::uint64_t length = std::min<std::uint64_t>(
      {request.length, size - request.offset, std::uint64_t{kMaxChunkBytes}});
  wire::SharedBytes chunk = artifact->body;  // the whole body is shared, not copied
  if (request.offset != 0 || length != size) {
    const auto first = artifact->body->begin() + static_cast<std::ptrdiff_t>(request.offset);
    chunk = std::make_shared<wire::Bytes>(first, first + static_cast<std::ptrdiff_t>(length));
  }
  if (options_.byzantine) chunk = corrupted(*chunk);
  ++counters_.chunks_out;
  counters_.chunk_bytes_out += length;
  out.push_back(Send{from, wire::Artifact{id, request.offset, size, std::move(chunk)}});
}

void AdvertEngine::on_artifact(Micros now, const NodeId& from, const wire::Artifact& artifact,
                               Actions& out) {
  const std::uint64_t id = artifact.artifact_id;
  const std::size_t length = artifact.chunk ? artifact.chunk->size() : 0;
  ++counters_.chunks_in;
  counters_.chunk_bytes_in += length;
  Download* download = pool_.download(id);
  // Only the chunk this node asked that peer for next is taken; anything else is refused.
  if (!download || download->peer() != from || tracker_.requested_from(id) != from ||
      artifact.offset != download->received()) {
    // A chunk of a body already held is a duplicate payload copy for telemetry.
    drop(DropReason::unrequested_chunk, wire::MessageType::artifact, id, from, out,
         pool_.received(id) ? wire::EventKind::duplicate : wire::EventKind::drop);
    return;
  }
  const std::uint64_t size = download->advert().size;
  const std::uint64_t expected =
      std::min<std::uint64_t>(options_.chunk_bytes, size - artifact.offset);
  if (artifact.total_size != size || length != expected) {
    misbehaved(now, from, id, out);
    return;
  }
  if (length > 0) download->append(*artifact.chunk);
  if (!download->complete()) {
    request_chunk(now, *download, out);
    return;
  }
  if (!download->verify()) {
    misbehaved(now, from, id, out);
    return;
  }
  accept(now, id, out);
}

void AdvertEngine::abandon(const NodeId& peer, std::uint64_t artifact_id) {
  pool_.finish(artifact_id);
  tracker_.failed(peer, artifact_id);
}

void AdvertEngine::misbehaved(Micros now, const NodeId& peer, std::uint64_t artifact_id,
                              Actions& out) {
  ++misbehaving_[peer];
  drop(DropReason::integrity_mismatch, wire::MessageType::artifact, artifact_id, peer, out);
  abandon(peer, artifact_id);
  schedule_all(now, out);  // another advertiser is asked
}

void AdvertEngine::accept(Micros now, std::uint64_t artifact_id, Actions& out) {
  Download* download = pool_.download(artifact_id);
  const wire::Advert advert = download->advert();
  wire::SharedBytes body = download->release_body();
  pool_.finish(artifact_id);
  // Whoever advertised it to us has it: they do not need our advert.
  const std::set<NodeId> holders = tracker_.advertisers(artifact_id);
  tracker_.finished(artifact_id);
  ++counters_.bodies_fetched;
  store_validated(advert, body);
  ++counters_.delivered;
  // Adverts carry no origin: it is unknown here (zero); the height is the origin's clock.
  out.push_back(Deliver{MessageId{artifact_id}, NodeId{}, advert.group, body,
                        static_cast<Micros>(advert.height), 1});
  relay(advert, holders, out);
  schedule_all(now, out);
}

void AdvertEngine::store_validated(const wire::Advert& advert, wire::SharedBytes body) {
  counters_.drop(DropReason::evicted) += pool_.add_validated(advert, std::move(body));
}

void AdvertEngine::relay(const wire::Advert& advert, const std::set<NodeId>& skip, Actions& out) {
  for (const NodeId& peer : config_.membership->group(advert.group)) {
    if (peer == config_.self || skip.count(peer) || down_.count(peer)) continue;
    ++counters_.adverts_out;
    out.push_back(Send{peer, advert});
  }
}

void AdvertEngine::on_retransmit(Micros now, const NodeId& from,
                                 const wire::RetransmitRequest& request, Actions& out) {
  ++counters_.retransmit_requests_in;
  if (!serve_adverts(now, from, request.min_height, out)) {
    // Within the cooldown (a link that flapped): served on a tick once it ends, not lost.
    owe_adverts(from, request.min_height);
    arm_tick(now, out);
    drop(DropReason::retransmit_throttled, wire::MessageType::retransmit_request, 0, from, out);
  }
}

bool AdvertEngine::may_serve(Micros now, const NodeId& peer) const {
  const auto last = last_retransmit_served_.find(peer);
  return last == last_retransmit_served_.end() ||
         now - last->second >= options_.retransmit_cooldown_us;
}

void AdvertEngine::owe_adverts(const NodeId& peer, std::uint64_t min_height) {
  const auto [it, added] = owed_.emplace(peer, min_height);
  if (!added) it->second = std::min(it->second, min_height);
}

bool AdvertEngine::serve_adverts(Micros now, const NodeId& to, std::uint64_t min_height,
                                 Actions& out) {
  if (!may_serve(now, to)) return false;
  last_retransmit_served_[to] = now;
  // What this serves covers what was owed from the same height on.
  if (const auto owed = owed_.find(to); owed != owed_.end() && owed->second >= min_height) {
    owed_.erase(owed);
  }
  for (const wire::Advert& advert :
       pool_.adverts_from(min_height, options_.max_retransmit_adverts)) {
    if (!config_.membership->in_group(advert.group, to)) continue;
    ++counters_.adverts_out;
    out.push_back(Send{to, advert});
  }
  return true;
}

std::uint64_t AdvertEngine::retransmit_min_height(Micros now) const {
  const std::uint64_t finalized = options_.priority.finalized_at(now);
  const auto newest = pool_.newest_height();
  if (!newest) return finalized;
  const std::uint64_t lookback = options_.retransmit_lookback;
  return std::max(finalized, *newest > lookback ? *newest - lookback : 0);
}

void AdvertEngine::send_retransmit_request(Micros now, const NodeId& peer, Actions& out) {
  ++counters_.retransmit_requests_out;
  out.push_back(Send{peer, wire::RetransmitRequest{retransmit_min_height(now)}});
}

void AdvertEngine::on_peer_up(Micros now, const NodeId& peer, Actions& out) {
  if (peer == config_.self || !config_.membership->find(peer)) return;
  down_.erase(peer);
  send_retransmit_request(now, peer, out);
  download_next(now, peer, out);
}

void AdvertEngine::on_peer_down(Micros now, const NodeId& peer, Actions& out) {
  if (peer == config_.self || !config_.membership->find(peer)) return;
  down_.insert(peer);
  const std::vector<std::uint64_t> serving = tracker_.requested_by(peer);
  for (std::uint64_t id : serving) {
    drop(DropReason::peer_down, wire::MessageType::request, id, peer, out);
    abandon(peer, id);
  }
  if (!serving.empty()) schedule_all(now, out);
}

void AdvertEngine::on_frames_lost_from(Micros now, const NodeId& peer, Actions& out) {
  if (peer == config_.self || !config_.membership->find(peer)) return;
  auto last = last_retransmit_asked_.find(peer);
  if (last != last_retransmit_asked_.end() &&
      now - last->second < options_.retransmit_cooldown_us) {
    return;
  }
  last_retransmit_asked_[peer] = now;
  send_retransmit_request(now, peer, out);
}

void AdvertEngine::on_frames_dropped_to(Micros now, const NodeId& peer, Actions& out) {
  if (peer == config_.self || !config_.membership->find(peer)) return;
  owe_adverts(peer, retransmit_min_height(now));
  ++counters_.reoffers;
  arm_tick(now, out);
}

void AdvertEngine::set_membership(MembershipPtr membership) {
  config_.membership = std::move(membership);
  const auto gone = [&](const NodeId& peer) { return !config_.membership->find(peer); };
  for (const NodeId& peer : tracker_.peers()) {
    if (!gone(peer)) continue;
    for (std::uint64_t id : tracker_.forget_peer(peer)) pool_.finish(id);
  }
  // Aborted fetches restart on the next tick, which is armed while the tracker holds anything.
  std::erase_if(misbehaving_, [&](const auto& entry) { return gone(entry.first); });
  std::erase_if(down_, gone);
  std::erase_if(last_retransmit_served_, [&](const auto& entry) { return gone(entry.first); });
  std::erase_if(last_retransmit_asked_, [&](const auto& entry) { return gone(entry.first); });
  std::erase_if(owed_, [&](const auto& entry) { return gone(entry.first); });
}

void AdvertEngine::on_timer(Micros now, std::uint64_t timer_id, Actions& out) {
  if (timer_id == kTickTimer) {
    tick_armed_ = false;
    reevaluate(now);
    expire(now, out);
    schedule_all(now, out);
    serve_owed(now, out);
    arm_tick(now, out);
  } else if (timer_id == kDeadlineTimer) {
    expire(now, out);
  }
}

void AdvertEngine::reevaluate(Micros now) {
  const auto evaluate = [&](const wire::Advert& advert) {
    return options_.priority.evaluate(advert, now);
  };
  for (const AdvertTracker::Dropped& dropped : tracker_.reprioritize(evaluate)) {
    if (dropped.requested_from) pool_.finish(dropped.artifact_id);
    ++counters_.drop(DropReason::priority_drop);
  }
  counters_.drop(DropReason::evicted) += pool_.purge_below(options_.priority.finalized_at(now));
}

void AdvertEngine::expire(Micros now, Actions& out) {
  const auto expired = tracker_.expired(now);
  for (const AdvertTracker::Announcement& late : expired) {
    drop(DropReason::timeout, wire::MessageType::request, late.artifact_id, late.peer, out,
         wire::EventKind::timeout);
    abandon(late.peer, late.artifact_id);
  }
  if (!expired.empty()) schedule_all(now, out);
}

void AdvertEngine::arm_tick(Micros now, Actions& out) {
  if (tick_armed_ || (tracker_.artifacts() == 0 && owed_.empty())) return;
  tick_armed_ = true;
  out.push_back(SetTimer{kTickTimer, now + options_.tick_us});
}

// Adverts owed to peers (a request within the cooldown, or a queue that refused our frames) go
// out once the cooldown allows; peers now down are forgotten, since on_peer_up resyncs them.
void AdvertEngine::serve_owed(Micros now, Actions& out) {
  for (auto it = owed_.begin(); it != owed_.end();) {
    if (!down_.count(it->first) && !may_serve(now, it->first)) {
      ++it;
      continue;
    }
    const auto [peer, min_height] = *it;
    it = owed_.erase(it);
    if (!down_.count(peer)) serve_adverts(now, peer, min_height, out);
  }
}

void AdvertEngine::drop(DropReason reason, wire::MessageType type, std::uint64_t artifact_id,
                        const NodeId& peer, Actions& out, wire::EventKind kind) {
  ++counters_.drop(reason);
  out.push_back(
      Observe{kind, type, MessageId{artifact_id}, peer, 0, static_cast<std::uint8_t>(reason)});
}

std::uint64_t AdvertEngine::misbehaving(const NodeId& peer) const {
  auto it = misbehaving_.find(peer);
  return it == misbehaving_.end() ? 0 : it->second;
}

nlohmann::json AdvertEngine::inspect() const {
  std::set<NodeId> peers(down_.begin(), down_.end());
  for (const NodeId& peer : tracker_.peers()) peers.insert(peer);
  for (const auto& [peer, count] : misbehaving_) peers.insert(peer);
  const PoolLimits& limits = pool_.limits();
  nlohmann::json peer_list = nlohmann::json::array();
  for (const NodeId& peer : peers) {
    nlohmann::json entry = tracker_.peer_json(peer, options_.inspect_first_ids);
    entry["peer"] = peer.hex();
    entry["down"] = down_.count(peer) != 0;
    entry["misbehaving"] = misbehaving(peer);
    entry["unvalidated"] = {{"count", pool_.unvalidated_count(peer)},
                            {"bytes", pool_.unvalidated_bytes(peer)},
                            {"count_limit", limits.unvalidated_count_per_peer},
                            {"bytes_limit", limits.unvalidated_bytes_per_peer}};
    peer_list.push_back(std::move(entry));
  }
  nlohmann::json pool = pool_.to_json();
  nlohmann::json received_check = pool["received_check"];
  pool.erase("received_check");
  return {{"mode", "advert"},
          {"byzantine", options_.byzantine},
          {"tracked_artifacts", tracker_.artifacts()},
          {"peers", std::move(peer_list)},
          {"pool", std::move(pool)},
          {"received_check", std::move(received_check)},
          {"drops", counters_.drops_json()},
          {"counters", counters_.traffic_json()}};
}

}  // namespace rt::protocol
