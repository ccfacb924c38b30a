// Mode `raintree`: the full protocol of the seed, built so that every live member of the
// group delivers each broadcast exactly once with about one payload copy per node. The design,
// its choices and a diagram are in docs/raintree.md. In short:
//
//  * Tree: an exact partition of the group's sorted id list. Each payload copy carries the
//    slice the receiver is responsible for (Gossip.range_start/range_size); the receiver keeps
//    the first third for itself and hands the other two thirds to their first members, level by
//    level, so the tree has L = ceil(log3 N) levels and reaches every member once.
//  * ACK + readjust: every tree copy is acknowledged; a target that does not acknowledge within
//    ack_timeout_us is replaced by sending to the children it would have served (recursively).
//  * Redundancy: a target known to be down (an earlier timeout, or the transport said so) is not
//    waited for: its children get the payload at once, next to a copy for the target itself.
//    Optionally, `neighbour_redundancy` pushes extra copies to sorted neighbours.
//  * Double-Daisy-Chain cleanup: when its part of the tree is done, each node asks its two
//    sorted neighbours "I got, you want?". Yes: it sends the payload (kind cleanup) and that node
//    carries the chain on in the same direction; no: the chain stops; no answer: skip to the
//    next node in that direction.
//  * Catch-up after reconnect (catch_up.hpp): when a link comes up this node sends the peer a
//    RetransmitRequest; the peer offers what it got while the link was down (Igym direction 2),
//    and wanted ids come back as Gossip kind catchup, delivered once and never forwarded.
//
// All state is bounded: delivered ids live in a SeenCache, per-message state expires after
// state_ttl_us, and the suspect list and IGYM promises are capped.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "protocol/catch_up.hpp"
#include "protocol/engine.hpp"
#include "protocol/seen_cache.hpp"

namespace rt::protocol {

struct RaintreeOptions {
  Micros cleanup_delay_us = -1;        // after this node's subtree is done; -1: ack_timeout_us
  Micros state_ttl_us = 0;             // per-message state lifetime; 0: 10 * (ack + igym timeouts)
  Micros suspect_ttl_us = 60'000'000;  // how long a silent peer is routed around
  std::size_t max_suspects = 4096;
  int neighbour_redundancy = 0;  // 0, 1 (next member) or 2 (both neighbours): extra copies
};

class RaintreeEngine final : public Engine {
 public:
  explicit RaintreeEngine(const EngineConfig& config, RaintreeOptions options = {});

  std::string_view mode() const override { return "raintree"; }
  void broadcast(Micros now, const BroadcastRequest& request, Actions& out) override;
  void on_message(Micros now, const NodeId& from, const wire::Message& message,
                  Actions& out) override;
  void on_timer(Micros now, std::uint64_t timer_id, Actions& out) override;
  void on_peer_down(Micros now, const NodeId& peer, Actions& out) override;
  void on_peer_up(Micros now, const NodeId& peer, Actions& out) override;
  void set_membership(MembershipPtr membership) override {
    config_.membership = std::move(membership);
  }
  // In-flight broadcasts (open ACKs and IGYM chain links), the peers routed around and the
  // catch-up state (window, outstanding wants, open offers).
  nlohmann::json inspect() const override;

  // Messages with live per-message state (for tests of the bound).
  std::size_t tracked_messages() const { return messages_.size(); }
  const CatchUp& catch_up() const { return catch_up_; }

