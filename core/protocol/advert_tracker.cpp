#include "protocol/advert_tracker.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace rt::protocol {

std::string_view add_result_name(AdvertTracker::AddResult result) {
  switch (result) {
    case AdvertTracker::AddResult::queued:
      return "queued";
    case AdvertTracker::AddResult::duplicate:
      return "duplicate";
    case AdvertTracker::AddResult::queue_full:
      return "queue_full";
    case AdvertTracker::AddResult::conflicting:
      return "conflicting";
    case AdvertTracker::AddResult::dropped:
      return "dropped";
  }
  return "unknown";
}

AdvertTracker::AddResult AdvertTracker::add(const NodeId& peer, const wire::Advert& advert,
                                            Priority priority, Micros now) {
  auto it = entries_.find(advert.artifact_id);
  if (it != entries_.end()) {
    if (!(it->second.advert == advert)) return AddResult::conflicting;
    if (it->second.advertisers.count(peer)) return AddResult::duplicate;
  } else if (priority == Priority::drop) {
    return AddResult::dropped;
  }
  PeerState& state = peers_[peer];
  if (state.queue.size() >= limits_.max_queued_per_peer) {
    erase_peer_if_empty(peer);
    return AddResult::queue_full;
  }
  if (it == entries_.end()) {
    Entry entry;
    entry.advert = advert;
    entry.priority = priority;
    entry.age = next_age_++;
    entry.first_heard = now;
    it = entries_.emplace(advert.artifact_id, std::move(entry)).first;
  }
  it->second.advertisers.insert(peer);
  state.queue.insert(key_of(it->second));
  return AddResult::queued;
}

std::optional<wire::Advert> AdvertTracker::download_next(
    const NodeId& peer, Micros now, Micros deadline,
    const std::function<bool(const wire::Advert&)>& fits) {
  auto state_it = peers_.find(peer);
  if (state_it == peers_.end()) return std::nullopt;
  PeerState& state = state_it->second;
  if (state.requested.size() >= limits_.max_requested_per_peer) return std::nullopt;
  for (auto key = state.queue.begin(); key != state.queue.end(); ++key) {
    if (!is_fetchable(key->priority)) break;  // Stash sorts last: nothing after it qualifies
    Entry& entry = entries_.at(key->artifact_id);
    if (entry.requested_from) continue;  // being fetched from another advertiser
    if (!fits(entry.advert)) continue;
    entry.requested_from = peer;
    entry.requested_at = now;
    entry.deadline = deadline;
    state.requested.insert(key->artifact_id);
    state.queue.erase(key);
    return entry.advert;
  }
  return std::nullopt;
}

bool AdvertTracker::remove_announcement(const NodeId& peer,
                                        std::unordered_map<std::uint64_t, Entry>::iterator it) {
  Entry& entry = it->second;
  if (auto state = peers_.find(peer); state != peers_.end()) {
    if (entry.requested_from == peer) {
      state->second.requested.erase(entry.advert.artifact_id);
    } else {
      state->second.queue.erase(key_of(entry));
    }
    erase_peer_if_empty(peer);
  }
  if (entry.requested_from == peer) entry.requested_from.reset();
  entry.advertisers.erase(peer);
  if (!entry.advertisers.empty()) return true;
  entries_.erase(it);
  return false;
}

void AdvertTracker::erase_peer_if_empty(const NodeId& peer) {
  auto it = peers_.find(peer);
  if (it != peers_.end() && it->second.empty()) peers_.erase(it);
}

void AdvertTracker::finished(std::uint64_t artifact_id) {
  auto it = entries_.find(artifact_id);
  if (it == entries_.end()) return;
  const std::set<NodeId> advertisers = it->second.advertisers;
  for (const NodeId& peer : advertisers) {
    if (!remove_announcement(peer, it)) break;
  }
}

bool AdvertTracker::failed(const NodeId& peer, std::uint64_t artifact_id) {
  auto it = entries_.find(artifact_id);
  if (it == entries_.end()) return false;
  if (!it->second.advertisers.count(peer)) return true;
  return remove_announcement(peer, it);
}

std::vector<std::uint64_t> AdvertTracker::forget_peer(const NodeId& peer) {
  std::vector<std::uint64_t> serving = requested_by(peer);
  auto state = peers_.find(peer);
  if (state == peers_.end()) return serving;
  std::vector<std::uint64_t> all(serving);
  for (const QueueKey& key : state->second.queue) all.push_back(key.artifact_id);
  for (std::uint64_t id : all) failed(peer, id);
  return serving;
}

void AdvertTracker::extend(std::uint64_t artifact_id, Micros deadline) {
  auto it = entries_.find(artifact_id);
  if (it != entries_.end() && it->second.requested_from) it->second.deadline = deadline;
}

std::vector<AdvertTracker::Dropped> AdvertTracker::reprioritize(
    const std::function<Priority(const wire::Advert&)>& evaluate) {
  std::vector<Dropped> dropped;
  std::vector<std::uint64_t> ids;
  ids.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());  // deterministic order of the dropped list
  for (std::uint64_t id : ids) {
    auto it = entries_.find(id);
    Entry& entry = it->second;
    const Priority next = evaluate(entry.advert);
    if (next == entry.priority) continue;
    if (next == Priority::drop) {
      dropped.push_back({id, entry.requested_from});
      finished(id);
      continue;
    }
    const QueueKey old_key = key_of(entry);
    entry.priority = next;
    for (const NodeId& peer : entry.advertisers) {
      if (entry.requested_from == peer) continue;
      std::set<QueueKey>& queue = peers_.at(peer).queue;
      queue.erase(old_key);
      queue.insert(key_of(entry));
    }
  }
  return dropped;
}

