// Mode `random`: Pocket v0-style random gossip, the baseline RainTree is measured against.
// A node hands the first copy of a message to the application and forwards it to every peer
// of its random overlay (random_overlay.hpp) except the one it came from; later copies are
// counted as duplicates and dropped. With fanout -1 ("all") it floods the whole group.
//
// Catch-up after reconnect (catch_up.hpp, docs/raintree.md): when a link comes up this node
// sends the peer a RetransmitRequest; the peer offers what it got while the link was down
// (Igym direction 2), and wanted ids come back as Gossip kind catchup, delivered once and not
// forwarded. The want timeouts are this mode's only timers.
#pragma once

#include <memory>

#include "protocol/catch_up.hpp"
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
  void on_timer(Micros now, std::uint64_t timer_id, Actions& out) override;
  void on_peer_down(Micros now, const NodeId& peer, Actions& out) override;
  void on_peer_up(Micros now, const NodeId& peer, Actions& out) override;
  void set_membership(MembershipPtr membership) override {
    config_.membership = std::move(membership);
  }
  // The catch-up state: window, outstanding wants, open offers, counters.
  nlohmann::json inspect() const override;

  const CatchUp& catch_up() const { return catch_up_; }

 private:
  // Sends `gossip` to the overlay neighbours of this node in the gossip's group, except `skip`.
  void forward(const wire::Gossip& gossip, const NodeId& skip, Actions& out);
  int picks_for(std::size_t group_size) const;
  void on_gossip(Micros now, const NodeId& from, const wire::Gossip& gossip, Actions& out);

  EngineConfig config_;
  SeenCache seen_;
  CatchUp catch_up_;
};

}  // namespace rt::protocol
