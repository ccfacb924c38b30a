// Mode `random`: Pocket v0-style random gossip, the baseline RainTree is measured against.
// A node hands the first copy of a message to the application and forwards it to every peer
// of its random overlay (random_overlay.hpp) except the one it came from; later copies are
// counted as duplicates and dropped. With fanout -1 ("all") it floods the whole group.
#pragma once

#include <memory>

#include "protocol/engine.hpp"
#include "protocol/random_overlay.hpp"
#include "protocol/seen_cache.hpp"

namespace rt::protocol {

class RandomGossipEngine final : public Engine {
 public:
  explicit RandomGossipEngine(const EngineConfig& config);

  std::string_view mode() const override { return "random"; }
  void broadcast(Micros now, const BroadcastRequest& request, Actions& out) override;
  void on_message(Micros now, const NodeId& from, const wire::Message& message,
                  Actions& out) override;
  void on_timer(Micros, std::uint64_t, Actions&) override {}  // no timers in this mode
  void set_membership(MembershipPtr membership) override {
    config_.membership = std::move(membership);
  }

 private:
  // Sends `gossip` to the overlay neighbours of this node in the gossip's group, except `skip`.
  void forward(const wire::Gossip& gossip, const NodeId& skip, Actions& out);
  int picks_for(std::size_t group_size) const;

  EngineConfig config_;
  SeenCache seen_;
};

}  // namespace rt::protocol
