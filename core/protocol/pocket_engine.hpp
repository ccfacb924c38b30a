// Mode `pocket`: RainTree exactly as Pocket Network v1 built it, the reference to compare
// against (see docs/raintree.md).
//
// The group's sorted ids are rotated so that self is at index 0; N counts self and
// L = ceil(log3 N). At level l (L down to 1) the targets are rotated indices floor(s/3) and
// floor(2s/3) of s = floor(N * (2/3)^(L-l)); index 0 is a demote to self, not a send. The
// originator runs levels L..1; a node receiving a level-l copy runs l-1..1 with its own rotated
// list. Every received copy is forwarded (Pocket deduplicates only before delivery), and there
// is no ACK, no redundancy and no cleanup, so Pocket misses nodes for most N.
#pragma once

#include "protocol/engine.hpp"
#include "protocol/seen_cache.hpp"

namespace rt::protocol {

class PocketEngine final : public Engine {
 public:
  explicit PocketEngine(const EngineConfig& config);

  std::string_view mode() const override { return "pocket"; }
  void broadcast(Micros now, const BroadcastRequest& request, Actions& out) override;
  void on_message(Micros now, const NodeId& from, const wire::Message& message,
                  Actions& out) override;
  void on_timer(Micros, std::uint64_t, Actions&) override {}  // Pocket arms no timers
  void set_membership(MembershipPtr membership) override {
    config_.membership = std::move(membership);
  }

 private:
  // Sends the level pairs from `top` down to 1, as seen from this node's rotated list.
  void send_levels(const wire::Gossip& received, int top, Actions& out);

  EngineConfig config_;
  SeenCache seen_;
};

}  // namespace rt::protocol
