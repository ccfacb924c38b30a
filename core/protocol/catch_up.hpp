// Catch-up after reconnect for the `raintree` and `random` engines (docs/raintree.md, "Catch-up
// after reconnect"). The Internet Computer's transport asks a peer for a retransmission when a
// link comes back; this is that request for the gossip modes, so that a node that was killed
// and restarted, stopped, or partitioned while broadcasts went by still gets them.
//
// Protocol, on every link that comes up (Engine::on_peer_up), in both directions:
//
//   requester                                     responder
//   RetransmitRequest{since}  ------------------>  (throttled: one per peer per interval)
//                             <------------------  Igym{id, direction 2}   for each offered id
//   IgymReply{id, want}       ------------------>
//                             <------------------  Gossip{kind catchup}    only after want=yes
//
//  * `since` (RetransmitRequest.min_height, reused): the requester's wall-clock microsecond of
//    when it last saw the link to this peer go down; 0 = unknown (a fresh process, or a peer
//    never up before). A known moment is sent as at least 1.
//  * Offered: every broadcast of the responder's window whose group the requester is in, that
//    the requester did not originate, and that the responder got at or after
//    min(known of {since, the responder's own record of losing the requester}) - margin; with
//    neither known, the whole window. The earlier of the two records is used, not the later: a
//    stopped process records its losses only when it resumes (too late), while its peers
//    recorded them when their read timeout fired. Newest first up to the per-request caps, sent
//    oldest first.
//  * Want: yes only for an id the requester has not delivered and has not asked another peer
//    for in the last want_timeout; one outstanding want per id. A want that times out is an
//    Observe{timeout, gossip, detail catchup}; the next offer of the id is answered yes again.
//  * The catch-up copy (level 0, no slice, hops = the responder's hops + 1) is delivered once
//    through the engine's seen-cache and never forwarded, ACKed or chained: other nodes catch
//    up on their own reconnects. A copy of an id already delivered is an Observe duplicate.
//
// This class keeps the window, the per-peer contact records, the responder's open offers and
// the requester's outstanding wants, all bounded (CatchUpOptions). It is sans-IO like the
// engines: it appends Send, SetTimer and Observe actions. Its timer ids have the top bit set
// so they never collide with the engine's own; engines pass those timers here (owns_timer).
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json_fwd.hpp>

#include "protocol/catch_up_config.hpp"
#include "protocol/engine.hpp"

namespace rt::protocol {

struct CatchUpStats {
  std::uint64_t requests_out = 0;        // RetransmitRequests sent
  std::uint64_t requests_in = 0;         // RetransmitRequests received
  std::uint64_t requests_throttled = 0;  // received within serve_interval of the last served
  std::uint64_t offers_out = 0;          // Igym direction 2 sent
  std::uint64_t offers_in = 0;
  std::uint64_t wants_out = 0;     // IgymReply want=yes sent to an offer
  std::uint64_t declines_out = 0;  // IgymReply want=no sent to an offer
  std::uint64_t copies_out = 0;    // catch-up Gossip sent
  std::uint64_t want_timeouts = 0;
};

class CatchUp {
 public:
  static constexpr std::uint64_t kTimerBit = std::uint64_t{1} << 63;

  CatchUp(NodeId self, CatchUpOptions options);

  bool enabled() const { return options_.enabled; }
  const CatchUpOptions& options() const { return options_; }

  // ---- window --------------------------------------------------------------------------
  // Keeps a broadcast this node delivered (or originated) at `now`, with this node's hops.
  void remember(Micros now, const wire::Gossip& gossip);

  // ---- contact tracking and the request ------------------------------------------------
  void on_peer_down(Micros now, const NodeId& peer);
  // Records the link as up and sends the peer a RetransmitRequest. The engine checks that the
  // peer is a member other than self.
  void on_peer_up(Micros now, const NodeId& peer, Actions& out);

  // ---- responder -----------------------------------------------------------------------
  void on_request(Micros now, const NodeId& from, const wire::RetransmitRequest& request,
                  const Membership& membership, Actions& out);
  // An IgymReply the engine did not claim for itself. Returns true when it answered an open
  // catch-up offer (then a want=yes has been served with a catch-up copy, if still held).
  bool on_reply(Micros now, const NodeId& from, const wire::IgymReply& reply,
                const Membership& membership, Actions& out);

  // ---- requester -----------------------------------------------------------------------
  // Answers an offer (Igym direction 2). `have`: the engine already delivered the id;
  // `busy`: the engine expects the payload by another way (raintree: a cleanup promise); the
  // offer is then held as a fallback, asked if that payload does not come in want_timeout.
  void on_offer(Micros now, const NodeId& from, MessageId id, bool have, bool busy, Actions& out);
  // The engine delivered `id` (by any path): its outstanding want, if any, is closed.
  void delivered(MessageId id) { wants_.erase(id); }

  static bool owns_timer(std::uint64_t timer_id) { return (timer_id & kTimerBit) != 0; }
  void on_timer(Micros now, std::uint64_t timer_id, Actions& out);

  // ---- inspection ----------------------------------------------------------------------
  std::size_t window_size() const { return window_.size(); }
  std::size_t window_bytes() const { return window_bytes_; }
  std::size_t outstanding_wants() const { return wants_.size(); }
  std::size_t open_offers() const;
  bool holds(MessageId id) const { return window_.count(id) != 0; }
  const CatchUpStats& stats() const { return stats_; }
  nlohmann::json inspect() const;

 private:
  struct Entry {
    wire::Gossip gossip;  // id, origin, group, payload, origin time, this node's hops
    Micros got_us = 0;
    std::size_t bytes = 0;
  };
  struct Contact {
    bool up = false;
    bool ever_up = false;
    bool down_known = false;
    Micros last_down_us = 0;  // when the link to this peer was last seen going down
    bool served = false;
    Micros last_served_us = 0;  // when a RetransmitRequest of this peer was last served
  };
  struct PeerOffers {
    Micros until = 0;
    std::unordered_set<MessageId> ids;
  };
  struct Want {
    NodeId peer;
    Micros until = 0;
    std::uint64_t timer = 0;
    // Other peers that offered the id meanwhile, left unanswered (their offers stay open for
    // offer_ttl) so that a want that times out is asked again at once, not on a next offer
    // that may never come.
    std::vector<NodeId> fallbacks;
  };
  static constexpr std::size_t kMaxFallbacks = 4;
  void ask(Micros now, const NodeId& peer, MessageId id, std::vector<NodeId> fallbacks,
           Actions& out);

  void evict(Micros now);
  Contact* contact(const NodeId& peer);
  void reply(const NodeId& to, MessageId id, bool want, Actions& out);

  NodeId self_;
  CatchUpOptions options_;
  std::unordered_map<MessageId, Entry> window_;
  std::deque<MessageId> order_;  // the window in the order this node got the broadcasts
  std::size_t window_bytes_ = 0;
  std::unordered_map<NodeId, Contact> contacts_;
  std::unordered_map<NodeId, PeerOffers> offers_;  // responder: offers awaiting an answer
  std::unordered_map<MessageId, Want> wants_;      // requester: one outstanding want per id
  std::unordered_map<std::uint64_t, MessageId> timers_;
  std::uint64_t next_timer_ = 1;
  CatchUpStats stats_;
};

}  // namespace rt::protocol
