// Mode `advert`: Internet Computer-style gossip. Metadata travels first, the body only on
// request, so each node downloads each body about once however many peers offer it:
//
//   origin: store validated, Deliver, Advert -> every other member of the group
//   peer:   Advert -> priority class -> that peer's advert queue (AdvertTracker)
//           download_next(peer) -> Request chunk by chunk (one peer per artifact at a time)
//           Artifact chunks -> one buffer per artifact (AdvertPool, unvalidated, bounded)
//           -> SHA-256 check -> validated pool, Deliver, relay the Advert to every group member
//              that has not advertised it to us
//
// Integrity mismatches mark the serving peer misbehaving and ask another advertiser; request
// timeouts do the same. On peer_up (and when the transport drops frames) the node asks the peer
// to re-send its adverts from a height on. Every structure a peer can fill is bounded. The design,
// the counting rules for reports and the inspect() shape are in docs/advert.md.
#pragma once

#include <map>
#include <set>

#include "protocol/advert_counters.hpp"
#include "protocol/advert_pool.hpp"
#include "protocol/advert_tracker.hpp"
#include "protocol/engine.hpp"

namespace rt::protocol {

class AdvertEngine final : public Engine {
 public:
  static constexpr std::uint64_t kTickTimer = 1;      // priority re-evaluation, every tick_us
  static constexpr std::uint64_t kDeadlineTimer = 2;  // a chunk request's deadline

  // Throws std::invalid_argument for an AdvertConfig it cannot run with.
  explicit AdvertEngine(const EngineConfig& config);

  std::string_view mode() const override { return "advert"; }
  void broadcast(Micros now, const BroadcastRequest& request, Actions& out) override;
  void on_message(Micros now, const NodeId& from, const wire::Message& message,
                  Actions& out) override;
  void on_timer(Micros now, std::uint64_t timer_id, Actions& out) override;
  void on_peer_down(Micros now, const NodeId& peer, Actions& out) override;
  void on_peer_up(Micros now, const NodeId& peer, Actions& out) override;
  void set_membership(MembershipPtr membership) override;
  nlohmann::json inspect() const override;

  // A frame from `peer` was lost: ask it to re-send its adverts (at most once per
  // retransmit_cooldown_us per peer, so a lossy link does not turn into a request storm).
  void on_frames_lost_from(Micros now, const NodeId& peer, Actions& out) override;
  // A frame to `peer` was refused by its full queue, perhaps an advert: on a later tick, once
  // the queue has had time to drain, re-send it our adverts as if it had asked.
  void on_frames_dropped_to(Micros now, const NodeId& peer, Actions& out) override;
  // RetransmitRequest.min_height at `now`: the newest height in the validated pool minus
  // retransmit_lookback, never below the finalized height; the finalized height when the pool
  // is empty.
  std::uint64_t retransmit_min_height(Micros now) const;

  const AdvertCounters& counters() const { return counters_; }
  std::uint64_t misbehaving(const NodeId& peer) const;
  const AdvertTracker& tracker() const { return tracker_; }
  const AdvertPool& pool() const { return pool_; }

 private:
  void on_advert(Micros now, const NodeId& from, const wire::Advert& advert, Actions& out);
  void on_request(const NodeId& from, const wire::Request& request, Actions& out);
  void on_artifact(Micros now, const NodeId& from, const wire::Artifact& artifact, Actions& out);
  void on_retransmit(Micros now, const NodeId& from, const wire::RetransmitRequest& request,
                     Actions& out);
  // Re-sends `to` the adverts of validated artifacts with height >= min_height in its groups;
  // false (nothing sent) within retransmit_cooldown_us of the last time.
  bool serve_adverts(Micros now, const NodeId& to, std::uint64_t min_height, Actions& out);

  // Fills `peer`'s requested set from its advert queue, within the pool bounds.
  void download_next(Micros now, const NodeId& peer, Actions& out);
  void schedule_all(Micros now, Actions& out);
  void request_chunk(Micros now, const Download& download, Actions& out);
  // Forgets the fetch of `artifact_id` from `peer` and its buffer; other advertisers stay queued.
  void abandon(const NodeId& peer, std::uint64_t artifact_id);
  void misbehaved(Micros now, const NodeId& peer, std::uint64_t artifact_id, Actions& out);
  void accept(Micros now, std::uint64_t artifact_id, Actions& out);
  void store_validated(const wire::Advert& advert, wire::SharedBytes body);
  // Sends `advert` to every member of its group except self, `skip` and peers known down.
  void relay(const wire::Advert& advert, const std::set<NodeId>& skip, Actions& out);
  void reevaluate(Micros now);
  void expire(Micros now, Actions& out);
  void send_retransmit_request(Micros now, const NodeId& peer, Actions& out);
  void arm_tick(Micros now, Actions& out);
  bool may_serve(Micros now, const NodeId& peer) const;  // the retransmit cooldown has passed
  void owe_adverts(const NodeId& peer, std::uint64_t min_height);
  void serve_owed(Micros now, Actions& out);
  std::uint64_t next_height(Micros now);
  void drop(DropReason reason, wire::MessageType type, std::uint64_t artifact_id,
            const NodeId& peer, Actions& out, wire::EventKind kind = wire::EventKind::drop);

  EngineConfig config_;
  AdvertConfig options_;
  AdvertTracker tracker_;
  AdvertPool pool_;
  AdvertCounters counters_;
  // Bounded by the membership: only members reach an engine, and set_membership prunes them.
  std::map<NodeId, std::uint64_t> misbehaving_;
  std::set<NodeId> down_;
  std::map<NodeId, Micros> last_retransmit_served_;
  std::map<NodeId, Micros> last_retransmit_asked_;  // by on_frames_lost_from
  // Peers owed our adverts from a height on, served on a tick once the cooldown allows.
  std::map<NodeId, std::uint64_t> owed_;
  std::uint64_t last_height_ = 0;
  bool has_height_ = false;
  bool tick_armed_ = false;
};

}  // namespace rt::protocol