std::vector<AdvertTracker::Announcement> AdvertTracker::expired(Micros now) const {
  std::vector<Announcement> out;
  for (const auto& [peer, state] : peers_) {
    for (std::uint64_t id : state.requested) {
      if (entries_.at(id).deadline <= now) out.push_back({peer, id});
    }
  }
  return out;
}

const wire::Advert* AdvertTracker::find(std::uint64_t artifact_id) const {
  auto it = entries_.find(artifact_id);
  return it == entries_.end() ? nullptr : &it->second.advert;
}

std::optional<NodeId> AdvertTracker::requested_from(std::uint64_t artifact_id) const {
  auto it = entries_.find(artifact_id);
  return it == entries_.end() ? std::nullopt : it->second.requested_from;
}

std::set<NodeId> AdvertTracker::advertisers(std::uint64_t artifact_id) const {
  auto it = entries_.find(artifact_id);
  return it == entries_.end() ? std::set<NodeId>{} : it->second.advertisers;
}

std::vector<std::uint64_t> AdvertTracker::requested_by(const NodeId& peer) const {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return {};
  return {it->second.requested.begin(), it->second.requested.end()};
}

std::vector<NodeId> AdvertTracker::peers() const {
  std::vector<NodeId> out;
  for (const auto& [peer, state] : peers_) out.push_back(peer);
  return out;
}

std::size_t AdvertTracker::queued(const NodeId& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.queue.size();
}

std::size_t AdvertTracker::requested(const NodeId& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.requested.size();
}

std::string AdvertTracker::check() const {
  std::size_t announcements = 0;
  std::uint64_t max_age = 0;
  for (const auto& [id, entry] : entries_) {
    const std::string what = "artifact " + to_string(MessageId{id}) + ": ";
    if (entry.advert.artifact_id != id) return what + "keyed under another id";
    if (entry.priority == Priority::drop) return what + "stored with class drop";
    if (entry.advertisers.empty()) return what + "no advertiser left";
    if (entry.age >= next_age_) return what + "age from the future";
    max_age = std::max(max_age, entry.age);
    if (entry.requested_from && !entry.advertisers.count(*entry.requested_from)) {
      return what + "requested from a peer that did not advertise it";
    }
    for (const NodeId& peer : entry.advertisers) {
      ++announcements;
      auto state = peers_.find(peer);
      if (state == peers_.end()) return what + "advertiser without peer state";
      const bool queued = state->second.queue.count(key_of(entry)) != 0;
      const bool requested = state->second.requested.count(id) != 0;
      if (queued == requested) return what + "announcement must be exactly one of queued/requested";
      if (requested != (entry.requested_from == peer)) return what + "requested set disagrees";
    }
  }
  std::size_t held = 0;
  for (const auto& [peer, state] : peers_) {
    const std::string what = "peer " + peer.short_hex() + ": ";
    if (state.empty()) return what + "empty state kept";
    if (state.queue.size() > limits_.max_queued_per_peer) return what + "queue over its bound";
    if (state.requested.size() > limits_.max_requested_per_peer) {
      return what + "requested set over its bound";
    }
    for (const QueueKey& key : state.queue) {
      auto it = entries_.find(key.artifact_id);
      if (it == entries_.end()) return what + "queued artifact unknown";
      if (key.priority != it->second.priority || key.age != it->second.age) {
        return what + "queue key out of date";
      }
      if (!it->second.advertisers.count(peer)) return what + "queued but not an advertiser";
    }
    for (std::uint64_t id : state.requested) {
      auto it = entries_.find(id);
      if (it == entries_.end() || it->second.requested_from != peer) {
        return what + "requested artifact not fetched from this peer";
      }
    }
    held += state.queue.size() + state.requested.size();
  }
  if (held != announcements) return "announcement count differs between peers and artifacts";
  return "";
}

nlohmann::json AdvertTracker::peer_json(const NodeId& peer, std::size_t first_ids) const {
  nlohmann::json classes = nlohmann::json::object();
  for (Priority p : {Priority::fetch_now, Priority::fetch, Priority::later, Priority::stash}) {
    classes[std::string(priority_name(p))] = {{"count", 0}, {"first", nlohmann::json::array()}};
  }
  nlohmann::json requested = nlohmann::json::array();
  auto it = peers_.find(peer);
  if (it != peers_.end()) {
    for (const QueueKey& key : it->second.queue) {
      nlohmann::json& slot = classes[std::string(priority_name(key.priority))];
      slot["count"] = slot["count"].get<std::size_t>() + 1;
      if (slot["first"].size() < first_ids)
        slot["first"].push_back(to_string(MessageId{key.artifact_id}));
    }
    for (std::uint64_t id : it->second.requested) {
      const Entry& entry = entries_.at(id);
      requested.push_back({{"id", to_string(MessageId{id})},
                           {"requested_at_us", entry.requested_at},
                           {"deadline_us", entry.deadline}});
    }
  }
  return {{"queue", classes},
          {"queued", queued(peer)},
          {"queue_limit", limits_.max_queued_per_peer},
          {"requested", requested},
          {"requested_limit", limits_.max_requested_per_peer}};
}

}  // namespace rt::protocol
