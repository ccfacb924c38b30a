// The sans-IO protocol interface. An engine is a state machine for one node: it takes
// (time, event) and appends actions (send a message to a peer, deliver a broadcast to the
// application, arm a timer, note an observation). It never touches a socket or a clock, so the
// same engine runs inside raintree-node and inside the deterministic simulator.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "protocol/advert_config.hpp"
#include "protocol/catch_up_config.hpp"
#include "protocol/membership.hpp"
#include "util/ids.hpp"
#include "wire/messages.hpp"

namespace rt::protocol {

// Send `message` to `to`. For a gossip copy to self (RainTree's demote) engines do not emit
// a Send at all.
struct Send {
  NodeId to;
  wire::Message message;
};

// Hand a broadcast to the application. Engines emit this at most once per message id.
struct Deliver {
  MessageId id;
  NodeId origin;
  std::string group;
  wire::SharedBytes payload;
  Micros origin_time_us = 0;
  int hops = 0;  // 0 at the originator
};

// Call on_timer(timer_id) at time `at` (absolute, same clock as `now`). Timers cannot be
// cancelled: an engine ignores a timer that no longer matters.
struct SetTimer {
  std::uint64_t timer_id = 0;
  Micros at = 0;
};

// Something the engine saw that telemetry should count and show: a duplicate copy, an
// answer that timed out, a readjust. Never changes behaviour.
struct Observe {
  wire::EventKind kind = wire::EventKind::duplicate;
  wire::MessageType type = wire::MessageType::gossip;
  MessageId id;
  NodeId peer;
  Level level = 0;
  std::uint8_t detail = 0;
};

using Action = std::variant<Send, Deliver, SetTimer, Observe>;
using Actions = std::vector<Action>;

struct BroadcastRequest {
  MessageId id;
  std::string group = "all";
  wire::SharedBytes payload;
  std::uint8_t kind = 0;  // `advert`: the artifact kind its priority rules look at
};

// Tunables shared by the engines; each engine documents the ones it reads.
struct EngineConfig {
  NodeId self;
  MembershipPtr membership;
  std::uint64_t seed = 1;            // for engines that draw random numbers
  int fanout = 0;                    // random gossip: 0 = max(3, ceil(sqrt N)); -1 = flood all
  std::size_t seen_cache = 65536;    // message ids remembered for deduplication
  Micros ack_timeout_us = 300'000;   // RainTree: wait this long for an ACK before readjusting
  Micros igym_timeout_us = 300'000;  // RainTree: wait this long for an IGYM reply
  AdvertConfig advert;               // advert gossip: priorities, bounds, chunking
  CatchUpOptions catch_up;           // raintree, random: catch-up after reconnect (catch_up.hpp)
};

class Engine {
 public:
  virtual ~Engine() = default;

  virtual std::string_view mode() const = 0;

  // This node originates a broadcast. The engine delivers it locally (hops 0) as well.
  virtual void broadcast(Micros now, const BroadcastRequest& request, Actions& out) = 0;
  // A protocol message arrived from an authenticated peer. Engines ignore types they do not
  // use and never trust a field without checking it.
  virtual void on_message(Micros now, const NodeId& from, const wire::Message& message,
                          Actions& out) = 0;
  virtual void on_timer(Micros now, std::uint64_t timer_id, Actions& out) = 0;
  // Transport-level liveness; engines may use it to skip peers known to be down. `raintree` and
  // `random` answer on_peer_up with a RetransmitRequest to that peer (catch-up, catch_up.hpp);
  // `advert` with its own retransmission request; `pocket` does nothing.
  virtual void on_peer_down(Micros /*now*/, const NodeId& /*peer*/, Actions& /*out*/) {}
  virtual void on_peer_up(Micros /*now*/, const NodeId& /*peer*/, Actions& /*out*/) {}
  // The transport lost frames. `from_peer`: a frame from `peer` was lost on the way in (the
  // seed's "receiver notified of a potential message drop": it may ask for a retransmission).
  // `to_peer`: a frame to `peer` was refused by its full outbound queue (it may re-offer later).
  // Called outside execution of the engine's own actions; engines keep what they do bounded.
  virtual void on_frames_lost_from(Micros /*now*/, const NodeId& /*peer*/, Actions& /*out*/) {}
  virtual void on_frames_dropped_to(Micros /*now*/, const NodeId& /*peer*/, Actions& /*out*/) {}
  // The address book changed (join or leave).
  virtual void set_membership(MembershipPtr membership) = 0;
  // A JSON snapshot of the engine's internal state for inspectors (queues, pools, in-flight
  // broadcasts). Cheap enough to call a few times per second; {} when there is nothing to show.
  virtual nlohmann::json inspect() const;
};

// The modes of DESIGN.md: "pocket", "raintree", "random", "advert".
bool is_known_mode(std::string_view mode);
// nullptr for an unknown mode, or for a mode whose engine this build does not have yet.
std::unique_ptr<Engine> make_engine(std::string_view mode, const EngineConfig& config);

}  // namespace rt::protocol
