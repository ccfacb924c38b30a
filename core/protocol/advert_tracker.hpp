// The scheduler of advert gossip: which peer advertised which artifact and which of those
// adverts is being fetched. A pure structure that takes time as a parameter (modelled on
// Bitcoin Core's txrequest.h): it never sends, hashes or stores a body; the engine asks it what
// to fetch next and tells it how each fetch ended.
//
// Specification
//  * An announcement is a (peer, artifact) pair: `peer` advertised `artifact`. It is in exactly
//    one of two states: QUEUED in the peer's advert queue, or REQUESTED (in the peer's
//    requested set, with a deadline).
//  * Per artifact at most one announcement is REQUESTED: a body is fetched from one peer at a
//    time. All announcements of an artifact share one entry (the shared tracker): the advert
//    first heard (a later advert with another size, hash, height, kind or group is refused as
//    conflicting), the priority class and the age (the order artifacts were first heard in).
//  * A peer's queue is ordered by class (FetchNow first) then age (oldest first) and holds at
//    most max_queued_per_peer announcements; its requested set at most max_requested_per_peer.
//    Drop is never stored.
//  * download_next(peer) takes the first queued announcement of that peer whose class is
//    fetchable (not Stash), whose artifact is not REQUESTED from another peer and which the
//    caller's `fits` accepts (pool space); it becomes REQUESTED with the given deadline.
//  * finished(artifact) forgets the artifact with all its announcements (body received, or
//    dropped). failed(peer, artifact) forgets that one announcement (timeout, integrity
//    mismatch, peer gone); the others stay QUEUED so another advertiser is asked next. An
//    artifact without announcements is forgotten.
//  * reprioritize() re-evaluates every artifact: Drop forgets it, another class re-sorts it in
//    every queue (a REQUESTED fetch carries on).
//  * check() verifies every rule above and returns the first violation ("" when consistent);
//    tests call it after every step.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "protocol/advert_config.hpp"
#include "protocol/advert_priority.hpp"
#include "util/ids.hpp"
#include "wire/messages.hpp"

namespace rt::protocol {

class AdvertTracker {
 public:
  enum class AddResult { queued, duplicate, queue_full, conflicting, dropped };

  struct Announcement {
    NodeId peer;
    std::uint64_t artifact_id = 0;
  };
  // An artifact reprioritize() dropped; `requested_from` names the peer fetching it, if any.
  struct Dropped {
    std::uint64_t artifact_id = 0;
    std::optional<NodeId> requested_from;
  };

  explicit AdvertTracker(TrackerLimits limits = {}) : limits_(limits) {}

  // `priority` is used when the artifact is new (Drop is refused as `dropped`); a known
  // artifact keeps its class. `duplicate`: this peer already announced it.
  AddResult add(const NodeId& peer, const wire::Advert& advert, Priority priority, Micros now);

  // See the specification. Returns the advert to fetch, nullopt when nothing qualifies.
  std::optional<wire::Advert> download_next(const NodeId& peer, Micros now, Micros deadline,
                                            const std::function<bool(const wire::Advert&)>& fits);

  void finished(std::uint64_t artifact_id);
  // Returns true when the artifact still has announcements (another peer can be asked).
  bool failed(const NodeId& peer, std::uint64_t artifact_id);
  // Forgets every announcement of a peer that left; returns the artifacts it was serving.
  std::vector<std::uint64_t> forget_peer(const NodeId& peer);
  // Moves the deadline of a REQUESTED artifact (a chunk arrived, the next one is asked for).
  void extend(std::uint64_t artifact_id, Micros deadline);
  std::vector<Dropped> reprioritize(const std::function<Priority(const wire::Advert&)>& evaluate);
  // REQUESTED announcements whose deadline is at or before now.
  std::vector<Announcement> expired(Micros now) const;

  const wire::Advert* find(std::uint64_t artifact_id) const;
  std::optional<NodeId> requested_from(std::uint64_t artifact_id) const;
  std::set<NodeId> advertisers(std::uint64_t artifact_id) const;
  std::vector<std::uint64_t> requested_by(const NodeId& peer) const;
  std::vector<NodeId> peers() const;  // peers with at least one announcement
  std::size_t artifacts() const { return entries_.size(); }
  std::size_t queued(const NodeId& peer) const;
  std::size_t requested(const NodeId& peer) const;
  const TrackerLimits& limits() const { return limits_; }

  std::string check() const;
  // {"queue": {"fetch_now": {"count", "first"}, ...}, "queued", "requested": {"count", "ids"}}
  nlohmann::json peer_json(const NodeId& peer, std::size_t first_ids) const;

 private:
  struct Entry {
    wire::Advert advert;
    Priority priority = Priority::fetch;
    std::uint64_t age = 0;
    Micros first_heard = 0;
    std::set<NodeId> advertisers;
    std::optional<NodeId> requested_from;
    Micros requested_at = 0;
    Micros deadline = 0;
  };
  // Sorts FetchNow first, then oldest first; the artifact id makes keys unique.
  struct QueueKey {
    Priority priority = Priority::fetch;
    std::uint64_t age = 0;
    std::uint64_t artifact_id = 0;
    friend bool operator<(const QueueKey& a, const QueueKey& b) {
      if (a.priority != b.priority) return a.priority > b.priority;
      if (a.age != b.age) return a.age < b.age;
      return a.artifact_id < b.artifact_id;
    }
  };
  struct PeerState {
    std::set<QueueKey> queue;
    std::set<std::uint64_t> requested;
    bool empty() const { return queue.empty() && requested.empty(); }
  };

  static QueueKey key_of(const Entry& entry) {
    return {entry.priority, entry.age, entry.advert.artifact_id};
  }
  // Removes one announcement; erases the entry when it was the last. Returns true if the
  // entry survives.
  bool remove_announcement(const NodeId& peer,
                           std::unordered_map<std::uint64_t, Entry>::iterator it);
  void erase_peer_if_empty(const NodeId& peer);

  TrackerLimits limits_;
  std::unordered_map<std::uint64_t, Entry> entries_;
  std::map<NodeId, PeerState> peers_;  // ordered: inspect() lists peers in id order
  std::uint64_t next_age_ = 0;
};

std::string_view add_result_name(AdvertTracker::AddResult result);

}  // namespace rt::protocol