 private:
  // A payload copy this node sent and waits to see acknowledged.
  struct Target {
    NodeId peer;
    std::uint32_t head = 0;  // the peer's index in the group list when it was sent
    std::uint32_t size = 0;  // the slice the peer was asked to serve; 0: a cleanup copy
    Level level = 0;
    bool open = true;
    std::uint8_t attempts = 1;  // cleanup copies are sent again when their ACK is lost
  };
  // One link of a cleanup chain: an IGYM waiting for its reply.
  struct ChainLink {
    NodeId peer;
    std::uint32_t index = 0;
    std::uint32_t asked = 0;  // members asked so far in this chain (bounds the walk)
    std::uint8_t direction = 0;
    bool open = true;
    std::uint8_t attempts = 1;  // an unanswered IGYM is asked once more (its reply may be lost)
  };
  struct MessageState {
    wire::Gossip gossip;  // id, origin, group, payload, origin time, and this node's hops
    bool tree_served = false;
    bool cleanup_armed = false;
    int open_targets = 0;
    int open_links = 0;
    std::vector<Target> targets;
    std::vector<ChainLink> links;
  };
  enum class TimerKind : std::uint8_t { ack, igym, cleanup, expire };
  struct TimerRef {
    MessageId id;
    TimerKind kind = TimerKind::ack;
    std::uint32_t index = 0;
  };
  struct GroupView {
    const std::vector<NodeId>* ids = nullptr;
    std::uint32_t self = 0;
    std::uint32_t size() const { return static_cast<std::uint32_t>(ids->size()); }
  };

  bool view_of(const std::string& group, GroupView& view) const;
  MessageState& create_state(Micros now, const wire::Gossip& gossip, Actions& out);
  void arm(Micros at, MessageId id, TimerKind kind, std::uint32_t index, Actions& out);

  void on_gossip(Micros now, const NodeId& from, const wire::Gossip& gossip, Actions& out);
  void on_ack(Micros now, const NodeId& from, const wire::Ack& ack, Actions& out);
  void on_igym(Micros now, const NodeId& from, const wire::Igym& igym, Actions& out);
  void on_igym_reply(Micros now, const NodeId& from, const wire::IgymReply& reply, Actions& out);

  // Sends to every child the head of [head, head + size) serves.
  void serve_range(Micros now, MessageState& state, const GroupView& view, std::uint32_t head,
                   std::uint32_t size, wire::GossipKind kind, Actions& out);
  void send_payload(Micros now, MessageState& state, const GroupView& view, std::uint32_t index,
                    std::uint32_t size, int level, wire::GossipKind kind, Actions& out);
  void push_neighbour_copies(Micros now, MessageState& state, const GroupView& view, Actions& out);
  void send_cleanup_copy(Micros now, MessageState& state, const NodeId& peer, std::uint32_t index,
                         std::uint8_t attempt, Actions& out);
  void maybe_finish_tree(Micros now, MessageState& state, Actions& out);
  void ask_next(Micros now, MessageState& state, const GroupView& view, std::uint32_t from_index,
                std::uint8_t direction, std::uint32_t asked, Actions& out);
  void ask(Micros now, MessageState& state, const ChainLink& link, Actions& out);

  void on_ack_timeout(Micros now, MessageState& state, std::uint32_t index, Actions& out);
  void on_igym_timeout(Micros now, MessageState& state, std::uint32_t index, Actions& out);

  void suspect(Micros now, const NodeId& peer);
  bool is_suspected(Micros now, const NodeId& peer) const;
  // True when this node told another asker "yes" for `id` a moment ago.
  bool promised_to_other(Micros now, MessageId id, const NodeId& asker) const;
  // Catch-up (catch_up.hpp): answers an offer (Igym direction 2).
  void on_catch_up_offer(Micros now, const NodeId& from, MessageId id, Actions& out);

  EngineConfig config_;
  RaintreeOptions options_;
  SeenCache delivered_;
  std::unordered_map<MessageId, MessageState> messages_;
  std::deque<MessageId> message_order_;  // creation order, to cap messages_
  std::unordered_map<std::uint64_t, TimerRef> timers_;
  std::uint64_t next_timer_ = 1;
  std::unordered_map<NodeId, Micros> suspects_;  // peer -> suspected until
  struct Promise {
    NodeId asker;
    Micros until = 0;
  };
  std::unordered_map<MessageId, Promise> promises_;  // IGYM "yes" given, payload expected
  CatchUp catch_up_;
};

}  // namespace rt::protocol
